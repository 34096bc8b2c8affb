/**
 * A spec written as a standalone picture, SVG or PNG by the file's extension. Files get a
 * white background (a transparent SVG is unreadable on a dark page); the specs themselves
 * have none, so the dashboard can draw them on its own.
 */
import type { TopLevelSpec } from 'vega-lite';
import { extname } from 'node:path';
import { RnnlabError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { svgToPng } from './png.js';
import { renderVegaLiteSvg } from './vega-svg.js';

export type PlotFormat = 'svg' | 'png';

/** The format a path asks for; anything but .svg and .png is refused, naming the flag. */
export function plotFormat(path: string, flag = '--out'): PlotFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.svg' || ext === '.png') return ext.slice(1) as PlotFormat;
  throw new RnnlabError(`${flag} must name a .svg or .png file, got ${JSON.stringify(path)}`);
}

export async function renderPlot(spec: TopLevelSpec, format: PlotFormat, scale?: number): Promise<string | Uint8Array> {
  const svg = await renderVegaLiteSvg({ ...spec, background: 'white' } as TopLevelSpec);
  return format === 'svg' ? svg : svgToPng(svg, { scale });
}

/** Draws `spec` into `path` (atomically), as SVG or PNG by its extension. */
export async function writePlot(path: string, spec: TopLevelSpec, options: { scale?: number } = {}): Promise<void> {
  writeFileAtomic(path, await renderPlot(spec, plotFormat(path), options.scale));
}
