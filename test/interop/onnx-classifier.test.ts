/**
 * ONNX export of classifiers, run with onnxruntime-node against rnnlab's forward pass
 * (reference backend) on ragged batches: CNNs (max and mean pooling, 1 and 2 blocks, several
 * kernels and strides, trained BatchNorm statistics) and RNN / GRU / LSTM stacks, one- and
 * bidirectional, pooled by last token, max and mean. Logits within 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import { exportOnnx } from '../../src/interop/onnx/export.js';
import { Classifier, type ClassifierConfig } from '../../src/nn/classifier.js';
import { BatchNorm1d } from '../../src/nn/layers/batchnorm.js';
import { Sequential } from '../../src/nn/layers/sequential.js';
import { Rng } from '../../src/util/rng.js';
import { assertWithin, int64, ort, randomIds, runOnnx } from './onnx-helpers.js';

const V = 13, C = 3, T = 9;

type Case = Pick<ClassifierConfig, 'model' | 'layers' | 'bidirectional' | 'pool' | 'kernel' | 'stride'> & { lengths: number[] };

const cases: Case[] = [
  { model: 'cnn', pool: 'max', layers: 1, bidirectional: false, kernel: 3, stride: 2, lengths: [9, 1, 4, 7] },
  { model: 'cnn', pool: 'mean', layers: 2, bidirectional: false, kernel: 3, stride: 1, lengths: [2, 9, 5, 1] },
  { model: 'cnn', pool: 'max', layers: 2, bidirectional: false, kernel: 4, stride: 2, lengths: [4, 9, 6, 5] },
  { model: 'cnn', pool: 'mean', layers: 1, bidirectional: false, kernel: 2, stride: 3, lengths: [9, 3, 1, 8] },
  { model: 'rnn', pool: 'last', layers: 1, bidirectional: false, kernel: 3, stride: 2, lengths: [9, 1, 4, 6] },
  { model: 'rnn', pool: 'max', layers: 2, bidirectional: true, kernel: 3, stride: 2, lengths: [3, 9, 1, 7] },
  { model: 'gru', pool: 'last', layers: 2, bidirectional: true, kernel: 3, stride: 2, lengths: [9, 2, 5, 1] },
  { model: 'gru', pool: 'mean', layers: 1, bidirectional: true, kernel: 3, stride: 2, lengths: [4, 9, 9, 2] },
  { model: 'gru', pool: 'max', layers: 1, bidirectional: false, kernel: 3, stride: 2, lengths: [1, 8, 9, 3] },
  { model: 'lstm', pool: 'last', layers: 2, bidirectional: true, kernel: 3, stride: 2, lengths: [6, 1, 9, 4] },
  { model: 'lstm', pool: 'max', layers: 1, bidirectional: true, kernel: 3, stride: 2, lengths: [9, 5, 2, 8] },
  { model: 'lstm', pool: 'mean', layers: 2, bidirectional: false, kernel: 3, stride: 2, lengths: [3, 9, 7, 1] },
  { model: 'lstm', pool: 'last', layers: 1, bidirectional: false, kernel: 3, stride: 2, lengths: [9, 9, 9] },
];

const metadata = { format: 'rnnlab/2', arch: 'classifier', config: '{}', vocab: '[]', tokenizer: '{}' };

function build(c: Case, seed: number): Classifier {
  const m = new Classifier(new JsBackend(), { vocabSize: V, classes: C, embed: 5, hidden: 4, dropout: 0.4, ...c });
  const rng = new Rng(seed);
  m.initialize(rng);
  // trained-looking BatchNorm: γ, β and running statistics away from their initial 1, 0, 0, 1
  if (m.body instanceof Sequential) {
    for (const l of m.body.layers) {
      if (!(l instanceof BatchNorm1d)) continue;
      for (const [p, lo, hi] of [[l.weight.value, 0.5, 1.5], [l.bias.value, -0.5, 0.5], [l.runningMean.value, -0.3, 0.3], [l.runningVar.value, 0.2, 2]] as const) {
        for (let i = 0; i < p.data.length; i++) p.data[i] = lo + (hi - lo) * rng.next();
      }
    }
  }
  return m;
}

function describe(c: Case): string {
  return c.model === 'cnn'
    ? `cnn ${c.layers} block${c.layers > 1 ? 's' : ''}, kernel ${c.kernel} stride ${c.stride}, ${c.pool} pooling`
    : `${c.bidirectional ? 'bidirectional ' : ''}${c.model} ${c.layers} layer${c.layers > 1 ? 's' : ''}, ${c.pool} pooling`;
}

for (const [i, c] of cases.entries()) {
  test(`ONNX classifier matches rnnlab on a ragged batch: ${describe(c)}`, async (t) => {
    const m = build(c, 50 + i), B = c.lengths.length, rng = new Rng(90 + i);
    const ids = randomIds(rng, B * T, V), lengths = Int32Array.from(c.lengths);
    m.forward(ids, lengths, B, T, null, false, null);
    const want = m.logits();
    const got = await runOnnx(exportOnnx({ model: m, metadata }), { input_ids: int64(ids, [B, T]), lengths: int64(lengths, [B]) });
    assert.deepEqual(got.logits.dims, [B, C]);
    const d = assertWithin('logits', got.logits.data as Float32Array, want);
    const probs = got.probabilities.data as Float32Array;
    for (let b = 0; b < B; b++) {
      const row = Array.from(want.subarray(b * C, (b + 1) * C)), max = Math.max(...row);
      const z = row.reduce((s, v) => s + Math.exp(v - max), 0);
      assertWithin(`row ${b} probabilities`, probs.subarray(b * C, (b + 1) * C), row.map((v) => Math.exp(v - max) / z), 1e-5);
    }
    // padding changes nothing: the same rows with other tokens in their padding
    const noisy = ids.slice();
    for (let b = 0; b < B; b++) for (let tt = c.lengths[b]; tt < T; tt++) noisy[b * T + tt] = (noisy[b * T + tt] + 5) % V;
    const again = await runOnnx(exportOnnx({ model: m, metadata }), { input_ids: int64(noisy, [B, T]), lengths: int64(lengths, [B]) });
    assertWithin('logits with other padding', again.logits.data as Float32Array, want);
    t.diagnostic(`max |difference| ${d.toExponential(2)}`);
  });
}

test('ONNX classifier: a row rnnlab refuses (length 0, or longer than the batch) gets NaN logits, the others stay right', async () => {
  const c = cases[1], m = build(c, 3), rng = new Rng(4), B = 3;
  const ids = randomIds(rng, B * T, V);
  const got = await runOnnx(exportOnnx({ model: m, metadata }), { input_ids: int64(ids, [B, T]), lengths: int64([0, 5, T + 1], [B]) });
  const logits = got.logits.data as Float32Array;
  assert.ok([0, 1, 2].every((k) => Number.isNaN(logits[k])), 'row 0: NaN');
  assert.ok([6, 7, 8].every((k) => Number.isNaN(logits[k])), 'row 2: NaN');
  m.forward(ids.subarray(T, 2 * T), Int32Array.from([5]), 1, T, null, false, null);
  assertWithin('row 1', logits.subarray(3, 6), m.logits());
  // kernel 4 needs 2 real tokens: rnnlab refuses a row of 1, the export gives it NaN
  const k4 = build(cases[2], 6), ids2 = randomIds(rng, 2 * T, V);
  const got2 = await runOnnx(exportOnnx({ model: k4, metadata }), { input_ids: int64(ids2, [2, T]), lengths: int64([1, 6], [2]) });
  const l2 = got2.logits.data as Float32Array;
  assert.ok([0, 1, 2].every((k) => Number.isNaN(l2[k])), 'a row too short for the kernel: NaN');
  assert.throws(() => k4.forward(ids2.subarray(0, T), Int32Array.from([1]), 1, T, null, false, null), /too short for a kernel of 4/);
  k4.forward(ids2.subarray(T), Int32Array.from([6]), 1, T, null, false, null);
  assertWithin('the other row', l2.subarray(3, 6), k4.logits());
});

test('ONNX classifier: inputs and outputs', async () => {
  const s = await ort.InferenceSession.create(exportOnnx({ model: build(cases[6], 5), metadata }));
  assert.deepEqual(s.inputNames, ['input_ids', 'lengths']);
  assert.deepEqual(s.outputNames, ['logits', 'probabilities']);
  await s.release();
});

test('ONNX export runs at every opset from 14 to 21 (ReduceMax takes its axes as an input from 18 on)', async () => {
  const c = cases[10], m = build(c, 8), B = c.lengths.length, rng = new Rng(9);
  const ids = randomIds(rng, B * T, V), lengths = Int32Array.from(c.lengths);
  m.forward(ids, lengths, B, T, null, false, null);
  const want = m.logits();
  for (let opset = 14; opset <= 21; opset++) {
    const got = await runOnnx(exportOnnx({ model: m, metadata }, { opset }), { input_ids: int64(ids, [B, T]), lengths: int64(lengths, [B]) });
    assertWithin(`opset ${opset}`, got.logits.data as Float32Array, want);
  }
});
