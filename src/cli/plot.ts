/** `rnnlab plot`: training curves of runs (or a sweep's heat map and curves) as SVG or PNG. */
import { Command } from 'commander';
import { join } from 'node:path';
import { RnnlabError } from '../errors.js';
import { CURVE_X, CURVE_Y, curvesSpec, type CurveX, type CurveY } from '../report/curves.js';
import { plotFormat, writePlot } from '../report/plot-file.js';
import { isSweepDir, readRun, readSweep, runNames } from '../report/run-data.js';
import { sweepSpec } from '../report/sweep-spec.js';
import { num, oneOf, text } from './parse.js';

export function plotCommand(): Command {
  return new Command('plot')
    .description('training and validation curves from metrics.jsonl (one run or several overlaid; a sweep: its heat map or bar chart and curves) as SVG or PNG')
    .argument('<dirs...>', 'run directories, or one sweep directory (it holds results.json)')
    .option('--out <file>', 'the picture: .svg or .png (default: plot.svg in the directory given, or in the current directory for several)')
    .option('--x <axis>', 'step or time (training seconds)', oneOf(...CURVE_X), 'step')
    .option('--y <metric>', 'loss (nats), perplexity or bits', oneOf(...CURVE_Y), 'loss')
    .option('--title <text>', 'the title (default: what is plotted against what)', text)
    .option('--scale <f>', 'PNG: pixels per SVG pixel (default: 2)', num(0, 16, true))
    .option('--debug', 'print stack traces on errors');
}

export async function plotAction(dirs: string[], o: { out?: string; x: CurveX; y: CurveY; title?: string; scale?: number }): Promise<void> {
  const out = o.out ?? (dirs.length === 1 ? join(dirs[0], 'plot.svg') : 'plot.svg');
  // A wrong extension, or a flag the format ignores, is refused before anything is read.
  if (plotFormat(out) === 'svg' && o.scale !== undefined) throw new RnnlabError('--scale applies to PNG output only (--out FILE.png)');
  const sweeps = dirs.filter(isSweepDir);
  if (sweeps.length > 0 && dirs.length > 1) throw new RnnlabError(`${sweeps[0]} is a sweep directory: plot it on its own (its runs are overlaid in its picture)`);
  const options = { x: o.x, y: o.y, title: o.title };
  let spec;
  if (sweeps.length === 1) {
    const sweep = readSweep(dirs[0]);
    spec = sweepSpec(sweep.results, sweep.runs, options);
  } else {
    const names = runNames(dirs);
    spec = curvesSpec(dirs.map((d, i) => readRun(d, names[i])), options);
  }
  await writePlot(out, spec, { scale: o.scale });
  process.stdout.write(`saved ${out}\n`);
}
