/**
 * `rnnlab serve`'s server: Hono on Node's http server (@hono/node-server), bound to loopback
 * unless told otherwise. createServer builds it; listen() starts it (port 0: any free port) and
 * resolves to its address; close() stops the training jobs as Ctrl-C would, ends the model
 * workers and closes the socket.
 */
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { RnnlabError } from '../errors.js';
import { VERSION } from '../run/session.js';
import { RunsFolder } from './contain.js';
import type { ServerContext } from './context.js';
import { errorStatus } from './http-error.js';
import { Jobs } from './jobs.js';
import { Limiter } from './limiter.js';
import { ModelTasks } from './model-tasks.js';
import { modelRoutes } from './routes-model.js';
import { runRoutes } from './routes-runs.js';
import { trainRoutes } from './routes-train.js';
import { uploadRoutes } from './routes-uploads.js';
import { addressesOf, isLoopback, isolationHeaders, security } from './security.js';
import { staticRoutes } from './static.js';

export interface ServeOptions {
  runsDir: string;
  /** Default 127.0.0.1. Anything but loopback needs a token. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Required off loopback (`rnnlab serve` makes one up and prints it). */
  token?: string;
  /** Training jobs at once (default: half the cores, at least 1). */
  jobs?: number;
  /** Model tasks (generate, inspect, classify, compare) at once (default: half the cores, at least 1). */
  modelTasks?: number;
  /** Requests handled at once (default 32); 256 more may wait. */
  maxInFlight?: number;
  /** Largest upload in bytes (default 64 MiB). */
  maxUpload?: number;
  /** The compute backend of model tasks and jobs (default: the CLI's choice). */
  backend?: string;
}

export interface RnnlabServer {
  /** Starts listening; resolves to the URL (http://host:port). */
  listen(): Promise<string>;
  close(): Promise<void>;
  readonly url: string;
  /** What GET /api/server reports (tests read the in-flight counters). */
  stats(): Record<string, unknown>;
}

/** Requests that stream (SSE): they hold a stream slot, not a request slot, while open. */
const STREAMS = new Set(['/api/runs/events', '/api/train/jobs/events', '/api/generate']);


export function createServer(o: ServeOptions): RnnlabServer {
  const host = o.host ?? '127.0.0.1';
  if (!isLoopback(host) && !o.token) throw new RnnlabError(`a server on ${host} (beyond loopback) needs a token`);
  const folder = new RunsFolder(o.runsDir);
  const half = Math.max(1, Math.floor(availableParallelism() / 2));
  const ctx: ServerContext = {
    folder,
    jobs: new Jobs({ folder, limit: o.jobs ?? half, backend: o.backend }),
    jobLimit: o.jobs ?? half,
    tasks: new ModelTasks(o.modelTasks ?? half, o.backend),
    requests: new Limiter(o.maxInFlight ?? 32, 256),
    backend: o.backend,
    maxUpload: o.maxUpload ?? 64 << 20,
    streams: { open: 0, limit: 256 },
  };
  let addr = { hosts: new Set<string>(), origins: new Set<string>() };
  let url = '';

  const stats = () => ({
    version: VERSION, url, runs_dir: folder.real,
    requests: { in_flight: ctx.requests.inFlight, peak: ctx.requests.peak, limit: ctx.requests.limit, queued: ctx.requests.queued },
    streams: { ...ctx.streams },
    model_tasks: { in_flight: ctx.tasks.limiter.inFlight, peak: ctx.tasks.limiter.peak, limit: ctx.tasks.limiter.limit, queued: ctx.tasks.limiter.queued },
    jobs: { limit: ctx.jobLimit, running: ctx.jobs.running, queued: ctx.jobs.list().filter((j) => j.status === 'queued').length },
    max_upload: ctx.maxUpload, token_required: !!o.token,
  });

  const app = new Hono();
  app.use('*', security({ hosts: () => addr.hosts, origins: () => addr.origins, token: o.token }));
  app.use('/api/*', async (c, next) => {
    if (STREAMS.has(c.req.path)) return next();
    await ctx.requests.run(() => next());
  });
  app.get('/api/server', (c) => c.json(stats()));
  runRoutes(app, ctx);
  trainRoutes(app, ctx);
  modelRoutes(app, ctx);
  uploadRoutes(app, ctx);
  staticRoutes(app, VERSION);
  app.notFound((c) => c.json({ error: `no endpoint ${c.req.method} ${c.req.path} (GET /api lists them)` }, 404));
  app.onError((e, c) => {
    const { status, message } = errorStatus(e);
    if (status >= 500) process.stderr.write(`rnnlab serve: ${c.req.method} ${c.req.path}: ${(e as Error)?.stack ?? e}\n`);
    const r = c.json({ error: message }, status as 400);
    isolationHeaders(r.headers);
    return r;
  });

  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
  // a client that sends its request slowly holds a request slot: not for longer than this
  server.requestTimeout = 120_000;
  // a malformed request line or header never reaches Hono: answer it plainly, stay up
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":"malformed HTTP request"}');
  });

  return {
    get url() {
      return url;
    },
    stats,
    listen: () => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, host, () => {
        server.off('error', reject);
        const port = (server.address() as AddressInfo).port;
        addr = addressesOf(host, port);
        url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
        resolve(url);
      });
    }),
    close: async () => {
      await ctx.jobs.close();
      await ctx.tasks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
