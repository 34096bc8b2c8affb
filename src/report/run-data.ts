/**
 * What plots and reports read from disk (Node): a run directory's metrics.jsonl and
 * config.json, and a sweep directory's results.json with its run sub-folders. The specs take
 * the parsed objects, so the dashboard can feed them the same events from its own stream.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { RnnlabError } from '../errors.js';
import type { RunEvent } from '../train/events.js';
import type { CurveRun } from './curves.js';
import { parseSweepResults, type SweepResult } from './sweep-spec.js';

export interface RunRecord extends CurveRun {
  dir: string;
  /** config.json, or null when the run has none (yet). */
  config: Record<string, unknown> | null;
}

export interface SweepRecord {
  dir: string;
  name: string;
  results: SweepResult[];
  /** The sub-folders that have a metrics.jsonl, in results.json order. */
  runs: RunRecord[];
}

function requireDir(dir: string): void {
  if (!existsSync(dir)) throw new RnnlabError(`cannot read ${dir}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new RnnlabError(`${dir} is a file, not a run directory`);
}

/** Every event line; a torn or foreign line (a run writing as we read) is skipped. */
export function parseMetrics(text: string): RunEvent[] {
  const out: RunEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as RunEvent;
      if (e && typeof e === 'object' && typeof e.type === 'string' && typeof e.step === 'number') out.push(e);
    } catch {
      // the last line of a run still writing
    }
  }
  return out;
}

export function isSweepDir(dir: string): boolean {
  return existsSync(join(dir, 'results.json'));
}

export function readRun(dir: string, name = basename(resolve(dir))): RunRecord {
  requireDir(dir);
  const metrics = join(dir, 'metrics.jsonl');
  if (!existsSync(metrics)) throw new RnnlabError(`${dir} has no metrics.jsonl: not a run directory (train with --out ${dir} first)`);
  const events = parseMetrics(readFileSync(metrics, 'utf8'));
  let config: Record<string, unknown> | null = null;
  try {
    config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // config.json is written when training starts; a copied metrics.jsonl still plots
  }
  const settings = (config?.config ?? {}) as Record<string, unknown>;
  const classifier = config?.command === 'classify' || config?.arch === 'classifier'
    || events.some((e) => e.type === 'val' && typeof e.accuracy === 'number');
  return { dir, name, config, events, classifier, level: typeof settings.level === 'string' ? settings.level : undefined };
}

export function readSweep(dir: string): SweepRecord {
  requireDir(dir);
  const file = join(dir, 'results.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RnnlabError(`cannot read ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  const results = parseSweepResults(raw, file);
  const runs = results
    .filter((r) => existsSync(join(dir, r.run, 'metrics.jsonl')))
    .map((r) => readRun(join(dir, r.run), r.run));
  return { dir, name: basename(resolve(dir)), results, runs };
}

/**
 * Series names for run directories: the folder name, with as many parent folders as it takes
 * to tell apart two runs of the same name (`a/lstm` and `b/lstm`).
 */
export function runNames(dirs: readonly string[]): string[] {
  const parts = dirs.map((d) => resolve(d).split(sep).filter(Boolean));
  const names = parts.map((p) => p.slice(-1).join('/'));
  for (let depth = 2; ; depth++) {
    const clash = names.map((n) => names.filter((m) => m === n).length > 1);
    if (!clash.some(Boolean)) return names;
    let grew = false;
    clash.forEach((c, i) => {
      if (c && parts[i].length >= depth) {
        names[i] = parts[i].slice(-depth).join('/');
        grew = true;
      }
    });
    if (!grew) return names; // the same directory given twice
  }
}
