/** What the routes share: the runs folder, the job queue, the model workers, the limits. */
import type { Context } from 'hono';
import type { RunsFolder } from './contain.js';
import { HttpError } from './http-error.js';
import type { Jobs } from './jobs.js';
import type { Limiter } from './limiter.js';
import type { ModelTasks } from './model-tasks.js';

export interface ServerContext {
  folder: RunsFolder;
  jobs: Jobs;
  tasks: ModelTasks;
  /** Requests handled at once (streams not counted: they hold a slot of their own, below). */
  requests: Limiter;
  backend?: string;
  /** Training jobs that run at once. */
  jobLimit: number;
  maxUpload: number;
  streams: { open: number; limit: number };
}

/** A required query parameter. */
export function query(c: Context, name: string): string {
  const v = c.req.query(name);
  if (v === undefined || v === '') throw new HttpError(400, `?${name}= is missing`);
  return v;
}

/** Takes one of the server's stream slots, or refuses with 503. */
export function openStream(ctx: ServerContext): () => void {
  if (ctx.streams.open >= ctx.streams.limit) throw new HttpError(503, `too many open event streams (${ctx.streams.limit}): close some and try again`);
  ctx.streams.open++;
  let done = false;
  return () => {
    if (!done) ctx.streams.open--;
    done = true;
  };
}
