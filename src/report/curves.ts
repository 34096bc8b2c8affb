/**
 * Training curves from the events of metrics.jsonl: training loss (step lines) and validation
 * loss (val lines) against steps or training time, in nats, as perplexity or in bits, for one
 * run or many overlaid (colour by run, solid for training, dashed with points for validation).
 * Classifier runs get a second panel with the running training accuracy and the validation accuracy.
 *
 * Thousands of noisy step losses make an unreadable scribble, so each run's training loss is
 * drawn as a centred rolling mean over ~2 % of its steps, with the raw losses faint behind it
 * (kept to their per-bucket minimum and maximum, so the band keeps its true extent at a few
 * hundred points). The mean is taken over losses, before any conversion, so a perplexity
 * curve is the geometric mean of the step perplexities.
 *
 * Browser-safe: `curvesSpec` takes events, not files (the dashboard has them from its stream).
 */
import type { TopLevelSpec } from 'vega-lite';
import { RnnlabError } from '../errors.js';
import type { RunEvent, StepEvent, ValEvent } from '../train/events.js';

export const CURVE_X = ['step', 'time'] as const;
export const CURVE_Y = ['loss', 'perplexity', 'bits'] as const;
export type CurveX = (typeof CURVE_X)[number];
export type CurveY = (typeof CURVE_Y)[number];

/** One run's events, under the name its series carry. */
export interface CurveRun {
  name: string;
  events: readonly RunEvent[];
  /** A classifier (val lines carry accuracy): adds the accuracy panel. */
  classifier?: boolean;
  /** The token level ('char' labels bits "per character"). */
  level?: string;
}

export interface CurveOptions {
  x?: CurveX;
  y?: CurveY;
  title?: string;
  /** Plot area in pixels (560 × 300; the accuracy panel is half as tall). */
  width?: number;
  height?: number;
}

/** A row of the plot's data. */
export interface CurvePoint {
  run: string;
  split: 'train' | 'validation';
  /** 'raw': a faint training loss; 'line': the drawn curve (rolling mean, or validation). */
  kind: 'raw' | 'line';
  panel: 'main' | 'accuracy';
  x: number;
  y: number;
}

/** At most this many points per drawn line: beyond it a line is no sharper, only heavier. */
const MAX_POINTS = 600;
/** The rolling mean spans about 1/SMOOTH_FRACTION of a run's steps. */
const SMOOTH_FRACTION = 50;
const TIME_UNITS = [{ name: 'seconds', s: 1, upTo: 300 }, { name: 'minutes', s: 60, upTo: 3 * 3600 }, { name: 'hours', s: 3600, upTo: Infinity }];
const LN2 = Math.log(2);

/** The odd window of a run's rolling mean: 1 (no smoothing) below 50 steps. */
export function smoothingWindow(steps: number): number {
  return 2 * Math.round(steps / (2 * SMOOTH_FRACTION)) + 1;
}

/** Centred rolling mean; the window shrinks at the ends rather than padding them. */
export function rollingMean(values: readonly number[], window: number): number[] {
  const h = Math.floor(window / 2);
  const prefix = [0];
  for (const v of values) prefix.push(prefix[prefix.length - 1] + v);
  return values.map((_, i) => {
    const a = Math.max(0, i - h), b = Math.min(values.length, i + h + 1);
    return (prefix[b] - prefix[a]) / (b - a);
  });
}

/** Evenly spaced indices, first and last included, at most `max` of them. */
export function thinIndices(n: number, max = MAX_POINTS): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.round((i * (n - 1)) / (max - 1)));
}

/** Per bucket of consecutive points, its lowest and highest (in x order): the envelope of a noisy line. */
export function envelopeIndices(values: readonly number[], max = MAX_POINTS): number[] {
  if (values.length <= max) return values.map((_, i) => i);
  const buckets = Math.floor(max / 2), out: number[] = [];
  for (let k = 0; k < buckets; k++) {
    const a = Math.floor((k * values.length) / buckets), b = Math.floor(((k + 1) * values.length) / buckets);
    let lo = a, hi = a;
    for (let i = a + 1; i < b; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    out.push(Math.min(lo, hi));
    if (hi !== lo) out.push(Math.max(lo, hi));
  }
  return out;
}

/** The run has something to draw: a step or validation line. */
export function hasCurves(run: CurveRun): boolean {
  return run.events.some((e) => (e.type === 'step' || e.type === 'val') && Number.isFinite(e.loss));
}

function convert(loss: number, y: CurveY): number {
  return y === 'perplexity' ? Math.exp(loss) : y === 'bits' ? loss / LN2 : loss;
}

/** Seconds per unit of the time axis, chosen so the longest run reads in small numbers. */
function timeUnit(runs: readonly CurveRun[]): (typeof TIME_UNITS)[number] {
  let longest = 0;
  for (const r of runs) for (const e of r.events) if (e.type === 'step' || e.type === 'end') longest = Math.max(longest, e.elapsed);
  return TIME_UNITS.find((u) => longest <= u.upTo)!;
}

export function curvePoints(runs: readonly CurveRun[], options: CurveOptions = {}): { points: CurvePoint[]; windows: number[] } {
  const xAxis = options.x ?? 'step', yAxis = options.y ?? 'loss';
  const unit = timeUnit(runs);
  const points: CurvePoint[] = [];
  const windows: number[] = [];
  for (const run of runs) {
    const steps = run.events.filter((e): e is StepEvent => e.type === 'step' && Number.isFinite(e.loss));
    const vals = run.events.filter((e): e is ValEvent => e.type === 'val' && Number.isFinite(e.loss));
    // A val line carries no time: it happened right after the step of the same number.
    const elapsedAt = new Map<number, number>([[0, 0]]);
    for (const s of steps) elapsedAt.set(s.step, s.elapsed);
    const xOf = (step: number): number | undefined => (xAxis === 'step' ? step : elapsedAt.has(step) ? elapsedAt.get(step)! / unit.s : undefined);
    const push = (split: CurvePoint['split'], kind: CurvePoint['kind'], panel: CurvePoint['panel'], step: number, y: number) => {
      const x = xOf(step);
      if (x !== undefined && Number.isFinite(y)) points.push({ run: run.name, split, kind, panel, x, y });
    };

    const window = smoothingWindow(steps.length);
    windows.push(window);
    const losses = steps.map((s) => s.loss);
    if (window > 1) for (const i of envelopeIndices(losses)) push('train', 'raw', 'main', steps[i].step, convert(losses[i], yAxis));
    const smooth = window > 1 ? rollingMean(losses, window) : losses;
    for (const i of thinIndices(steps.length)) push('train', 'line', 'main', steps[i].step, convert(smooth[i], yAxis));
    for (const v of vals) push('validation', 'line', 'main', v.step, convert(v.loss, yAxis));

    if (run.classifier) {
      const acc = steps.filter((s) => typeof s.accuracy === 'number');
      for (const i of thinIndices(acc.length)) push('train', 'line', 'accuracy', acc[i].step, acc[i].accuracy!);
      for (const v of vals) if (typeof v.accuracy === 'number') push('validation', 'line', 'accuracy', v.step, v.accuracy);
    }
  }
  return { points, windows };
}

function yTitle(y: CurveY, runs: readonly CurveRun[]): string {
  if (y === 'perplexity') return 'perplexity';
  const unit = runs.every((r) => r.classifier) ? 'document' : runs.every((r) => r.level === 'char') ? 'character' : 'token';
  return y === 'bits' ? `bits per ${unit}` : `loss (nats per ${unit})`;
}

function smoothingNote(windows: readonly number[]): string {
  const smoothed = windows.filter((w) => w > 1);
  if (smoothed.length === 0) return 'training: every step';
  const same = smoothed.every((w) => w === smoothed[0]);
  return `training: rolling mean over ${same ? `${smoothed[0]} steps` : `~${100 / SMOOTH_FRACTION} % of each run's steps`}, every step faint`;
}

export function curvesSpec(runs: readonly CurveRun[], options: CurveOptions = {}): TopLevelSpec {
  if (runs.length === 0) throw new RnnlabError('no runs to plot');
  const xAxis = options.x ?? 'step', yAxis = options.y ?? 'loss';
  const width = options.width ?? 560, height = options.height ?? 300;
  const { points, windows } = curvePoints(runs, options);
  if (!points.some((p) => p.panel === 'main')) {
    throw new RnnlabError(`nothing to plot: ${runs.map((r) => r.name).join(', ')} ${runs.length === 1 ? 'has' : 'have'} no step or validation lines in metrics.jsonl yet`);
  }
  const names = runs.map((r) => r.name);
  const x = {
    field: 'x', type: 'quantitative' as const,
    title: xAxis === 'step' ? 'step' : `training time (${timeUnit(runs).name})`,
    scale: { zero: xAxis === 'time' || points.some((p) => p.x === 0) },
    axis: { grid: true },
  };
  const color = {
    field: 'run', type: 'nominal' as const, sort: names, title: runs.length > 1 ? 'run' : null,
    scale: { scheme: names.length > 10 ? 'tableau20' : 'tableau10' }, legend: { symbolLimit: 50, labelLimit: 400, symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 },
  };
  const dash = {
    field: 'split', type: 'nominal' as const, title: null,
    scale: { domain: ['train', 'validation'], range: [[1, 0], [5, 3]] },
    legend: { symbolType: 'stroke', symbolStrokeWidth: 2 },
  };
  const panel = (which: CurvePoint['panel'], h: number, y: object) => ({
    width, height: h,
    transform: [{ filter: `datum.panel === '${which}'` }],
    encoding: { x, y, color },
    layer: [
      { transform: [{ filter: "datum.kind === 'raw'" }], mark: { type: 'line' as const, opacity: 0.2, strokeWidth: 1 } },
      { transform: [{ filter: "datum.kind === 'line'" }], mark: { type: 'line' as const, strokeWidth: 2 }, encoding: { strokeDash: dash } },
      {
        transform: [{ filter: "datum.kind === 'line' && datum.split === 'validation'" }],
        mark: { type: 'point' as const, filled: true, size: 30 },
        encoding: { tooltip: [{ field: 'run', type: 'nominal' as const }, { field: 'x', type: 'quantitative' as const, title: x.title }, { field: 'y', type: 'quantitative' as const, title: 'validation', format: '.4~g' }] },
      },
    ],
  });
  const main = panel('main', height, { field: 'y', type: 'quantitative', title: yTitle(yAxis, runs), scale: yAxis === 'perplexity' ? { type: 'log' } : { zero: false }, axis: { grid: true } });
  const withAccuracy = runs.some((r) => r.classifier) && points.some((p) => p.panel === 'accuracy');
  const what = yAxis === 'loss' ? 'Loss' : yAxis === 'perplexity' ? 'Perplexity' : 'Bits';
  const title = {
    text: options.title ?? `${what}${withAccuracy ? ' and accuracy' : ''} against ${xAxis === 'step' ? 'steps' : 'training time'}`,
    // Two short lines: Vega estimates text width without a canvas, generously, and one long line widens the picture.
    subtitle: [smoothingNote(windows), 'validation: dashed, with points'],
    anchor: 'start' as const,
  };
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Training and validation curves of ${names.join(', ')}.`,
    title,
    data: { values: points },
  };
  if (!withAccuracy) return { ...base, ...main } as TopLevelSpec;
  const accuracy = panel('accuracy', Math.round(height / 2), { field: 'y', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] }, axis: { grid: true, format: '.0%' } });
  return { ...base, vconcat: [main, accuracy], resolve: { scale: { y: 'independent' } } } as TopLevelSpec;
}
