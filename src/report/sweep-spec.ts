/**
 * A sweep at a glance, as browser-safe Vega-Lite specs built from its results.json: with two
 * or more varied settings a heat map (the first two on the axes, one panel per combination of
 * the others), with one a bar chart, each cell or bar the run's best validation perplexity
 * with the number printed on it. Runs without a perplexity (failed, pending, running) show
 * their status instead, so a gap in the grid is explained where it is.
 */
import type { TopLevelSpec } from 'vega-lite';
import { RnnlabError } from '../errors.js';
import { barChartSpec, type Bar } from './bars.js';
import { curvesSpec, hasCurves, type CurveOptions, type CurveRun } from './curves.js';
import { formatMetric } from '../util/format.js';

// The results.json schema is the sweep runner's; a type-only import keeps this file browser-safe.
import type { RunStatus, SweepResult } from '../sweep/results.js';
export type { SweepResult };
export type SweepStatus = RunStatus;

/** A heat-map cell: one combination of the varied settings. */
export interface SweepCell {
  x: string;
  y: string;
  /** The other varied settings ("cell=gru · seq=64"); '' with two varied settings. */
  facet: string;
  /** The best validation perplexity among the runs of this combination, or null. */
  value: number | null;
  label: string;
  run: string;
}

const STATUSES: readonly string[] = ['done', 'failed', 'running', 'pending', 'interrupted'];
/** Dark for the best (lowest) perplexity: the eye goes to the darkest cell. */
const RANGE = ['#08306b', '#2171b5', '#6baed6', '#c6dbef', '#f7fbff'];
/** Below this share of the (log) colour range the cell is dark enough for a white label. */
const DARK_SHARE = 0.45;

/** results.json checked for the fields the plots read; the message names the file. */
export function parseSweepResults(raw: unknown, file = 'results.json'): SweepResult[] {
  if (!Array.isArray(raw)) throw new RnnlabError(`${file} is not a sweep's results: expected a JSON array of runs`);
  raw.forEach((r: unknown, i) => {
    const o = r as Partial<SweepResult> | null;
    const ok = o && typeof o === 'object' && typeof o.run === 'string' && o.run !== ''
      && o.params && typeof o.params === 'object' && !Array.isArray(o.params)
      && Object.values(o.params).every((v) => typeof v === 'string' || typeof v === 'number')
      && typeof o.status === 'string' && STATUSES.includes(o.status);
    if (!ok) throw new RnnlabError(`${file}: entry ${i + 1} is not a sweep run (it needs run, params of strings and numbers, and a status of ${STATUSES.join('/')})`);
  });
  return raw as SweepResult[];
}

/** The settings whose values differ between runs, in the order they first appear. */
export function variedParams(results: readonly SweepResult[]): string[] {
  const keys = [...new Set(results.flatMap((r) => Object.keys(r.params)))];
  return keys.filter((k) => new Set(results.map((r) => String(r.params[k]))).size > 1);
}

/** A setting's values in axis order: numbers ascending, anything else as first seen. */
export function paramValues(results: readonly SweepResult[], key: string): string[] {
  const values = results.map((r) => r.params[key]).filter((v) => v !== undefined);
  const unique = [...new Map(values.map((v) => [String(v), v])).values()];
  if (unique.every((v) => typeof v === 'number')) (unique as number[]).sort((a, b) => a - b);
  return unique.map(String);
}

function perplexityOf(r: SweepResult): number | null {
  return typeof r.val_perplexity === 'number' && Number.isFinite(r.val_perplexity) ? r.val_perplexity : null;
}

export function sweepCells(results: readonly SweepResult[]): SweepCell[] {
  const [px, py, ...rest] = variedParams(results);
  if (py === undefined) throw new RnnlabError('a sweep heat map needs two varied settings');
  const cells = new Map<string, SweepCell>();
  for (const r of results) {
    const cell: SweepCell = {
      x: String(r.params[px]), y: String(r.params[py]), facet: rest.map((k) => `${k}=${r.params[k]}`).join(' · '),
      value: perplexityOf(r), label: '', run: r.run,
    };
    cell.label = cell.value === null ? r.status : formatMetric(cell.value);
    const key = JSON.stringify([cell.x, cell.y, cell.facet]);
    const seen = cells.get(key);
    // Repeated combinations (the same grid point run twice): the best run speaks for the cell.
    if (!seen || (cell.value !== null && (seen.value === null || cell.value < seen.value))) cells.set(key, cell);
  }
  return [...cells.values()];
}

function spread(values: readonly number[]): { lo: number; hi: number } {
  return { lo: Math.min(...values), hi: Math.max(...values) };
}

export interface SweepSpecOptions {
  title?: string;
}

export function sweepHeatmapSpec(results: readonly SweepResult[], options: SweepSpecOptions = {}): TopLevelSpec {
  const [px, py, ...rest] = variedParams(results);
  const cells = sweepCells(results);
  const values = cells.map((c) => c.value).filter((v): v is number => v !== null);
  const { lo, hi } = values.length ? spread(values) : { lo: 1, hi: 1 };
  const dark = lo * Math.pow(hi / lo, DARK_SHARE);
  const unit = {
    width: { step: 64 },
    height: { step: 34 },
    view: { stroke: null },
    encoding: {
      x: { field: 'x', type: 'ordinal' as const, sort: paramValues(results, px), title: px, axis: { labelAngle: 0, ticks: false, domain: false } },
      y: { field: 'y', type: 'ordinal' as const, sort: paramValues(results, py), title: py, axis: { ticks: false, domain: false } },
    },
    layer: [
      { mark: { type: 'rect' as const, fill: '#eeeeee', stroke: 'white', strokeWidth: 2 } },
      {
        transform: [{ filter: 'datum.value !== null' }],
        mark: { type: 'rect' as const, stroke: 'white', strokeWidth: 2 },
        encoding: {
          color: {
            field: 'value', type: 'quantitative' as const, title: 'perplexity',
            scale: { type: 'log' as const, range: RANGE, ...(lo < hi ? { domain: [lo, hi] } : {}) },
          },
          tooltip: [
            { field: 'run', type: 'nominal' as const },
            { field: 'x', type: 'nominal' as const, title: px },
            { field: 'y', type: 'nominal' as const, title: py },
            { field: 'label', type: 'nominal' as const, title: 'validation perplexity' },
          ],
        },
      },
      {
        mark: { type: 'text' as const, fontSize: 11 },
        encoding: {
          text: { field: 'label', type: 'nominal' as const },
          color: { condition: { test: `datum.value !== null && datum.value < ${dark}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
  const title = {
    text: options.title ?? `Validation perplexity: ${px} × ${py}${rest.length ? ` (per ${rest.join(', ')})` : ''}`,
    subtitle: 'best validation perplexity of each run; darker is better',
    anchor: 'start' as const,
  };
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Sweep heat map: validation perplexity over ${[px, py, ...rest].join(', ')}.`,
    title,
    data: { values: cells },
  };
  if (rest.length === 0) return { ...base, ...unit } as TopLevelSpec;
  const facets = [...new Set(cells.map((c) => c.facet))];
  return {
    ...base,
    facet: { field: 'facet', type: 'nominal', sort: facets, title: null, header: { labelFontSize: 12, labelFontWeight: 'bold' } },
    columns: Math.min(3, facets.length),
    spec: unit,
  } as TopLevelSpec;
}

export function sweepBarsSpec(results: readonly SweepResult[], options: SweepSpecOptions = {}): TopLevelSpec {
  const [p] = variedParams(results);
  // No varied setting (a sweep of one point, or repeats): one bar per run.
  const category = (r: SweepResult) => (p === undefined ? r.run : String(r.params[p]));
  const order = p === undefined ? results.map((r) => r.run) : paramValues(results, p);
  const bars: Bar[] = [...results]
    .sort((a, b) => order.indexOf(category(a)) - order.indexOf(category(b)))
    .map((r) => ({ category: category(r), value: perplexityOf(r), note: r.status }));
  return barChartSpec(bars, {
    title: options.title ?? (p === undefined ? 'Validation perplexity per run' : `Validation perplexity by ${p}`),
    subtitle: 'best validation perplexity of each run; lower is better',
    valueTitle: 'validation perplexity',
    categoryTitle: p ?? 'run',
  });
}

/** The heat map with two or more varied settings, the bar chart otherwise. */
export function sweepSummarySpec(results: readonly SweepResult[], options: SweepSpecOptions = {}): TopLevelSpec {
  if (results.length === 0) throw new RnnlabError('the sweep has no runs yet');
  return variedParams(results).length >= 2 ? sweepHeatmapSpec(results, options) : sweepBarsSpec(results, options);
}

/** Specs one above the other in one picture, each keeping its own data, scales and title. */
export function stackSpecs(specs: readonly TopLevelSpec[], title?: string): TopLevelSpec {
  const parts = specs.map((s) => {
    const { $schema: _schema, ...rest } = s as TopLevelSpec & { $schema?: string };
    return rest;
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(title ? { title: { text: title, anchor: 'start' as const, fontSize: 15 } } : {}),
    vconcat: parts,
    spacing: 36,
    resolve: { scale: { color: 'independent', strokeDash: 'independent' }, legend: { color: 'independent' } },
  } as TopLevelSpec;
}

/** The whole sweep in one picture: the heat map (or bars) above the overlaid curves of its runs. */
export function sweepSpec(results: readonly SweepResult[], runs: readonly CurveRun[], options: CurveOptions = {}): TopLevelSpec {
  const summary = sweepSummarySpec(results);
  const started = runs.filter(hasCurves);
  return started.length ? stackSpecs([summary, curvesSpec(started, { ...options, title: undefined })], options.title) : summary;
}
