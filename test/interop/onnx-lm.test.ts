/**
 * ONNX export of language models, run with onnxruntime-node against rnnlab's forward pass
 * (reference backend): every cell (LSTM, GRU, RNN tanh, RNN relu), embedded and one-hot input,
 * tied weights, 1 and 2 layers, batches of 1 and 3, with the initial states left to their zero
 * defaults and fed. Logits and final states must agree within 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import { exportOnnx } from '../../src/interop/onnx/export.js';
import { decodeOnnxModel } from '../../src/interop/onnx/proto.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { Rng } from '../../src/util/rng.js';
import { assertWithin, float32, int64, ort, randomFloats, randomIds, runOnnx } from './onnx-helpers.js';

const V = 11, H = 6, T = 5;

interface Case {
  cell: 'lstm' | 'gru' | 'rnn';
  activation: 'tanh' | 'relu';
  layers: number;
  input: 'embed' | 'onehot' | 'tied';
}

const cases: Case[] = [];
for (const [cell, activation] of [['lstm', 'tanh'], ['gru', 'tanh'], ['rnn', 'tanh'], ['rnn', 'relu']] as const) {
  for (const input of ['embed', 'onehot', 'tied'] as const) for (const layers of [1, 2]) cases.push({ cell, activation, layers, input });
}

function build(c: Case, seed: number): LanguageModel {
  const embed = c.input === 'onehot' ? 0 : c.input === 'tied' ? H : 4;
  const m = new LanguageModel(new JsBackend(), {
    vocabSize: V, cell: c.cell, activation: c.activation, layers: c.layers, hidden: H, embed, dropout: 0.3, tieWeights: c.input === 'tied', init: 'uniform:0.6',
  });
  m.initialize(new Rng(seed));
  return m;
}

/** rnnlab's logits [B,T,V] (batch-first) and final states [L,B,H] from the given initial states. */
function reference(m: LanguageModel, ids: Int32Array, B: number, h0: Float32Array | null, c0: Float32Array | null) {
  const L = m.config.layers, st = m.newState(B);
  for (let l = 0; l < L; l++) {
    if (h0) st.h[l].data.set(h0.subarray(l * B * H, (l + 1) * B * H));
    if (c0 && st.c) st.c[l].data.set(c0.subarray(l * B * H, (l + 1) * B * H));
  }
  m.forward(ids, null, B, T, st, false, null);
  const tm = m.logitsTensor().data, logits = new Float32Array(B * T * V);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) logits[(b * T + t) * V + v] = tm[(t * B + b) * V + v];
  const cat = (ts: { data: ArrayLike<number> }[]) => Float32Array.from(ts.flatMap((x) => Array.from(x.data)));
  return { logits, hn: cat(st.h), cn: st.c ? cat(st.c) : null };
}

const metadata = { format: 'rnnlab/2', arch: 'lm', config: '{}', vocab: '["a","b"]', tokenizer: '{"kind":"char"}', train_state: '{}' };

for (const [i, c] of cases.entries()) {
  const name = `${c.cell}${c.cell === 'rnn' ? ` ${c.activation}` : ''}, ${c.input} input, ${c.layers} layer${c.layers > 1 ? 's' : ''}`;
  test(`ONNX language model matches rnnlab: ${name}`, async (t) => {
    const m = build(c, 100 + i), L = c.layers, lstm = c.cell === 'lstm', rng = new Rng(7 + i);
    const withDefaults = exportOnnx({ model: m, metadata: { ...metadata, config: JSON.stringify(m.config) } }, { opset: 17 });
    const withInputs = exportOnnx({ model: m, metadata }, { opset: 17, stateInputs: true });
    let worst = 0;
    for (const B of [1, 3]) {
      const ids = randomIds(rng, B * T, V);
      // states left to their defaults: feeding input_ids alone works for any batch size
      const want = reference(m, ids, B, null, null);
      const got = await runOnnx(withDefaults, { input_ids: int64(ids, [B, T]) });
      assert.deepEqual(got.logits.dims, [B, T, V]);
      assert.deepEqual(got.h_n.dims, [L, B, H]);
      worst = Math.max(worst, assertWithin(`B=${B} logits`, got.logits.data as Float32Array, want.logits));
      worst = Math.max(worst, assertWithin(`B=${B} h_n`, got.h_n.data as Float32Array, want.hn));
      if (lstm) worst = Math.max(worst, assertWithin(`B=${B} c_n`, got.c_n.data as Float32Array, want.cn!));
      // states fed
      const h0 = randomFloats(rng, L * B * H, 0.8), c0 = lstm ? randomFloats(rng, L * B * H, 0.8) : null;
      const wantS = reference(m, ids, B, h0, c0);
      const feeds: Record<string, ort.Tensor> = { input_ids: int64(ids, [B, T]), h0: float32(h0, [L, B, H]) };
      if (c0) feeds.c0 = float32(c0, [L, B, H]);
      const gotS = await runOnnx(withInputs, feeds);
      worst = Math.max(worst, assertWithin(`B=${B} fed states: logits`, gotS.logits.data as Float32Array, wantS.logits));
      worst = Math.max(worst, assertWithin(`B=${B} fed states: h_n`, gotS.h_n.data as Float32Array, wantS.hn));
      if (lstm) worst = Math.max(worst, assertWithin(`B=${B} fed states: c_n`, gotS.c_n.data as Float32Array, wantS.cn!));
    }
    t.diagnostic(`max |difference| ${worst.toExponential(2)}`);
  });
}

test('ONNX language model: inputs, outputs, metadata and producer', async () => {
  const m = build({ cell: 'lstm', activation: 'tanh', layers: 2, input: 'embed' }, 1);
  const bytes = exportOnnx({ model: m, metadata }, { opset: 14 });
  const s = await ort.InferenceSession.create(bytes);
  assert.deepEqual(s.inputNames, ['input_ids']);
  assert.deepEqual(s.outputNames, ['logits', 'h_n', 'c_n']);
  await s.release();
  const s2 = await ort.InferenceSession.create(exportOnnx({ model: m, metadata }, { stateInputs: true }));
  assert.deepEqual(s2.inputNames, ['input_ids', 'h0', 'c0']);
  // a [layers,1,hidden] state serves every row of the batch
  const rng = new Rng(3), B = 3, L = 2, ids = randomIds(rng, B * T, V);
  const h1 = randomFloats(rng, L * H), c1 = randomFloats(rng, L * H);
  const rows = (s: Float32Array) => Float32Array.from({ length: L * B * H }, (_, i) => s[Math.floor(i / (B * H)) * H + (i % H)]);
  const want = reference(m, ids, B, rows(h1), rows(c1));
  const got = (await s2.run({ input_ids: int64(ids, [B, T]), h0: float32(h1, [L, 1, H]), c0: float32(c1, [L, 1, H]) })) as Record<string, ort.Tensor>;
  assertWithin('logits from a broadcast state', got.logits.data as Float32Array, want.logits);
  assertWithin('h_n from a broadcast state', got.h_n.data as Float32Array, want.hn);
  await s2.release();
  const p = decodeOnnxModel(bytes) as { producerName: string; producerVersion: string; irVersion: number; opsetImport: { version: number }[]; metadataProps: { key: string; value: string }[] };
  assert.equal(p.producerName, 'rnnlab');
  assert.match(p.producerVersion, /^\d+\.\d+\.\d+/);
  assert.equal(p.irVersion, 7);
  assert.deepEqual(p.opsetImport.map((o) => o.version), [14]);
  const props = Object.fromEntries(p.metadataProps.map((e) => [e.key, e.value]));
  assert.equal(props.vocab, metadata.vocab);
  assert.equal(props.tokenizer, metadata.tokenizer);
  assert.equal(props.arch, 'lm');
  assert.ok(!('train_state' in props), 'training state stays out of the .onnx file');
});

test('ONNX export refuses an opset before 14 and one it does not know', () => {
  const m = build({ cell: 'gru', activation: 'tanh', layers: 1, input: 'embed' }, 2);
  assert.throws(() => exportOnnx({ model: m, metadata }, { opset: 13 }), /needs --opset 14 or later/);
  assert.throws(() => exportOnnx({ model: m, metadata }, { opset: 22 }), /newer than this exporter knows/);
});
