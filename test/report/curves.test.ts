import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { curvePoints, curvesSpec, envelopeIndices, rollingMean, smoothingWindow, thinIndices, type CurveRun } from '../../src/report/curves.js';
import { renderVegaLiteSvg } from '../../src/report/vega-svg.js';
import type { StepEvent, ValEvent } from '../../src/train/events.js';
import { syntheticEvents } from './runs.js';
import { elements, parseXml, textContent, type XmlElement } from './xml.js';

const run = (name: string, steps: number, extra: Partial<CurveRun> = {}, seed = 1): CurveRun =>
  ({ name, events: syntheticEvents({ steps, seed, classifier: extra.classifier }), level: 'char', ...extra });

/** The aria-labels of the drawn lines: Vega describes each by its first point and its series. */
function lineLabels(svg: XmlElement): string[] {
  return elements(svg, 'path').filter((e) => e.attrs['aria-roledescription'] === 'line mark').map((e) => e.attrs['aria-label'] ?? '');
}

function texts(svg: XmlElement): string[] {
  return elements(svg, 'text').map(textContent);
}

/** Vertices of an SVG path (M and L commands as Vega writes lines). */
function vertices(d: string): number {
  return (d.match(/[ML]/g) ?? []).length;
}

describe('curves: smoothing and thinning', () => {
  it('the rolling mean is centred and shrinks its window at the ends', () => {
    assert.deepEqual(rollingMean([1, 2, 3, 4, 5], 3), [1.5, 2, 3, 4, 4.5]);
    assert.deepEqual(rollingMean([1, 2, 3], 1), [1, 2, 3]);
    assert.equal(smoothingWindow(40), 1, 'a short run is drawn as it is');
    assert.equal(smoothingWindow(5000), 101, 'about 2 % of the steps, odd so it is centred');
  });

  it('thinning keeps the first and last points; the envelope keeps every bucket’s extremes', () => {
    const idx = thinIndices(10_000, 600);
    assert.equal(idx.length, 600);
    assert.equal(idx[0], 0);
    assert.equal(idx[599], 9999);
    const values = Array.from({ length: 10_000 }, (_, i) => (i === 4321 ? 100 : i === 777 ? -100 : Math.sin(i)));
    const env = envelopeIndices(values, 600);
    assert.ok(env.length <= 600, `${env.length} points`);
    assert.ok(env.includes(4321) && env.includes(777), 'a spike survives thinning');
    assert.deepEqual(env, [...env].sort((a, b) => a - b), 'in x order');
  });

  it('points: 20,000 steps become a few hundred per line; validation points are all kept; perplexity is exp(loss)', () => {
    const r = run('big', 20_000);
    const { points, windows } = curvePoints([r], { y: 'perplexity' });
    assert.deepEqual(windows, [401]);
    const raw = points.filter((p) => p.kind === 'raw'), train = points.filter((p) => p.kind === 'line' && p.split === 'train');
    const val = points.filter((p) => p.split === 'validation');
    assert.ok(raw.length > 100 && raw.length <= 600, `raw ${raw.length}`);
    assert.equal(train.length, 600);
    assert.equal(train[0].x, 1);
    assert.equal(train[599].x, 20_000);
    const vals = r.events.filter((e): e is ValEvent => e.type === 'val');
    assert.deepEqual(val.map((p) => p.x), vals.map((v) => v.step), 'every validation, the untrained one at step 0 included');
    assert.ok(Math.abs(val[1].y - Math.exp(vals[1].loss)) < 1e-9);
    // The rolling mean is smoother than the raw losses: far less total variation.
    const variation = (ys: number[]) => ys.slice(1).reduce((s, y, i) => s + Math.abs(y - ys[i]), 0);
    assert.ok(variation(train.map((p) => p.y)) < variation(raw.map((p) => p.y)) / 5);
  });

  it('against time: a validation sits at its step’s elapsed time; long runs are drawn in minutes', () => {
    const r = { name: 'slow', events: syntheticEvents({ steps: 400, secondsPerStep: 2 }) };
    const { points } = curvePoints([r], { x: 'time', y: 'bits' });
    const steps = r.events.filter((e): e is StepEvent => e.type === 'step');
    const val = points.filter((p) => p.split === 'validation');
    assert.equal(val[0].x, 0, 'the untrained validation is at time 0');
    assert.ok(Math.abs(val[1].x - steps[99].elapsed / 60) < 1e-12, `${val[1].x} minutes`);
    const firstVal = r.events.find((e): e is ValEvent => e.type === 'val' && !e.untrained)!;
    assert.ok(Math.abs(val[1].y - firstVal.loss / Math.LN2) < 1e-12, 'bits = nats / ln 2');
    const spec = JSON.stringify(curvesSpec([r], { x: 'time' }));
    assert.ok(spec.includes('"training time (minutes)"'), 'the axis names its unit');
  });

  it('refuses nothing to draw with a clear message', () => {
    assert.throws(() => curvesSpec([]), (e: unknown) => e instanceof RnnlabError && /no runs/.test(e.message));
    assert.throws(() => curvesSpec([{ name: 'empty', events: [] }]), (e: unknown) => e instanceof RnnlabError && /empty has no step or validation lines/.test(e.message));
  });
});

describe('curves: the picture', () => {
  it('two runs overlaid: well-formed SVG with both axes, a line per run and split, series named by run', async () => {
    const runs = [run('lstm-256', 3000), run('gru & rnn <small>', 60, {}, 2)];
    const spec = curvesSpec(runs);
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec, 'plain JSON, so the dashboard can ship it');
    const svg = parseXml(await renderVegaLiteSvg(spec));
    assert.equal(svg.name, 'svg');
    const axes = elements(svg, 'g').filter((g) => g.attrs['aria-roledescription'] === 'axis').map((g) => g.attrs['aria-label']);
    assert.equal(axes.length, 2);
    assert.match(axes[0], /^X-axis titled 'step'/);
    assert.match(axes[1], /^Y-axis titled 'loss \(nats per character\)'/);
    const t = texts(svg);
    for (const name of ['lstm-256', 'gru & rnn <small>', 'train', 'validation', 'Loss against steps']) assert.ok(t.includes(name), `the picture names "${name}"`);
    const lines = lineLabels(svg);
    for (const name of ['lstm-256', 'gru & rnn <small>']) {
      assert.equal(lines.filter((l) => l.endsWith(`run: ${name}; split: train`)).length, 1, `${name}: one training line`);
      assert.equal(lines.filter((l) => l.endsWith(`run: ${name}; split: validation`)).length, 1, `${name}: one validation line`);
    }
    assert.equal(lines.filter((l) => l.endsWith('run: lstm-256')).length, 1, 'the long run has its faint raw line');
    assert.equal(lines.filter((l) => l.endsWith('run: gru & rnn <small>')).length, 1, 'the short one too (window 3 from 50 steps)');
  });

  it('thousands of steps stay a light picture: no drawn line has more than 600 vertices', async () => {
    const svgText = await renderVegaLiteSvg(curvesSpec([run('long', 50_000)], { y: 'perplexity' }));
    const svg = parseXml(svgText);
    const paths = elements(svg, 'path').filter((e) => e.attrs['aria-roledescription'] === 'line mark');
    assert.equal(paths.length, 3);
    for (const p of paths) assert.ok(vertices(p.attrs.d) <= 600, `${vertices(p.attrs.d)} vertices`);
    assert.ok(svgText.length < 150_000, `${svgText.length} bytes`);
    const y = elements(svg, 'g').find((g) => g.attrs['aria-roledescription'] === 'axis' && /^Y-axis/.test(g.attrs['aria-label']));
    assert.match(y!.attrs['aria-label'], /^Y-axis titled 'perplexity' for a log scale/);
  });

  it('a classifier gets an accuracy panel below its loss', async () => {
    const svg = parseXml(await renderVegaLiteSvg(curvesSpec([run('news', 300, { classifier: true, level: undefined })])));
    const axes = elements(svg, 'g').filter((g) => g.attrs['aria-roledescription'] === 'axis').map((g) => g.attrs['aria-label']);
    assert.equal(axes.length, 4);
    assert.ok(axes.some((a) => /^Y-axis titled 'loss \(nats per document\)'/.test(a)));
    assert.ok(axes.some((a) => /^Y-axis titled 'accuracy' for a linear scale with values from 0% to 100%/.test(a)), axes.join('\n'));
    assert.ok(texts(svg).includes('Loss and accuracy against steps'));
  });

  it('is deterministic', async () => {
    const runs = [run('a', 500), run('b', 800, {}, 3)];
    assert.equal(await renderVegaLiteSvg(curvesSpec(runs, { x: 'time' })), await renderVegaLiteSvg(curvesSpec(runs, { x: 'time' })));
  });
});
