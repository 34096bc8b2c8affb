/** The Train page: the settings form's table, starting, stopping and resuming runs, job state. */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { flagOf } from '../run/config.js';
import { describeValue, type OptionTable } from '../run/options.js';
import { readJson } from './body.js';
import { openStream, query, type ServerContext } from './context.js';
import { HttpError } from './http-error.js';
import { RESUME_KEYS, tableOf, type Job, type JobKind } from './jobs.js';

/** A setting as the form needs it: the table's spec, its flag, its default and the rule in words. */
function describeTable(table: OptionTable, command: string) {
  return {
    command,
    options: table.options.filter((o) => o.key !== 'out').map((o) => ({
      key: o.key, flag: flagOf(o.key), arg: o.arg ?? null, help: o.help, group: o.group, resume: o.resume,
      value: o.value, rule: describeValue(o.value), default: table.defaults[o.key] ?? null,
      /** A path in the runs folder (GET /api/corpora, POST /api/uploads). */
      file: o.arg === '<file>',
    })),
  };
}

function kindOf(v: unknown): JobKind {
  if (v === undefined || v === 'lm') return 'lm';
  if (v === 'classifier') return 'classifier';
  throw new HttpError(400, `kind must be "lm" or "classifier", got ${JSON.stringify(v)}`);
}

function settingsOf(v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'settings must be a JSON object of run settings (GET /api/train/options)');
  return v as Record<string, unknown>;
}

export function trainRoutes(app: Hono, ctx: ServerContext): void {
  app.get('/api/train/options', (c) => c.json({
    lm: describeTable(tableOf('lm'), 'rnnlab train'),
    classifier: describeTable(tableOf('classifier'), 'rnnlab classify train'),
    resume: RESUME_KEYS,
    /** Runs that train at once; more wait in order. */
    concurrency: ctx.jobLimit,
  }));

  app.post('/api/train', async (c) => {
    const b = await readJson(c.req.raw);
    const job = ctx.jobs.start(kindOf(b.kind), b.name, settingsOf(b.settings));
    return c.json(job, 202);
  });

  app.post('/api/train/resume', async (c) => {
    const b = await readJson(c.req.raw);
    const { id, ...budget } = b;
    return c.json(ctx.jobs.resume(id, budget), 202);
  });

  app.post('/api/train/stop', async (c) => {
    const b = await readJson(c.req.raw);
    if (typeof b.job !== 'string') throw new HttpError(400, 'job is missing: the id POST /api/train returned');
    return c.json(ctx.jobs.stop(b.job));
  });

  app.get('/api/train/jobs', (c) => c.json({ jobs: ctx.jobs.list() }));
  app.get('/api/train/job', (c) => c.json(ctx.jobs.get(query(c, 'id'))));

  /** Every job now, then each change of one: `data: <job>` per event. */
  app.get('/api/train/jobs/events', (c) => {
    const release = openStream(ctx);
    return streamSSE(c, async (stream) => {
      const queue: Job[] = [...ctx.jobs.list()];
      let wake: (() => void) | null = null, closed = false;
      const unwatch = ctx.jobs.watch((j) => {
        queue.push({ ...j });
        wake?.();
      });
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        while (!closed) {
          while (queue.length && !closed) await stream.writeSSE({ data: JSON.stringify(queue.shift()) });
          // a comment now and then keeps proxies from closing an idle stream (the timer is
          // cleared on every wake, so a closed stream leaves nothing pending)
          let timer: NodeJS.Timeout | undefined;
          const woken = await new Promise<boolean>((r) => {
            wake = () => r(true);
            timer = setTimeout(() => r(false), 15_000);
          });
          clearTimeout(timer);
          wake = null;
          if (!woken && !closed) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unwatch();
        release();
      }
    });
  });
}
