/**
 * A sweep's pictures on disk (Node): what the sweep runner calls after each run finishes (and
 * what `rnnlab report` links), so the folder always holds the current heat map and curves.
 *   sweep-perplexity.svg  heat map (two or more varied settings) or bar chart (one)
 *   sweep-curves.svg      the training and validation curves of every run that has started
 */
import { join } from 'node:path';
import { curvesSpec, hasCurves, type CurveOptions } from './curves.js';
import { writePlot, type PlotFormat } from './plot-file.js';
import { readSweep, type SweepRecord } from './run-data.js';
import { sweepSummarySpec } from './sweep-spec.js';

export interface SweepPlotOptions extends Pick<CurveOptions, 'x' | 'y'> {
  /** Where the files go (the sweep directory). */
  outDir?: string;
  /** svg (default) or png. */
  format?: PlotFormat;
  /** File names start with this ('sweep'). */
  prefix?: string;
}

/** The files written; null where there was nothing to draw yet (no results, no run with metrics). */
export interface SweepPlotFiles {
  summary: string | null;
  curves: string | null;
}

/** Reads `sweepDir` (results.json and its runs' metrics.jsonl) and draws its pictures. */
export async function renderSweepPlots(sweepDir: string, options: SweepPlotOptions = {}): Promise<SweepPlotFiles> {
  return writeSweepPlots(readSweep(sweepDir), options);
}

/** The same for a sweep already read. */
export async function writeSweepPlots(sweep: SweepRecord, options: SweepPlotOptions = {}): Promise<SweepPlotFiles> {
  const outDir = options.outDir ?? sweep.dir;
  const ext = options.format ?? 'svg', prefix = options.prefix ?? 'sweep';
  const files: SweepPlotFiles = { summary: null, curves: null };
  if (sweep.results.length > 0) {
    files.summary = join(outDir, `${prefix}-perplexity.${ext}`);
    await writePlot(files.summary, sweepSummarySpec(sweep.results));
  }
  const started = sweep.runs.filter(hasCurves);
  if (started.length > 0) {
    files.curves = join(outDir, `${prefix}-curves.${ext}`);
    await writePlot(files.curves, curvesSpec(started, { x: options.x, y: options.y ?? 'perplexity', title: `Curves of the ${sweep.name} sweep` }));
  }
  return files;
}
