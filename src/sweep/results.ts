/**
 * A sweep's results on disk: results.json (one entry per run, in the sweep's order; other code —
 * plots, reports — reads it, so its schema is fixed), and results.csv / results.md sorted by
 * validation perplexity for people and spreadsheets. Every file is written atomically, so a
 * reader never sees half a table.
 */
import { renderSweepPlots } from '../report/sweep-plots.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { csvText } from '../util/csv.js';
import { markdownCell, markdownTable } from '../util/markdown.js';

export type RunStatus = 'done' | 'failed' | 'running' | 'pending' | 'interrupted';

/** One run in results.json. */
export interface SweepResult {
  /** Its folder under the sweep directory. */
  run: string;
  /** The settings varied between runs (flag names without the dashes). */
  params: Record<string, string | number>;
  status: RunStatus;
  /** The best validation perplexity (that of model.safetensors) and its bits per token. */
  val_perplexity?: number;
  val_bits?: number;
  /** When the run scored a test file. */
  test_perplexity?: number;
  parameters?: number;
  tokens_per_sec?: number;
  /** Wall-clock seconds of the run's train processes, every session included. */
  wall_seconds?: number;
  epochs?: number;
  steps?: number;
  /** A failed run: the last line its process wrote on stderr. */
  error?: string;
}

export const RESULT_FILES = ['results.json', 'results.csv', 'results.md'] as const;

/** Best validation perplexity first; runs without one (failed, unfinished) after, in the sweep's order. */
export function sortByPerplexity(results: readonly SweepResult[]): SweepResult[] {
  const key = (r: SweepResult) => r.val_perplexity ?? Infinity;
  return results.map((r, i) => ({ r, i })).sort((a, b) => key(a.r) - key(b.r) || a.i - b.i).map(({ r }) => r);
}

/** The position (1 = best) of `run` among the finished runs with a validation perplexity; 0 when it has none. */
export function rankOf(results: readonly SweepResult[], run: string): number {
  const ranked = sortByPerplexity(results).filter((r) => r.status === 'done' && r.val_perplexity !== undefined);
  return ranked.findIndex((r) => r.run === run) + 1;
}

/**
 * The sweep's results written out, tables then plots (sweep-perplexity.svg: a heat map or bars
 * of the best validation perplexities; sweep-curves.svg: every run's curves). Called after every
 * run finishes and once when the sweep ends, so the pictures follow the sweep as it goes.
 */
export async function afterResults(dir: string, results: readonly SweepResult[]): Promise<string[]> {
  const files = writeResults(dir, results);
  const plots = await renderSweepPlots(dir);
  for (const f of [plots.summary, plots.curves]) if (f) files.push(f);
  return files;
}

/** results.json, results.csv and results.md in `dir`; returns their paths. */
export function writeResults(dir: string, results: readonly SweepResult[]): string[] {
  const files = RESULT_FILES.map((f) => join(dir, f));
  writeFileAtomic(files[0], JSON.stringify(results, null, 2) + '\n');
  writeFileAtomic(files[1], resultsCsv(sortByPerplexity(results), paramKeys(results)));
  writeFileAtomic(files[2], resultsTable(results));
  return files;
}

/** results.md: the Markdown table, best first. */
export function resultsTable(results: readonly SweepResult[]): string {
  return resultsMarkdown(sortByPerplexity(results), paramKeys(results));
}

/** Every varied setting, in the order the runs have them. */
function paramKeys(results: readonly SweepResult[]): string[] {
  return [...new Set(results.flatMap((r) => Object.keys(r.params)))];
}

const MEASURES = ['val_perplexity', 'val_bits', 'test_perplexity', 'parameters', 'tokens_per_sec', 'wall_seconds', 'epochs', 'steps'] as const;

function resultsCsv(sorted: readonly SweepResult[], paramKeys: readonly string[]): string {
  const rows = sorted.map((r) => [
    r.run, ...paramKeys.map((k) => (r.params[k] === undefined ? '' : String(r.params[k]))), r.status,
    ...MEASURES.map((m) => (r[m] === undefined ? '' : String(r[m]))), r.error ?? '',
  ]);
  return csvText([['run', ...paramKeys, 'status', ...MEASURES, 'error'], ...rows]);
}

/** The table people read: the varied settings, then the measures; test perplexity only when some run has one. */
function resultsMarkdown(sorted: readonly SweepResult[], paramKeys: readonly string[]): string {
  const hasTest = sorted.some((r) => r.test_perplexity !== undefined);
  const head = ['#', ...paramKeys, 'val perplexity', 'val bits', ...(hasTest ? ['test perplexity'] : []), 'parameters', 'tokens/s', 'wall s', 'status'];
  const num = (x: number | undefined, digits: number) => (x === undefined ? '' : digits < 0 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits));
  let rank = 0;
  const rows = sorted.map((r) => [
    r.status === 'done' && r.val_perplexity !== undefined ? String(++rank) : '',
    ...paramKeys.map((k) => markdownCell(r.params[k] === undefined ? '' : String(r.params[k]))),
    num(r.val_perplexity, 3), num(r.val_bits, 4), ...(hasTest ? [num(r.test_perplexity, 3)] : []),
    num(r.parameters, -1), num(r.tokens_per_sec, -1), num(r.wall_seconds, 1),
    markdownCell(r.status + (r.error ? `: ${r.error}` : '')),
  ]);
  const right = head.map((h, i) => i === 0 || (i > paramKeys.length && h !== 'status'));
  return markdownTable(head, rows, right);
}
