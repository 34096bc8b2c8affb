/**
 * `rnnlab classify train | eval | predict` as a user runs them: a small labelled corpus the test
 * writes (and the real AG News files with the GloVe slice), checkpoints, metrics, the report
 * files and the bad inputs that must give one clear line.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.js';
import { sharedData } from '../helpers.js';
import {
  assertOk, assertOneLineError, CLI, inParallel, listFiles, readMetrics, readSafetensorsHeader, rnnlab, rnnlabAsync, tempDir, type Metric,
} from './helpers.js';

let dir = '';
const TOPICS: Record<string, string[]> = {
  sport: ['match', 'goal', 'team', 'coach', 'league', 'striker', 'season', 'cup'],
  money: ['market', 'shares', 'bank', 'profit', 'investors', 'stocks', 'dollar', 'fund'],
  tech: ['software', 'chip', 'computer', 'internet', 'phone', 'robot', 'code', 'data'],
};

/** Deterministic documents: a title that starts with a topic word, then topic words among shared filler words. */
function docs(n: number, seed: number): { label: string; title: string; body: string }[] {
  const rng = new Rng(seed);
  const r = (k: number) => rng.int(k);
  const filler = ['the', 'a', 'of', 'new', 'said', 'on', 'in', 'report', 'today', 'week'];
  const names = Object.keys(TOPICS);
  return Array.from({ length: n }, (_, i) => {
    const label = names[i % names.length];
    const words = Array.from({ length: 6 + r(10) }, () => (r(3) === 0 ? TOPICS[label][r(8)] : filler[r(filler.length)]));
    return { label, title: `${TOPICS[label][r(8)]} ${filler[r(10)]}`, body: words.join(' ') };
  });
}
const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

before(() => {
  dir = tempDir('classify');
  writeFileSync(join(dir, 'train.csv'), 'label,text\n' + docs(240, 1).map((d) => `${q(d.label)},${q(d.title + ' ' + d.body)}`).join('\n') + '\n');
  // the layout of AG News' test file: no header; label, title, description
  writeFileSync(join(dir, 'test.csv'), docs(60, 2).map((d) => `${q(d.label)},${q(d.title)},${q(d.body)}`).join('\n') + '\n');
  writeFileSync(join(dir, 'vectors.txt'), ['the 0.1 0.2 0.3 0.4', 'match 1 0 0 0', 'market 0 1 0 0', 'software 0 0 1 0', 'goal 0.9 0.1 0 0'].join('\n') + '\n');
});

const TRAIN = ['classify', 'train', '--data', 'train.csv', '--lowercase', '--batch', '16', '--lr', '0.02', '--epochs', '6', '--quiet'];
const EVAL = ['--data', 'test.csv', '--no-header', '--label-column', '0', '--text-column', '1,2'];

test('classify train → eval → predict: a GRU learns three topics; reports, CSVs and the confusion-matrix SVG', async () => {
  const r = await rnnlabAsync([...TRAIN, '--model', 'gru', '--hidden', '24', '--embed', '16', '--out', 'gru', '--json'], { cwd: dir, timeoutMs: 120_000 });
  assertOk(r, 'classify train');
  const s = JSON.parse(r.stdout) as { steps: number; best: { accuracy: number; loss: number } };
  assert.ok(s.best.accuracy > 0.8, `validation accuracy ${s.best.accuracy}`);
  const files = listFiles(join(dir, 'gru'));
  assert.deepEqual(files, ['config.json', 'last.safetensors', 'metrics.jsonl', 'model.safetensors']);
  const h = readSafetensorsHeader(join(dir, 'gru', 'model.safetensors'));
  assert.equal(h.metadata.arch, 'classifier');
  assert.deepEqual(JSON.parse(h.metadata.classes), ['money', 'sport', 'tech']);
  assert.deepEqual([...h.tensors.keys()].slice(0, 2), ['embedding.weight', 'rnn.weight_ih_l0']);
  const ms = readMetrics(join(dir, 'gru', 'metrics.jsonl'));
  assert.ok(ms.filter((m) => m.type === 'step').every((m) => typeof m.accuracy === 'number'), 'step lines carry the running accuracy');
  assert.ok(ms.filter((m) => m.type === 'val' && !m.untrained).every((m) => typeof m.accuracy === 'number'), 'val lines carry the accuracy');

  const e = await rnnlabAsync(['classify', 'eval', '--model', 'gru', ...EVAL], { cwd: dir });
  assertOk(e, 'classify eval');
  assert.match(e.stdout, /^accuracy [\d.]+ % · loss [\d.]+ · macro-F1 [\d.]+ over 60 documents/);
  assert.match(e.stdout, /precision +recall +f1-score +support/);
  assert.match(e.stdout, /true \\ predicted +money +sport +tech/);
  for (const f of ['eval-test.classification_report.csv', 'eval-test.confusion_matrix.csv', 'eval-test.confusion_matrix.svg']) assert.ok(existsSync(join(dir, 'gru', f)), f);
  const svg = readFileSync(join(dir, 'gru', 'eval-test.confusion_matrix.svg'), 'utf8');
  assert.match(svg, /^<svg[^>]*>/);
  for (const c of ['money', 'sport', 'tech']) assert.ok(svg.includes(`>${c}<`), `the SVG names ${c}`);
  const ej = JSON.parse((await rnnlabAsync(['classify', 'eval', '--model', 'gru', ...EVAL, '--json', '--out', 'report'], { cwd: dir })).stdout) as { accuracy: number; confusion: number[][]; documents: number };
  assert.ok(ej.accuracy > 0.8, `test accuracy ${ej.accuracy}`);
  assert.equal(ej.confusion.flat().reduce((a, b) => a + b, 0), 60);
  assert.ok(existsSync(join(dir, 'report.confusion_matrix.svg')), '--out names the report files');

  const p = await rnnlabAsync(['classify', 'predict', '--model', 'gru', '--text', 'striker scored a late goal for the team', '--json'], { cwd: dir });
  assertOk(p, 'predict --text');
  const pj = JSON.parse(p.stdout) as { label: string; probabilities: Record<string, number> };
  assert.equal(pj.label, 'sport');
  assert.ok(Math.abs(Object.values(pj.probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-6);
  const stdin = spawnSync(process.execPath, [CLI, 'classify', 'predict', '--model', 'gru', '--top', '2'], {
    cwd: dir, input: 'bank shares rose as investors bought stocks\n\nchip runs the new code\n', encoding: 'utf8',
  });
  assert.equal(stdin.status, 0, stdin.stderr);
  const lines = stdin.stdout.trim().split('\n');
  assert.equal(lines.length, 2, 'one line per non-blank input line');
  assert.match(lines[0], /^money\tmoney [\d.]+ % · \w+ [\d.]+ %$/);
  assert.match(lines[1], /^tech\t/);
});

test('classify: CNN with frozen pretrained vectors, a bidirectional LSTM with mean pooling; resume gives the uninterrupted curve', async () => {
  const [cnn, bi] = await inParallel([
    () => rnnlabAsync([...TRAIN, '--model', 'cnn', '--hidden', '12', '--embeddings', 'vectors.txt', '--freeze-embeddings', '--out', 'cnn'], { cwd: dir, timeoutMs: 120_000 }),
    () => rnnlabAsync([...TRAIN, '--model', 'lstm', '--bidirectional', '--pool', 'mean', '--hidden', '8', '--embed', '8', '--out', 'bilstm'], { cwd: dir, timeoutMs: 120_000 }),
  ]);
  assertOk(cnn, 'cnn');
  assertOk(bi, 'bidirectional lstm');
  const h = readSafetensorsHeader(join(dir, 'cnn', 'model.safetensors'));
  assert.deepEqual(JSON.parse(h.metadata.frozen), ['embedding.weight']);
  assert.deepEqual(h.tensors.get('embedding.weight')!.shape.slice(1), [4], 'the embedding takes the file\'s width');
  assert.ok(h.tensors.has('features.1.running_mean') && h.tensors.get('features.1.num_batches_tracked')!.dtype === 'I64', 'BatchNorm buffers are saved, the counter as int64');
  assert.ok(readSafetensorsHeader(join(dir, 'bilstm', 'model.safetensors')).tensors.has('rnn.weight_hh_l0_reverse'));
  // the model summary, and the vocabulary coverage line
  const loud = await rnnlabAsync(['classify', 'train', '--data', 'train.csv', '--lowercase', '--model', 'cnn', '--hidden', '12', '--embeddings', 'vectors.txt', '--freeze-steps', '2', '--max-steps', '1', '--out', 'loud'], { cwd: dir });
  assertOk(loud, 'loud');
  assert.match(loud.stderr, /embeddings: \d+ of \d+ vocabulary words covered/);
  assert.match(loud.stderr, /Name +Type +Params/);
  assert.match(loud.stderr, /features\.0 +Conv1d\(4, 12, kernel 3, stride 2, padding 1\)/);
  assert.match(loud.stderr, /[\d,]+ +frozen params/);
  // resume: 5 steps + the rest = the uninterrupted run, step for step
  const args = [...TRAIN, '--model', 'gru', '--hidden', '8', '--embed', '8', '--epochs', '2', '--backend', 'js'];
  await inParallel<unknown>([
    () => rnnlabAsync([...args, '--out', 'whole'], { cwd: dir }),
    async () => {
      assertOk(await rnnlabAsync([...args, '--out', 'part', '--max-steps', '5'], { cwd: dir }));
      assertOk(await rnnlabAsync(['classify', 'train', '--out', 'part', '--resume', '--max-steps', '0', '--backend', 'js', '--quiet'], { cwd: dir }));
    },
  ]);
  const steps = (f: string) => readMetrics(join(dir, f, 'metrics.jsonl')).filter((m: Metric) => m.type === 'step').map((m) => JSON.stringify([m.step, m.loss, m.accuracy, m.grad_norm]));
  assert.deepEqual(steps('part'), steps('whole'));
});

test('classify: bad input gets one clear line', async () => {
  writeFileSync(join(dir, 'empty-text.csv'), 'label,text\nsport,goal\nmoney, \n');
  writeFileSync(join(dir, 'other-labels.csv'), 'label,text\nsport,goal\nweather,rain\n');
  writeFileSync(join(dir, 'wide.txt'), 'the 1 2 3\nmatch 1 2 3\n');
  writeFileSync(join(dir, 'binary.vec'), Buffer.from([0x74, 0x68, 0x65, 0x20, 0, 1, 2, 0, 0x0a]));
  writeFileSync(join(dir, 'plain.txt'), 'just some text\n');
  writeFileSync(join(dir, 'blank-label.csv'), 'label,text\nsport,goal\n ,market news\n');
  writeFileSync(join(dir, 'unlabelled.jsonl'), '{"text": "goal"}\n{"text": "market"}\n');
  const cases: [string[], RegExp, string][] = [
    [[...TRAIN, '--label-column', 'topic'], /no column named "topic"/, 'a label column that does not exist'],
    [['classify', 'train', '--data', 'empty-text.csv'], /document 2 has an empty text/, 'an empty text'],
    [[...TRAIN, '--embeddings', 'wide.txt', '--embed', '8'], /3-dimensional vectors but --embed is 8/, 'an embedding width that disagrees with --embed'],
    [[...TRAIN, '--embeddings', 'binary.vec'], /binary\.vec/, 'a binary embedding file'],
    [['classify', 'train', '--data', 'plain.txt'], /plain text, which has no labels/, 'plain text'],
    [[...TRAIN, '--model', 'cnn', '--pool', 'last'], /--pool last needs a recurrent --model/, '--pool last with cnn'],
    [[...TRAIN, '--vocab-from', 'embeddings'], /--vocab-from embeddings needs --embeddings/, '--vocab-from without a file'],
    [[...TRAIN, '--freeze-embeddings'], /--freeze-embeddings freezes pretrained vectors: give --embeddings/, 'freezing nothing'],
    [['classify', 'eval', '--model', 'gru', '--data', 'other-labels.csv'], /the label "weather", which the model does not know/, 'an unknown label at eval time'],
    [['classify', 'predict', '--model', 'gru', '--text', '   '], /the text is empty/, 'an empty text to predict'],
    [['classify', 'eval', '--model', join('..', 'no-such-run'), '--data', 'test.csv'], /no such file/, 'a missing model'],
    [['classify', 'train', '--data', 'blank-label.csv'], /document 2 has an empty label/, 'a blank label'],
    [['classify', 'train', '--data', 'unlabelled.jsonl'], /unlabelled\.jsonl line 1: record has no label field "label" \(fields: "text"\)/, 'JSON records without a label field'],
    [[...TRAIN, '--embeddings', 'vectors.txt', '--vocab-from', 'embeddings', '--min-freq', '2'], /--min-freq counts the training data/, '--min-freq with the file\'s vocabulary'],
    [['classify', 'eval', '--model', 'gru', ...EVAL, '--text-field', 'body'], /--text-field applies only to JSON/, 'a JSON flag on a CSV at eval time'],
  ];
  await inParallel(cases.map(([args, re, what]) => async () => assertOneLineError(await rnnlabAsync(args, { cwd: dir }), re, what)));
  // a language model is not a classifier, and the other way round
  const lm = join(dir, 'lm');
  assertOk(rnnlab(['train', '--data', 'plain.txt', '--out', lm, '--backend', 'js', '--hidden', '8', '--embed', '4', '--layers', '1', '--batch', '1', '--seq', '4', '--max-steps', '1', '--val-fraction', '0', '--quiet'], { cwd: dir }));
  assertOneLineError(rnnlab(['classify', 'predict', '--model', lm, '--text', 'x'], { cwd: dir }), /holds a language model, not a text classifier/, 'predict with a language model');
  assertOneLineError(rnnlab(['sample', '--model', 'gru', '--prime', 'x'], { cwd: dir }), /holds a text classifier, not a language model \(use rnnlab classify eval \/ predict\)/, 'sample with a classifier');
});

test('AG News with the GloVe slice: 2,000 training documents, the test file read as the official layout, accuracy well above chance', () => {
  const cwd = tempDir('agnews');
  const r = rnnlab([
    'classify', 'train', '--data', sharedData('ag_news/train_subset.csv'), '--label-column', 'label', '--text-column', 'text',
    '--classes', sharedData('ag_news/classes.txt'), '--max-docs', '2000', '--model', 'gru', '--hidden', '32',
    '--embeddings', sharedData('glove/glove.6B.50d.top2446.txt'), '--vocab-from', 'embeddings', '--lowercase', '--lr', '0.01',
    '--epochs', '2', '--val-fraction', '0', '--out', 'ag', '--quiet',
  ], { cwd, timeoutMs: 120_000 });
  assertOk(r, 'train on AG News');
  const e = rnnlab(['classify', 'eval', '--model', 'ag', '--data', sharedData('ag_news/test_5600.csv'), '--no-header', '--label-column', '0', '--text-column', '1,2', '--json'], { cwd, timeoutMs: 120_000 });
  assertOk(e, 'eval on the test file');
  const j = JSON.parse(e.stdout) as { documents: number; accuracy: number; classes: { name: string }[] };
  assert.equal(j.documents, 5600);
  assert.deepEqual(j.classes.map((c) => c.name), ['World', 'Sports', 'Business', 'Sci/Tech']);
  assert.ok(j.accuracy > 0.6, `accuracy ${j.accuracy} after 2,000 documents × 2 epochs (chance: 0.25)`);
});

test('classify: JSON Lines read with their "label" field; eval and predict cut and clean as training did; a batch of one short document', async () => {
  const cwd = tempDir('classify-json');
  const rows = docs(90, 3);
  writeFileSync(join(cwd, 'train.jsonl'), rows.map((d) => JSON.stringify({ label: d.label, text: `${d.title} ${d.body}` })).join('\n') + '\n');
  // training cut at 3 tokens: eval reports every longer document as cut, as the training data were
  const r = await rnnlabAsync(['classify', 'train', '--data', 'train.jsonl', '--max-len', '3', '--hidden', '8', '--embed', '8', '--max-steps', '3', '--out', 'short', '--quiet'], { cwd });
  assertOk(r, 'train on JSON Lines without --label-field');
  const e = JSON.parse((await rnnlabAsync(['classify', 'eval', '--model', 'short', '--data', 'train.jsonl', '--json'], { cwd })).stdout) as { cut: number; documents: number };
  assert.equal(e.documents, 90);
  assert.equal(e.cut, 90, 'every document is longer than 3 tokens and is cut at eval time too');
  // predict sees only the first 3 tokens: anything after them changes nothing
  const p = (text: string) => rnnlab(['classify', 'predict', '--model', 'short', '--text', text, '--json'], { cwd });
  const a = p('match goal team'), b = p('match goal team market shares bank software chip');
  assertOk(a, 'predict');
  assert.deepEqual(JSON.parse(b.stdout).probabilities, JSON.parse(a.stdout).probabilities);
  // --batch 1 with a CNN: a 2-token document leaves one real position after the first stride-2
  // block, where BatchNorm has no variance estimate; the checkpoint must stay usable
  writeFileSync(join(cwd, 'tiny.csv'), 'label,text\nsport,goal team\nmoney,market shares\nsport,coach\nmoney,bank\n');
  assertOk(await rnnlabAsync(['classify', 'train', '--data', 'tiny.csv', '--model', 'cnn', '--hidden', '4', '--embed', '4', '--batch', '1', '--epochs', '2', '--val-fraction', '0', '--out', 'one', '--quiet'], { cwd }), 'cnn --batch 1');
  assertOk(await rnnlabAsync(['classify', 'eval', '--model', 'one', '--data', 'tiny.csv'], { cwd }), 'eval after --batch 1');
});
