/** The Runs page: runs and sweeps, one run's events, live events over SSE, files of the runs folder. */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { createReadStream, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { openStream, query, type ServerContext } from './context.js';
import { HttpError } from './http-error.js';
import { listCorpora, lockHolder, readRunCached, scanRuns, summarize, sweepDetail } from './runs-index.js';

const POLL_MS = 250;
const TYPES: Record<string, string> = {
  '.json': 'application/json', '.jsonl': 'application/x-ndjson', '.csv': 'text/csv; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.html': 'text/plain; charset=utf-8',
};

function runDir(ctx: ServerContext, id: string): string {
  const dir = ctx.folder.existing(id, 'id');
  if (!existsSync(join(dir, 'metrics.jsonl'))) throw new HttpError(404, `${JSON.stringify(id)} is not a run (no metrics.jsonl): GET /api/runs lists the runs`);
  return dir;
}

export function runRoutes(app: Hono, ctx: ServerContext): void {
  app.get('/api/runs', (c) => c.json(scanRuns(ctx.folder)));

  app.get('/api/runs/get', (c) => {
    const dir = runDir(ctx, query(c, 'id'));
    const r = readRunCached(dir, ctx.folder.idOf(dir));
    return c.json({ ...summarize(ctx.folder, dir), run_config: r.config, events: r.events });
  });

  app.get('/api/sweeps/get', (c) => {
    const id = query(c, 'id');
    const dir = ctx.folder.existing(id, 'id');
    if (!existsSync(join(dir, 'results.json'))) throw new HttpError(404, `${JSON.stringify(id)} is not a sweep (no results.json)`);
    return c.json(sweepDetail(ctx.folder, dir));
  });

  app.get('/api/corpora', (c) => c.json({ corpora: listCorpora(ctx.folder) }));

  app.get('/api/models', (c) => {
    const { runs } = scanRuns(ctx.folder);
    return c.json({ models: runs.filter((r) => r.files.model).map((r) => ({ id: r.id, kind: r.kind, level: r.config?.level ?? null, status: r.status, best: r.best })) });
  });

  /** A file of the runs folder (plots, tables, metrics): read-only, never outside the folder. */
  app.get('/api/files', (c) => {
    const p = ctx.folder.existing(query(c, 'path'), 'path');
    const st = statSync(p);
    if (!st.isFile()) throw new HttpError(400, `${JSON.stringify(c.req.query('path'))} is a folder, not a file`);
    const body = Readable.toWeb(createReadStream(p)) as ReadableStream;
    // files of the runs folder are data, never pages: an SVG or HTML among them runs no script here
    return new Response(body, {
      headers: {
        'Content-Type': TYPES[extname(p).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': String(st.size),
        'Content-Security-Policy': "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
      },
    });
  });

  /**
   * metrics.jsonl as it grows: every line so far, then each new one, one SSE `data:` per event,
   * the events as the file has them. A resume rewrites the file shorter (the steps after its
   * checkpoint are redone): the stream then sends `{"type":"reset"}` and the file from its start.
   * It ends with `{"type":"closed","status":…}` once the run is no longer training.
   */
  app.get('/api/runs/events', (c) => {
    const id = query(c, 'id');
    // a queued job's run has no folder yet: its stream waits for the first line
    const job = ctx.jobs.activeFor(id);
    const dir = job ? ctx.folder.target(id, 'id') : runDir(ctx, id);
    const release = openStream(ctx);
    return streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      const file = join(dir, 'metrics.jsonl');
      let offset = 0, partial = '', idle = 0;
      try {
        while (!closed) {
          const size = existsSync(file) ? statSync(file).size : 0;
          if (size < offset) {
            offset = 0;
            partial = '';
            await stream.writeSSE({ data: JSON.stringify({ type: 'reset' }) });
          }
          if (size > offset) {
            const buf = Buffer.alloc(Math.min(size - offset, 4 << 20));
            const fd = openSync(file, 'r');
            try {
              readSync(fd, buf, 0, buf.length, offset);
            } finally {
              closeSync(fd);
            }
            offset += buf.length;
            const lines = (partial + buf.toString('utf8')).split('\n');
            partial = lines.pop()!;
            for (const line of lines) {
              if (!line.trim()) continue;
              try {
                JSON.parse(line);
              } catch {
                continue; // a foreign or torn line: the readers skip it too
              }
              await stream.writeSSE({ data: line });
            }
            idle = 0;
            continue;
          }
          const training = lockHolder(dir) !== null || ctx.jobs.activeFor(id) !== undefined;
          // the lock goes a moment after the last line: a few quiet polls before the end
          if (!training && ++idle > 2) break;
          await stream.sleep(POLL_MS);
        }
        if (!closed) await stream.writeSSE({ data: JSON.stringify({ type: 'closed', status: existsSync(file) ? summarize(ctx.folder, dir).status : 'incomplete' }) });
      } finally {
        release();
      }
    });
  });
}
