/**
 * A raw HTTP client for the server tests: node:http, so a test can send any Host, Origin or
 * body (fetch refuses some headers), and read server-sent events as they arrive.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body as JSON (undefined when it is not). */
  json: any;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** JSON body (sets Content-Type). */
  json?: unknown;
  /** Send the body in two halves this many ms apart (a slow client: the request stays in flight meanwhile). */
  splitMs?: number;
}

export function call(base: string, path: string, o: RequestOptions = {}): Promise<Reply> {
  const url = new URL(path, base);
  const headers: Record<string, string> = { ...(o.json !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers };
  const body = o.json !== undefined ? JSON.stringify(o.json) : o.body;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: o.method ?? (body !== undefined ? 'POST' : 'GET'), headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (o.splitMs === undefined) req.end(body);
    else {
      const b = Buffer.from(body);
      req.setHeader('content-length', String(b.length));
      req.write(b.subarray(0, b.length >> 1));
      setTimeout(() => req.end(b.subarray(b.length >> 1)), o.splitMs);
    }
  });
}

export interface EventStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every event so far (each `data:` parsed as JSON). */
  events: any[];
  /** Resolves once an event satisfies `pred` (or rejects when the stream ends first). */
  until(pred: (e: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens an SSE stream (GET, or POST with a JSON body). A non-200 answer resolves with no events. */
export function sse(base: string, path: string, json?: unknown, headers: Record<string, string> = {}): Promise<EventStream> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: json === undefined ? 'GET' : 'POST', agent: false,
      headers: { accept: 'text/event-stream', ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    }, (res) => {
      const events: any[] = [];
      const waiters: { pred: (e: any) => boolean; resolve: (e: any) => void; reject: (e: Error) => void }[] = [];
      let buf = '', done = false;
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      const check = () => {
        for (const w of [...waiters]) {
          const hit = events.find(w.pred);
          if (hit !== undefined) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(hit);
          } else if (done) {
            waiters.splice(waiters.indexOf(w), 1);
            w.reject(new Error(`the stream ended without the event; got ${JSON.stringify(events).slice(0, 500)}`));
          }
        }
      };
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          if (data) events.push(JSON.parse(data));
        }
        check();
      });
      const finish = () => {
        done = true;
        check();
        endResolve();
      };
      res.on('end', finish);
      res.on('close', finish);
      resolve({
        status: res.statusCode!, headers: res.headers, events, ended,
        until: (pred, timeoutMs = 20_000) => new Promise((ok, fail) => {
          const timer = setTimeout(() => fail(new Error(`no such event within ${timeoutMs} ms; got ${JSON.stringify(events).slice(-500)}`)), timeoutMs);
          waiters.push({ pred, resolve: (e) => { clearTimeout(timer); ok(e); }, reject: (e) => { clearTimeout(timer); fail(e); } });
          check();
        }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    if (json !== undefined) req.write(JSON.stringify(json));
    req.end();
  });
}
