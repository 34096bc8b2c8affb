/**
 * The Generate, Inspect, Classify and Compare pages. Generation, scoring and prediction run in
 * worker threads (model-tasks.ts); classify eval and compare-strategies are the CLI commands
 * themselves in child processes (cli-task.ts). Models are run ids or .safetensors files of the
 * runs folder.
 */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readRun } from '../report/run-data.js';
import { sampleSettingsFromJson, SAMPLE_SETTINGS } from '../generate/sample-settings.js';
import { describeValue } from '../run/options.js';
import type { Strategy } from '../generate/decode.js';
import { checkStrategyOptions, flagName } from '../generate/strategy-check.js';
import { readJson } from './body.js';
import { runCli } from './cli-task.js';
import { openStream, type ServerContext } from './context.js';
import { errorStatus, HttpError } from './http-error.js';

/** Longest text Inspect and Classify take (characters). */
export const MAX_TEXT = 200_000;
/** Alternatives per token Inspect shows at most. */
const MAX_TOP = 50;

function modelPath(ctx: ServerContext, v: unknown): string {
  return ctx.folder.existing(v, 'model');
}

function textOf(v: unknown): string {
  if (typeof v !== 'string' || v === '') throw new HttpError(400, 'text is missing: the text to score or classify');
  if (v.length > MAX_TEXT) throw new HttpError(413, `text is ${v.length} characters: at most ${MAX_TEXT} are taken`);
  return v;
}

function intIn(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw new HttpError(400, `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v as number;
}

export function modelRoutes(app: Hono, ctx: ServerContext): void {
  /** The sample command's settings, for the Generate form. */
  app.get('/api/generate/options', (c) => c.json({
    command: 'rnnlab sample',
    options: SAMPLE_SETTINGS.map((s) => ({ ...s, default: s.default ?? null, rule: describeValue(s.value) })),
  }));

  /**
   * Generation as it happens (SSE): `{"type":"prime","text"}`, then `{"type":"token","row","id",
   * "token","text"}` per generated token (greedy and sample; `text` is what became final), then
   * `{"type":"done", …the result of rnnlab sample --json}` (a beam search's n-best list with
   * scores) or `{"type":"error","status","error"}`. Settings are checked before the stream
   * opens, so a bad one is a plain 400.
   */
  app.post('/api/generate', async (c) => {
    const b = await readJson(c.req.raw);
    const model = modelPath(ctx, b.model);
    const settings = sampleSettingsFromJson(b, ['model']);
    // the checks that need no model, before the stream opens: a plain 400 (the worker repeats them)
    checkStrategyOptions(settings.strategy as Strategy, settings, (k) => `${k} (${flagName(k)})`);
    if (settings.minLength !== undefined && (settings.minLength as number) > (settings.length as number)) {
      throw new HttpError(400, `minLength (--min-length) ${settings.minLength} is more than length (--length) ${settings.length}, the most tokens an output holds`);
    }
    const release = openStream(ctx);
    return streamSSE(c, async (stream) => {
      const abort = new AbortController();
      stream.onAbort(() => abort.abort());
      try {
        const result = await ctx.tasks.run({ op: 'generate', model, settings }, (m) => {
          // a batch of token events is written at once: the same events on the wire, one write
          if (m.type === 'tokens') void stream.write((m.events as object[]).map((e) => `data: ${JSON.stringify(e)}\n\n`).join(''));
          else void stream.writeSSE({ data: JSON.stringify(m) });
        }, abort.signal);
        await stream.writeSSE({ data: JSON.stringify({ type: 'done', ...(result as object) }) });
      } catch (e) {
        if (!abort.signal.aborted) {
          const { status, message } = errorStatus(e);
          if (status >= 500) process.stderr.write(`rnnlab serve: ${(e as Error)?.stack ?? e}\n`);
          await stream.writeSSE({ data: JSON.stringify({ type: 'error', status, error: message }) });
        }
      } finally {
        release();
      }
    });
  });

  /** Each token's surprise, the top alternatives, and the text's perplexity and bits per token. */
  app.post('/api/inspect', async (c) => {
    const b = await readJson(c.req.raw);
    const model = modelPath(ctx, b.model);
    const text = textOf(b.text);
    const top = intIn(b.top, 'top', 1, MAX_TOP, 5);
    return c.json(await ctx.tasks.run({ op: 'inspect', model, text, top }, undefined, c.req.raw.signal) as object);
  });

  app.post('/api/classify/predict', async (c) => {
    const b = await readJson(c.req.raw);
    const model = modelPath(ctx, b.model);
    return c.json(await ctx.tasks.run({ op: 'predict', model, text: textOf(b.text) }, undefined, c.req.raw.signal) as object);
  });

  /**
   * `rnnlab classify eval --json` on labelled data of the runs folder (default: the run's
   * validation file, else its training data): accuracy, per-class metrics, the confusion matrix.
   */
  app.post('/api/classify/eval', async (c) => {
    const b = await readJson(c.req.raw);
    const model = modelPath(ctx, b.model);
    let data: string;
    if (b.data !== undefined) data = ctx.folder.existing(b.data, 'data');
    else {
      const cfg = readRun(statSync(model).isDirectory() ? model : dirname(model)).config?.config as Record<string, unknown> | undefined;
      const fromRun = cfg?.valData ?? cfg?.data;
      if (typeof fromRun !== 'string') throw new HttpError(400, 'data is missing and the run names no data file: give data (a labelled file in the runs folder)');
      data = fromRun;
    }
    const args = ['classify', 'eval', '--model', model, '--data', data, '--json'];
    if (b.batch !== undefined) args.push('--batch', String(intIn(b.batch, 'batch', 1, 100_000, 256)));
    const r = await ctx.tasks.limiter.run(() => runCli(args, ctx.backend, c.req.raw.signal)) as Record<string, unknown>;
    // the CLI prints the paths it was given and wrote (absolute here): as runs-folder paths, which
    // GET /api/files takes and the page may show; a data file elsewhere keeps its own path
    const inFolder = (p: unknown) => (typeof p === 'string' && ctx.folder.inside(resolve(p)) ? ctx.folder.idOf(resolve(p)) : p);
    return c.json({ ...r, model: inFolder(r.model), data: inFolder(r.data), files: Array.isArray(r.files) ? r.files.map(inFolder) : r.files });
  });

  /** `rnnlab compare-strategies --json` on a model (the tables are saved beside it, as the CLI does). */
  app.post('/api/compare', async (c) => {
    const b = await readJson(c.req.raw, 256 * 1024);
    const model = modelPath(ctx, b.model);
    const args = ['compare-strategies', '--model', model, '--json'];
    if (b.prime !== undefined) {
      if (typeof b.prime !== 'string') throw new HttpError(400, 'prime must be a text');
      args.push('--prime', b.prime);
    }
    args.push('--samples', String(intIn(b.samples, 'samples (--samples)', 1, 10_000, 10)));
    args.push('--length', String(intIn(b.length, 'length (--length)', 1, 100_000, 100)));
    args.push('--seed', String(intIn(b.seed, 'seed (--seed)', 0, 2 ** 32 - 1, 0)));
    let tmp: string | null = null;
    if (b.grid !== undefined) {
      if (!Array.isArray(b.grid)) throw new HttpError(400, 'grid must be a JSON array of strategies (the --grid file\'s contents)');
      tmp = mkdtempSync(join(tmpdir(), 'rnnlab-grid-'));
      writeFileSync(join(tmp, 'grid.json'), JSON.stringify(b.grid));
      args.push('--grid', join(tmp, 'grid.json'));
    }
    try {
      return c.json({ rows: await ctx.tasks.limiter.run(() => runCli(args, ctx.backend, c.req.raw.signal)) });
    } finally {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  });
}
