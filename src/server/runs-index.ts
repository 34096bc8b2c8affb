/**
 * What the runs folder holds: every run directory (a metrics.jsonl) and sweep (a results.json)
 * down to a few levels, each summed up for the Runs page: kind, status, settings and best
 * metrics. Run data is read with the report module's readers (the same parsing `rnnlab plot`
 * and `rnnlab report` use), never re-parsed here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRun, readSweep, type RunRecord } from '../report/run-data.js';
import { sweepCells, variedParams } from '../report/sweep-spec.js';
import { alive, LOCK_FILE } from '../run/lock.js';
import type { EndEvent, RunEvent, ValEvent } from '../train/events.js';
import type { RunsFolder } from './contain.js';

/** How deep below the runs folder runs are looked for (runs/sweep/run is depth 2). */
const MAX_DEPTH = 4;
const MAX_ENTRIES = 5000;

export type RunStatus = 'running' | 'done' | 'stopped' | 'failed' | 'incomplete';

export interface RunSummary {
  id: string;
  name: string;
  kind: 'lm' | 'classifier';
  status: RunStatus;
  /** The sweep this run belongs to, when it is one of a sweep's runs. */
  sweep: string | null;
  /** The run's settings (config.json's "config"). */
  config: Record<string, unknown> | null;
  step: number;
  epoch: number;
  best: { step: number; loss: number; perplexity: number; bits_per_token: number; accuracy?: number } | null;
  end: { stopped_by: string; elapsed: number } | null;
  files: { model: boolean; last: boolean };
  updated: string;
}

export interface SweepSummary {
  id: string;
  name: string;
  runs: number;
  varied: string[];
}

/** The pid in a run's lock file, when the process holding it still runs. */
export function lockHolder(dir: string): number | null {
  try {
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid?: number };
    return typeof owner.pid === 'number' && alive(owner.pid) ? owner.pid : null;
  } catch {
    return null;
  }
}

/**
 * Parsed runs by folder, kept while metrics.jsonl and config.json keep their size and time: the
 * Runs page polls the list, and re-reading every run's metrics each time would cost the event
 * loop more with every run in the folder.
 */
const parsed = new Map<string, { key: string; run: RunRecord }>();
const CACHE_LIMIT = 2000;

/** A run's metrics.jsonl and config.json, parsed once per change of either file. */
export function readRunCached(dir: string, name: string): RunRecord {
  const stamp = (f: string) => {
    const st = statSync(join(dir, f), { throwIfNoEntry: false });
    return st ? `${st.size}:${st.mtimeMs}` : '-';
  };
  const key = `${name}|${stamp('metrics.jsonl')}|${stamp('config.json')}`;
  const hit = parsed.get(dir);
  if (hit && hit.key === key) return hit.run;
  const run = readRun(dir, name);
  if (parsed.size >= CACHE_LIMIT) parsed.delete(parsed.keys().next().value!);
  parsed.set(dir, { key, run });
  return run;
}

export function summarize(folder: RunsFolder, dir: string, sweep: string | null = null): RunSummary {
  const r: RunRecord = readRunCached(dir, folder.idOf(dir));
  const events = r.events as RunEvent[];
  const vals = events.filter((e): e is ValEvent => e.type === 'val' && !e.untrained);
  const best = [...vals].reverse().find((v) => v.best) ?? null;
  const ends = events.filter((e): e is EndEvent => e.type === 'end');
  const end = ends.at(-1) ?? null;
  const last = events.at(-1);
  const running = lockHolder(dir) !== null;
  const status: RunStatus = running ? 'running'
    : !end || (last && last.type !== 'end' && last.type !== 'test' && last.type !== 'val') ? 'incomplete'
      : end.stopped_by === 'interrupt' ? 'stopped'
        : end.stopped_by === 'nonfinite' || end.stopped_by === 'diverged' ? 'failed' : 'done';
  const cfg = r.config?.config;
  return {
    id: folder.idOf(dir),
    name: r.name,
    kind: r.classifier ? 'classifier' : 'lm',
    status,
    sweep,
    config: cfg && typeof cfg === 'object' ? (cfg as Record<string, unknown>) : null,
    step: last?.step ?? 0,
    epoch: (last as { epoch?: number } | undefined)?.epoch ?? 0,
    best: best && {
      step: best.step, loss: best.loss, perplexity: best.perplexity, bits_per_token: best.bits_per_token,
      ...(best.accuracy !== undefined ? { accuracy: best.accuracy } : {}),
    },
    end: end && { stopped_by: end.stopped_by, elapsed: end.elapsed },
    files: { model: existsSync(join(dir, 'model.safetensors')), last: existsSync(join(dir, 'last.safetensors')) },
    updated: statSync(join(dir, 'metrics.jsonl')).mtime.toISOString(),
  };
}

/** Every run and sweep under the folder (symlinked folders are not followed: they may lead out). */
export function scanRuns(folder: RunsFolder): { runs: RunSummary[]; sweeps: SweepSummary[] } {
  const runs: RunSummary[] = [], sweeps: SweepSummary[] = [];
  let seen = 0;
  const walk = (dir: string, depth: number, sweep: string | null) => {
    if (++seen > MAX_ENTRIES) return;
    let here = sweep;
    if (existsSync(join(dir, 'results.json'))) {
      try {
        const s = readSweep(dir);
        here = folder.idOf(dir);
        sweeps.push({ id: here, name: s.name, runs: s.results.length, varied: variedParams(s.results) });
      } catch {
        // a results.json that is not a sweep's: the folder is walked as any other
      }
    }
    if (dir !== folder.real && existsSync(join(dir, 'metrics.jsonl'))) {
      try {
        runs.push(summarize(folder, dir, sweep));
      } catch {
        // unreadable (permissions): left out of the list
      }
    }
    if (depth >= MAX_DEPTH) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(join(dir, e.name), depth + 1, here);
    }
  };
  walk(folder.real, 0, null);
  runs.sort((a, b) => a.id.localeCompare(b.id));
  sweeps.sort((a, b) => a.id.localeCompare(b.id));
  return { runs, sweeps };
}

/** A sweep's results, its heat-map cells (when two or more settings vary) and its runs' summaries. */
export function sweepDetail(folder: RunsFolder, dir: string): Record<string, unknown> {
  const s = readSweep(dir);
  const varied = variedParams(s.results);
  const id = folder.idOf(dir);
  return {
    id, name: s.name, results: s.results, varied,
    heatmap: varied.length >= 2 ? { x: varied[0], y: varied[1], facets: varied.slice(2), cells: sweepCells(s.results) } : null,
    figures: SWEEP_FIGURES.flatMap((f) => {
      const p = join(dir, f.file);
      return existsSync(p) ? [{ path: folder.idOf(p), title: f.title, updated: Math.round(statSync(p).mtimeMs) }] : [];
    }),
    runs: s.runs.map((r) => summarize(folder, r.dir, id)),
  };
}

/** The pictures the sweep runner keeps in a sweep's folder (src/report/sweep-plots.ts): rnnlab plot's Vega-Lite figures. */
const SWEEP_FIGURES = [
  { file: 'sweep-perplexity.svg', title: 'validation perplexity of each run (a heat-map over two varied settings, bars over one)' },
  { file: 'sweep-curves.svg', title: 'training and validation curves of every run' },
];

/** Files in the runs folder a run can train on (text, JSON, JSON Lines, CSV, optionally gzipped). */
export function listCorpora(folder: RunsFolder): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // a run's own files are not corpora
    if (entries.some((e) => e.name === 'metrics.jsonl')) return;
    for (const e of entries) {
      if (out.length >= MAX_ENTRIES || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory() && depth < MAX_DEPTH) walk(p, depth + 1);
      else if (e.isFile() && /\.(txt|text|json|jsonl|csv|tsv)(\.gz)?$/i.test(e.name) && e.name !== 'results.json') {
        out.push({ path: folder.idOf(p), bytes: statSync(p).size });
      }
    }
  };
  walk(folder.real, 0);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
