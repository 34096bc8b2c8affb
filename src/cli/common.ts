/** Options several commands share: backend selection and data-source reading. */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Precision } from '../backend/backend.js';
import { createBackend, type BackendChoice } from '../backend/select.js';
import { recordedPrecision } from '../train/checkpoint.js';
import type { SourceOptions } from '../text/sources/index.js';
import { int, oneOf } from './parse.js';
import { addRunOptions } from './run-options.js';

export function backendOptions(c: Command): Command {
  return c
    .option('--backend <name>', 'compute backend: auto, native, wasm or js (env RNNLAB_BACKEND)', oneOf('auto', 'native', 'wasm', 'js'))
    .option('--threads <n>', 'threads for the native backend (default: every core) and the wasm backend (default: 1); more than the cores are capped at the cores, with a note', int(1, 256))
    .option('--debug', 'print stack traces on errors');
}

/** `--precision` for the commands that use a trained model (eval, sample, classify eval, …). */
export function precisionOption(c: Command): Command {
  return c.option('--precision <p>', 'fp32, or bf16 mixed precision (matrix products with bfloat16 operands, float32 sums); default: the precision the model was trained in (fp32 for models from before --precision)', oneOf('fp32', 'bf16'));
}

/** A model command's backend: in --precision, else in the precision the --model checkpoint records. */
export function pickModelBackend(o: { backend?: string; threads?: number; precision?: Precision; model?: string }): Promise<BackendChoice> {
  return pickBackend({ ...o, precision: o.precision ?? (o.model ? recordedPrecision(o.model) : undefined) });
}

/** A training command's backend: in --precision, else (a resume) the precision the run's last.safetensors records. */
export function pickRunBackend(o: { backend?: string; threads?: number; precision?: Precision; resume?: boolean; out?: string }): Promise<BackendChoice> {
  const last = o.resume && o.out ? join(o.out, 'last.safetensors') : null;
  return pickBackend({ ...o, precision: o.precision ?? (last && existsSync(last) ? recordedPrecision(last) : undefined) });
}

let noticed = false, threadsNoticed = false;
export async function pickBackend(o: { backend?: string; threads?: number; precision?: Precision }): Promise<BackendChoice> {
  const threads = o.threads === undefined ? undefined : threadsFor(o.threads);
  const choice = await createBackend({ name: o.backend as never, threads, precision: o.precision });
  if (choice.fallback && !noticed && !process.env.RNNLAB_QUIET_FALLBACK) {
    noticed = true;
    process.stderr.write(`note: using the ${choice.backend.name} backend (${choice.fallback})\n`);
  }
  const be = choice.backend;
  if (threads !== undefined && threads > 1 && be.threads < threads) {
    const note = (be as { threadNote?: string | null }).threadNote;
    noteThreads(be.name === 'js'
      ? `--threads ${o.threads} has no effect: the js backend runs on one thread (only the native and wasm backends use threads)`
      : `--threads ${o.threads}: the ${be.name} backend uses ${be.threads} thread${be.threads === 1 ? '' : 's'}${note ? ` (${note})` : ''}`);
  }
  return choice;
}

/**
 * --threads beyond the cores: capped at the cores, because the kernels are compute-bound and
 * more threads than cores only take turns on them (slower, not faster). Said once.
 */
function threadsFor(asked: number): number {
  const cores = availableParallelism();
  if (asked <= cores) return asked;
  noteThreads(`--threads ${asked} on ${cores} core${cores === 1 ? '' : 's'}: capped at ${cores} (more threads than cores only slow the kernels down)`);
  return cores;
}

function noteThreads(s: string): void {
  if (threadsNoticed) return;
  threadsNoticed = true;
  process.stderr.write(`note: ${s}\n`);
}

/** The data-reading flags `train` has, for commands that read data too (eval). */
export function sourceOptions(c: Command): Command {
  return addRunOptions(c, ['format', 'encoding', 'textField', 'textColumn', 'header', 'maxDocs']);
}

export function readSourceOptions(o: Record<string, unknown>): SourceOptions {
  return {
    format: o.format as SourceOptions['format'],
    encoding: o.encoding as SourceOptions['encoding'],
    textField: o.textField as string | undefined,
    textColumn: o.textColumn as string | number | undefined,
    header: o.header as boolean | undefined,
  };
}
