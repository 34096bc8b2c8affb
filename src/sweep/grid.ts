/**
 * A sweep's specification and the runs it expands to. A spec is the settings every run shares
 * (`base`), a grid of values to combine (`grid`: every combination, the first key varying
 * slowest) and/or a list of configurations that are not a grid (`runs`); with both, every listed
 * configuration is combined with every grid point. Settings are `rnnlab train`'s (RUN_OPTIONS),
 * named in camelCase as in the library or as flags without the dashes ("max-steps").
 *
 *   { "base": { "data": "book.txt", "epochs": 3 },
 *     "grid": { "hidden": [128, 256], "lr": [0.001, 0.003] },
 *     "runs": [{ "cell": "rnn", "activation": "relu" }, { "cell": "lstm" }] }
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { RnnlabError } from '../errors.js';
import type { RunOptions } from '../run/config.js';
import { isFileSetting, optionSpec } from '../run/options.js';
export { isFileSetting } from '../run/options.js';

export type SweepValue = string | number | boolean;

export interface SweepSpec {
  /** Settings every run shares. */
  base: RunOptions;
  /** Setting → the values to combine. */
  grid: Record<string, SweepValue[]>;
  /** Configurations beyond a grid, each on top of `base` (empty: one, the base itself). */
  runs: RunOptions[];
}

export interface SweepRun {
  /** Its folder under the sweep directory, from its varied values ("cell=lstm,hidden=256"). */
  name: string;
  /** The settings that differ between runs, by flag name without the dashes. */
  params: Record<string, string | number>;
  /** Everything the run is trained with (not yet its --out). */
  options: RunOptions;
}

/** The settings a sweep chooses itself: each run's directory. */
const SWEEP_OWNED = new Set(['out']);

/** A setting's config key from either spelling: "max-steps" or "maxSteps" → "maxSteps". */
export function settingKey(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A config key as a flag name without the dashes: "maxSteps" → "max-steps". */
export function settingName(key: string): string {
  return key.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());
}

/** Settings that name a file (their flag takes `<file>`): made absolute, so runs and resumes work from any directory. */
/** A spec from the text of a --grid file (JSON). */
export function parseSweepFile(path: string): SweepSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RnnlabError(`cannot read the grid file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RnnlabError(`the grid file ${path} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return normalizeSpec(json, `the grid file ${path}`);
}

/**
 * Checks a spec's shape (values are checked per run, by the same rules as `train`) and names
 * its settings by config key. `where` names the spec in messages.
 */
export function normalizeSpec(json: unknown, where = 'the sweep'): SweepSpec {
  if (!isObject(json)) throw new RnnlabError(`${where} must be a JSON object with "base", "grid" and/or "runs"`);
  for (const k of Object.keys(json)) {
    if (!['base', 'grid', 'runs'].includes(k)) throw new RnnlabError(`${where} has "${k}": only "base", "grid" and "runs" are known`);
  }
  const settings = (o: unknown, what: string): RunOptions => {
    if (o === undefined) return {};
    if (!isObject(o)) throw new RnnlabError(`${where}: "${what}" must be an object of training settings`);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [ownedCheck(settingKey(k), `${where}: "${what}"`), v])) as RunOptions;
  };
  const base = settings(json.base, 'base');
  const grid: Record<string, SweepValue[]> = {};
  if (json.grid !== undefined) {
    if (!isObject(json.grid)) throw new RnnlabError(`${where}: "grid" must be an object of setting → list of values`);
    for (const [k, v] of Object.entries(json.grid)) {
      if (!Array.isArray(v) || v.length === 0) throw new RnnlabError(`${where}: grid "${k}" must be a non-empty list of values`);
      grid[ownedCheck(settingKey(k), `${where}: "grid"`)] = v as SweepValue[];
    }
  }
  if (json.runs !== undefined && !Array.isArray(json.runs)) throw new RnnlabError(`${where}: "runs" must be a list of objects of training settings`);
  const runs = ((json.runs as unknown[] | undefined) ?? []).map((r, i) => settings(r, `runs[${i}]`));
  return { base, grid, runs };
}

/** The spec with every file setting an absolute path (relative ones are relative to `cwd`). */
export function absoluteFiles(spec: SweepSpec, cwd = process.cwd()): SweepSpec {
  const fix = <T extends Record<string, unknown>>(o: T): T =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, isFileSetting(k) && typeof v === 'string' ? resolve(cwd, v) : v])) as T;
  const grid = Object.fromEntries(Object.entries(spec.grid).map(([k, vs]) => [k, isFileSetting(k) ? vs.map((v) => (typeof v === 'string' ? resolve(cwd, v) : v)) : vs]));
  return { base: fix(spec.base), grid, runs: spec.runs.map(fix) };
}

/** A spec as a library caller writes it: any part may be left out. */
export type SweepSpecInput = Partial<SweepSpec>;

/** Every run of a spec, in order: for each listed configuration, every grid point. */
export function expandGrid(input: SweepSpecInput): SweepRun[] {
  const spec = normalizeSpec(input);
  const keys = Object.keys(spec.grid);
  let points: Record<string, SweepValue>[] = [{}];
  for (const k of keys) points = points.flatMap((p) => spec.grid[k].map((v) => ({ ...p, [k]: v })));
  const entries = spec.runs.length ? spec.runs : [{}];
  const all: RunOptions[] = [];
  entries.forEach((entry, i) => {
    const both = Object.keys(entry).find((k) => k in spec.grid);
    if (both) throw new RnnlabError(`"${settingName(both)}" is in both the grid and runs[${i}]: give it in one place`);
    for (const p of points) all.push({ ...spec.base, ...entry, ...p } as RunOptions);
  });
  const seen = new Map<string, number>();
  all.forEach((o, i) => {
    const id = canonical(o);
    const j = seen.get(id);
    if (j !== undefined) throw new RnnlabError(`runs ${j + 1} and ${i + 1} of the sweep have the same settings`);
    seen.set(id, i);
  });
  // Varied: a setting the grid or the list names whose value is not the same in every run.
  const named = [...keys, ...new Set(entries.flatMap((e) => Object.keys(e)))];
  const varied = [...new Set(named)].filter((k) => new Set(all.map((o) => JSON.stringify(valueOf(o, k)))).size > 1);
  const names = new Map<string, number>();
  return all.map((options) => {
    const params: Record<string, string | number> = {};
    for (const k of varied) {
      const v = valueOf(options, k);
      if (v !== undefined) params[settingName(k)] = typeof v === 'boolean' ? String(v) : (v as string | number);
    }
    let name = runName(params);
    // Two runs whose names differ only in characters a folder name cannot hold.
    const n = (names.get(name) ?? 0) + 1;
    names.set(name, n);
    if (n > 1) name = `${name}-${n}`;
    return { name, params, options };
  });
}

/** "cell=lstm,hidden=256,lr=0.003": filesystem-safe (files by their base name), at most ~200 characters. */
export function runName(params: Record<string, string | number>): string {
  const parts = Object.entries(params).map(([k, v]) => {
    const text = typeof v === 'string' && isFileSetting(settingKey(k)) ? basename(v) : String(v);
    return `${k}=${text.replace(/[^A-Za-z0-9._+-]/g, '_')}`;
  });
  const name = parts.join(',') || 'run';
  return name.length <= 200 ? name : `${name.slice(0, 190)}-${hash(name)}`;
}

function valueOf(o: RunOptions, k: string): unknown {
  return (o as Record<string, unknown>)[k];
}

function canonical(o: RunOptions): string {
  return JSON.stringify(Object.entries(o).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function ownedCheck(key: string, where: string): string {
  if (SWEEP_OWNED.has(key)) throw new RnnlabError(`${where} sets "${key}": the sweep gives each run its own directory under its --out`);
  return key;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** FNV-1a, 8 hex digits: keeps shortened names apart. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
