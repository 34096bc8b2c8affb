/**
 * `rnnlab plot` as a user runs it: a tiny real run and synthetic ones, SVG and PNG, one run and
 * several overlaid, against steps and time, a sweep directory, and the bad inputs that must
 * give one clear line and write nothing.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pngSize } from '../report/png-size.js';
import { writeSyntheticRun } from '../report/runs.js';
import { elements, parseXml, textContent, type XmlElement } from '../report/xml.js';
import { assertOk, assertOneLineError, inParallel, rnnlab, rnnlabAsync, tempDir, TINY, writePangrams } from './helpers.js';

let dir = '';

before(() => {
  dir = tempDir('plot');
  writePangrams(dir);
  const r = rnnlab(['train', '--data', 'pangrams.txt', '--out', 'tiny', ...TINY, '--batch', '4', '--seq', '16', '--epochs', '2', '--quiet'], { cwd: dir });
  assertOk(r, 'training the tiny run');
  writeSyntheticRun(join(dir, 'runs', 'a', 'lstm'), { steps: 3000, seed: 1, secondsPerStep: 0.05 });
  writeSyntheticRun(join(dir, 'runs', 'b', 'lstm'), { steps: 900, seed: 2, secondsPerStep: 0.5 });
  mkdirSync(join(dir, 'sweep'));
  writeFileSync(join(dir, 'sweep', 'results.json'), JSON.stringify([
    { run: 'h16-lr1', params: { hidden: 16, lr: 0.001 }, status: 'done', val_perplexity: 8.25 },
    { run: 'h32-lr1', params: { hidden: 32, lr: 0.001 }, status: 'done', val_perplexity: 7.5 },
    { run: 'h16-lr3', params: { hidden: 16, lr: 0.003 }, status: 'done', val_perplexity: 6.75 },
    { run: 'h32-lr3', params: { hidden: 32, lr: 0.003 }, status: 'failed', error: 'diverged' },
  ]));
  for (const [i, run] of ['h16-lr1', 'h32-lr1', 'h16-lr3'].entries()) writeSyntheticRun(join(dir, 'sweep', run), { steps: 200, seed: i + 1 });
  mkdirSync(join(dir, 'not-a-run'));
  mkdirSync(join(dir, 'empty-run'));
  writeFileSync(join(dir, 'empty-run', 'metrics.jsonl'), '');
});

function svgAt(path: string): XmlElement {
  const text = readFileSync(path, 'utf8');
  assert.match(text, /^<svg /);
  return parseXml(text);
}

const texts = (svg: XmlElement) => elements(svg, 'text').map(textContent);
const axisLabels = (svg: XmlElement) => elements(svg, 'g').filter((g) => g.attrs['aria-roledescription'] === 'axis').map((g) => g.attrs['aria-label']);

test('plot one run: plot.svg in the run directory, the loss against steps, the run named', () => {
  const r = rnnlab(['plot', 'tiny'], { cwd: dir });
  assertOk(r, 'plot');
  assert.equal(r.stdout, `saved ${join('tiny', 'plot.svg')}\n`);
  const svg = svgAt(join(dir, 'tiny', 'plot.svg'));
  const axes = axisLabels(svg);
  assert.match(axes[0], /^X-axis titled 'step'/);
  assert.match(axes[1], /^Y-axis titled 'loss \(nats per character\)'/);
  const t = texts(svg);
  for (const s of ['Loss against steps', 'tiny', 'train', 'validation']) assert.ok(t.includes(s), `the picture names "${s}"`);
});

test('plot several runs overlaid against time, as perplexity, with a title; same-named runs told apart', () => {
  const r = rnnlab(['plot', 'tiny', 'runs/a/lstm', 'runs/b/lstm', '--x', 'time', '--y', 'perplexity', '--title', 'Three runs', '--out', 'three.svg'], { cwd: dir });
  assertOk(r, 'plot');
  const svg = svgAt(join(dir, 'three.svg'));
  const t = texts(svg);
  for (const s of ['Three runs', 'tiny', 'a/lstm', 'b/lstm']) assert.ok(t.includes(s), `the picture names "${s}"`);
  const axes = axisLabels(svg);
  assert.match(axes[0], /^X-axis titled 'training time \(minutes\)'/, '450 s of the slowest run: minutes');
  assert.match(axes[1], /^Y-axis titled 'perplexity' for a log scale/);
  const lines = elements(svg, 'path').filter((e) => e.attrs['aria-roledescription'] === 'line mark').map((e) => e.attrs['aria-label']);
  for (const name of ['tiny', 'a/lstm', 'b/lstm']) {
    assert.ok(lines.some((l) => l.endsWith(`run: ${name}; split: train`)) && lines.some((l) => l.endsWith(`run: ${name}; split: validation`)), `${name}: train and validation lines`);
  }
});

test('plot --out FILE.png: a PNG twice the SVG’s size (or --scale times)', async () => {
  const [svgRun, png2, png1] = await inParallel([
    () => rnnlabAsync(['plot', 'runs/a/lstm', '--y', 'bits', '--out', 'a.svg'], { cwd: dir }),
    () => rnnlabAsync(['plot', 'runs/a/lstm', '--y', 'bits', '--out', 'a.png'], { cwd: dir }),
    () => rnnlabAsync(['plot', 'runs/a/lstm', '--y', 'bits', '--out', 'a1.png', '--scale', '1'], { cwd: dir }),
  ]);
  for (const r of [svgRun, png2, png1]) assertOk(r, 'plot');
  const svg = svgAt(join(dir, 'a.svg'));
  const w = Number(svg.attrs.width), h = Number(svg.attrs.height);
  assert.deepEqual(pngSize(readFileSync(join(dir, 'a.png'))), { width: 2 * w, height: 2 * h });
  assert.deepEqual(pngSize(readFileSync(join(dir, 'a1.png'))), { width: w, height: h });
});

test('plot a sweep directory: the heat map of hidden × lr above the curves of its runs', () => {
  const r = rnnlab(['plot', 'sweep', '--out', 'sweep.svg'], { cwd: dir });
  assertOk(r, 'plot sweep');
  const svg = svgAt(join(dir, 'sweep.svg'));
  const cells = elements(svg, 'text').filter((e) => e.attrs['aria-roledescription'] === 'text mark').map(textContent);
  assert.deepEqual([...cells].sort(), ['6.75', '7.5', '8.25', 'failed']);
  const t = texts(svg);
  for (const s of ['Validation perplexity: hidden × lr', 'h16-lr1', 'h32-lr1', 'h16-lr3']) assert.ok(t.includes(s), `the picture names "${s}"`);
  assert.ok(!t.includes('h32-lr3'), 'the failed run has no curves');
  const axes = axisLabels(svg);
  assert.ok(axes.some((a) => /^X-axis titled 'hidden'/.test(a)) && axes.some((a) => /^X-axis titled 'step'/.test(a)), axes.join('\n'));
});

test('plot: bad input gets one line, exit 1, and no file', async () => {
  const cases: [string[], RegExp][] = [
    [['plot', 'not-a-run', '--out', 'x1.svg'], /not-a-run has no metrics\.jsonl: not a run directory/],
    [['plot', 'missing', '--out', 'x2.svg'], /cannot read missing: no such directory/],
    [['plot', 'pangrams.txt', '--out', 'x3.svg'], /pangrams\.txt is a file, not a run directory/],
    [['plot', 'empty-run', '--out', 'x4.svg'], /nothing to plot: empty-run has no step or validation lines/],
    [['plot', 'tiny', '--x', 'epoch', '--out', 'x5.svg'], /--x .*'epoch' is invalid.*step, time/],
    [['plot', 'tiny', '--y', 'accuracy', '--out', 'x6.svg'], /--y .*'accuracy' is invalid.*loss, perplexity, bits/],
    [['plot', 'tiny', '--out', 'x7.jpg'], /--out must name a \.svg or \.png file, got "x7\.jpg"/],
    [['plot', 'sweep', 'tiny', '--out', 'x8.svg'], /sweep is a sweep directory: plot it on its own/],
    [['plot', 'tiny', '--scale', '0', '--out', 'x9.png'], /--scale/],
    [['plot', 'tiny', '--scale', '3', '--out', 'x10.svg'], /--scale applies to PNG output only/],
    [['plot'], /missing required argument/],
    [['plot', 'tiny', '--out', join('no-such-folder', 'x11.svg')], /cannot write no-such-folder.x11\.svg: the folder no-such-folder does not exist/],
  ];
  const results = await inParallel(cases.map(([args]) => () => rnnlabAsync(args, { cwd: dir })));
  results.forEach((r, i) => {
    assertOneLineError(r, cases[i][1], cases[i][0].join(' '));
    const out = cases[i][0][cases[i][0].indexOf('--out') + 1];
    if (out) assert.ok(!existsSync(join(dir, out)), `${out} should not be written`);
  });
});
