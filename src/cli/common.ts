/** Options several commands share: backend selection and data-source reading. */
import type { Command } from 'commander';
import { createBackend, type BackendChoice } from '../backend/select.js';
import type { SourceOptions } from '../text/sources/index.js';
import { int, oneOf } from './parse.js';

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

export function sourceOptions(c: Command): Command {
  return c
    .option('--format <f>', 'input format: auto, text, json, jsonl or csv (auto: by extension; .gz is read transparently)', oneOf('auto', 'text', 'json', 'jsonl', 'csv'))
    .option('--text-field <name>', 'JSON/JSONL: the field holding the text')
    .option('--text-column <col>', 'CSV: text column(s), by name or 0-based index; several joined: "title,description"')
    .option('--label-column <col>', 'CSV: label column, by name or index')
    .option('--no-header', 'CSV: the first row is data, not a header')
    .option('--max-docs <n>', 'use only the first N documents (0: all)', int(0), 0);
}

export function readSourceOptions(o: Record<string, unknown>): SourceOptions {
  const col = (v: unknown) => (v === undefined ? undefined : /^\d+$/.test(String(v)) ? Number(v) : String(v));
  return {
    format: o.format as SourceOptions['format'],
    textField: o.textField as string | undefined,
    textColumn: col(o.textColumn),
    labelColumn: col(o.labelColumn),
    header: o.header as boolean | undefined,
  };
}
