/** Options several commands share: backend selection and data-source reading. */
import type { Command } from 'commander';
import { createBackend, type BackendChoice } from '../backend/select.js';
import type { SourceOptions } from '../text/sources/index.js';
import { int, oneOf } from './parse.js';
import { addRunOptions } from './run-options.js';

export function backendOptions(c: Command): Command {
  return c
    .option('--backend <name>', 'compute backend: auto, native, wasm or js (env RNNLAB_BACKEND)', oneOf('auto', 'native', 'wasm', 'js'))
    .option('--threads <n>', 'threads for the native backend (default: every core)', int(1, 256))
    .option('--debug', 'print stack traces on errors');
}

let noticed = false;
export async function pickBackend(o: { backend?: string; threads?: number }): Promise<BackendChoice> {
  const choice = await createBackend({ name: o.backend as never, threads: o.threads });
  if (choice.fallback && !noticed && !process.env.RNNLAB_QUIET_FALLBACK) {
    noticed = true;
    process.stderr.write(`note: using the ${choice.backend.name} backend (${choice.fallback})\n`);
  }
  return choice;
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
