/**
 * Decoding from the command line: every strategy, the stop string, several samples as one
 * batch, streaming, conflicting settings, and `compare-strategies` writing its tables.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertOk, assertOneLineError, inParallel, rnnlab, rnnlabAsync, tempDir, TINY, writePangrams } from './helpers.js';

let dir = '';
const JS = ['--backend', 'js'];

before(() => {
  dir = tempDir('gen');
  const data = writePangrams(dir);
  assertOk(rnnlab(['train', '--data', data, '--out', 'run', ...TINY, '--batch', '8', '--seq', '32', '--epochs', '3', '--lr', '0.02', '--quiet'], { cwd: dir }), 'training');
});

interface SampleJson { strategy: string; samples: { text: string; ids: number[]; log_prob: number; finished_by: string; score?: number; rank?: number }[] }

test('sample: greedy, sample, beam and beam-sample; n-best sorted by score; stop string; batches', async () => {
  const base = ['sample', '--model', 'run', '--prime', 'The quick', '--length', '30', ...JS, '--json'];
  const [greedy, beam1, beam, bs, many, stop] = await inParallel([
    () => rnnlabAsync([...base, '--strategy', 'greedy'], { cwd: dir }),
    () => rnnlabAsync([...base, '--strategy', 'beam', '--beams', '1'], { cwd: dir }),
    () => rnnlabAsync([...base, '--strategy', 'beam', '--beams', '4', '--length-penalty', '0.6', '--num-samples', '4'], { cwd: dir }),
    () => rnnlabAsync([...base, '--strategy', 'beam-sample', '--beams', '3', '--temperature', '0.8', '--seed', '5', '--num-samples', '3'], { cwd: dir }),
    () => rnnlabAsync([...base, '--num-samples', '4', '--top-p', '0.9', '--seed', '3'], { cwd: dir }),
    () => rnnlabAsync([...base, '--stop', 'o', '--strategy', 'greedy'], { cwd: dir }),
  ]);
  for (const r of [greedy, beam1, beam, bs, many, stop]) assertOk(r);
  const g = JSON.parse(greedy.stdout) as SampleJson, b1 = JSON.parse(beam1.stdout) as SampleJson;
  assert.deepEqual(b1.samples[0].ids, g.samples[0].ids, 'beam width 1 equals greedy');
  const bj = JSON.parse(beam.stdout) as SampleJson;
  assert.equal(bj.samples.length, 4, 'the 4 best of one search');
  for (let i = 1; i < bj.samples.length; i++) assert.ok(bj.samples[i - 1].score! >= bj.samples[i].score!, 'n-best sorted by score');
  assert.ok(bj.samples.every((s) => s.text.startsWith('The quick')));
  assert.equal((JSON.parse(bs.stdout) as SampleJson).samples.length, 3);
  const mj = JSON.parse(many.stdout) as SampleJson;
  assert.equal(mj.samples.length, 4);
  assert.ok(mj.samples.every((s) => s.ids.length === 30 && s.text.length === 'The quick'.length + 30));
  const sj = JSON.parse(stop.stdout) as SampleJson;
  assert.equal(sj.samples[0].finished_by === 'stop' || sj.samples[0].finished_by === 'length', true);
  if (sj.samples[0].finished_by === 'stop') assert.ok(!sj.samples[0].text.slice('The quick'.length).includes('o'), 'output cut before the stop string');
});

test('sample --stream prints the same text as the batch output', () => {
  const args = ['sample', '--model', 'run', '--prime', 'Pack', '--length', '25', ...JS, '--seed', '9', '--temperature', '0.9'];
  const a = rnnlab(args, { cwd: dir });
  const s = rnnlab([...args, '--stream'], { cwd: dir });
  assertOk(a);
  assertOk(s);
  assert.equal(s.stdout, a.stdout);
});

test('sample: conflicting or out-of-range settings are one-line errors', async () => {
  const base = ['sample', '--model', 'run', '--prime', 'The', ...JS];
  const cases: [string[], RegExp][] = [
    [['--top-p', '0'], /top-p/],
    [['--top-p', '1.5'], /top-p/],
    [['--top-k', '0'], /top-k/],
    [['--beams', '0'], /beams/],
    [['--temperature', '-1'], /temperature/],
    [['--beams', '3'], /beam/],
    [['--strategy', 'greedy', '--top-k', '5'], /greedy/],
    [['--strategy', 'beam', '--stream'], /stream/],
    [['--strategy', 'nucleus'], /strategy/],
  ];
  const rs = await inParallel(cases.map(([extra]) => () => rnnlabAsync([...base, ...extra], { cwd: dir })));
  rs.forEach((r, i) => assertOneLineError(r, cases[i][1], cases[i][0].join(' ')));
});

test('compare-strategies prints a table and saves Markdown and CSV, default grid or a JSON grid', () => {
  const r = rnnlab(['compare-strategies', '--model', 'run', '--prime', 'The ', '--samples', '2', '--length', '12', ...JS], { cwd: dir });
  assertOk(r);
  for (const col of ['distinct-1', 'distinct-2', 'greedy', 'beam 5', 'top-p 0.9']) assert.ok(r.stdout.includes(col), `table has ${col}`);
  assert.ok(existsSync(join(dir, 'run', 'compare-strategies.md')));
  const csv = readFileSync(join(dir, 'run', 'compare-strategies.csv'), 'utf8').trim().split(/\r?\n/);
  assert.ok(csv.length >= 10, 'a CSV row per strategy');
  writeFileSync(join(dir, 'grid.json'), JSON.stringify([{ name: 'hot', strategy: 'sample', temperature: 1.5 }, { name: 'cold', strategy: 'sample', temperature: 0.3, topK: 3 }]));
  const g = rnnlab(['compare-strategies', '--model', 'run', '--prime', 'The ', '--samples', '2', '--length', '8', '--grid', 'grid.json', '--out', 'mine', ...JS], { cwd: dir });
  assertOk(g);
  assert.equal(readFileSync(join(dir, 'mine.csv'), 'utf8').trim().split(/\r?\n/).length, 3);
  writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ name: 'x', strategy: 'sample', topP: 2 }]));
  assertOneLineError(rnnlab(['compare-strategies', '--model', 'run', '--grid', 'bad.json', ...JS], { cwd: dir }), /topP/);
});

test('a seed reproduces the same sample on every backend', async () => {
  const args = ['sample', '--model', 'run', '--prime', 'The quick', '--length', '40', '--seed', '11', '--temperature', '0.9', '--top-p', '0.95'];
  const outs = await inParallel(['js', 'wasm', 'native'].map((b) => () => rnnlabAsync([...args, '--backend', b], { cwd: dir })));
  outs.forEach((r) => assertOk(r));
  assert.equal(outs[1].stdout, outs[0].stdout, 'wasm = js');
  assert.equal(outs[2].stdout, outs[0].stdout, 'native = js');
});
