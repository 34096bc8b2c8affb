// The incremental decoder (prime once, then one token per step with the state carried) must
// see exactly the logits a full forward pass over the same prefix computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { LmStepModel } from '../../src/generate/lm-step-model.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from '../helpers.js';

for (const cell of ['lstm', 'gru', 'rnn'] as const) {
  test(`${cell}: prime + steps give the logits of one full forward pass`, () => {
    const be = new JsBackend('float64');
    const V = 13, T = 11;
    const model = new LanguageModel(be, { vocabSize: V, cell, activation: 'tanh', layers: 2, hidden: 9, embed: 5, dropout: 0.3, tieWeights: false, init: 'pytorch' });
    model.initialize(new Rng(5));
    const rng = new Rng(9);
    const seq = Int32Array.from({ length: T }, () => rng.int(V));
    const full = model.newState(1);
    model.forward(seq, null, 1, T, full, false, null);
    const want = Float64Array.from(model.logitsTensor().data.subarray(0, T * V));
    const sm = new LmStepModel(model);
    for (const k of [1, 4]) {
      // two rows decoded together, to exercise batching and reorder as well
      let st = sm.initState(2);
      const got: number[][] = [Array.from(sm.prime(st, seq.subarray(0, k)).subarray(0, V))];
      st = sm.reorder(st, Int32Array.from([1, 0]));
      for (let t = k; t < T; t++) got.push(Array.from(sm.step(st, Int32Array.from([seq[t], seq[t]])).subarray(V, 2 * V)));
      assertClose(`${cell} prime ${k}`, got.flat(), want.subarray((k - 1) * V), 1e-6); // StepModel hands out float32 logits
    }
  });
}

test('decoding gives its recurrent state back: repeated generation on the wasm heap does not grow it', async () => {
  const { createWasmBackend } = await import('../../src/backend/wasm/index.js');
  const { generate, STRATEGIES } = await import('../../src/generate/decode.js');
  const be = await createWasmBackend();
  const model = new LanguageModel(be, { vocabSize: 17, cell: 'lstm', activation: 'tanh', layers: 2, hidden: 24, embed: 8, dropout: 0, tieWeights: false, init: 'pytorch' });
  model.initialize(new Rng(3));
  const sm = new LmStepModel(model);
  const run = () => {
    for (const strategy of STRATEGIES) generate(sm, strategy, { prime: Int32Array.from([1, 2, 3]), maxTokens: 12, numSamples: 3, beams: 3, seed: 7, eosId: 0 });
  };
  run(); // first pass sizes the model's scratch buffers
  const before = be.heap.usedBytes;
  for (let i = 0; i < 5; i++) run();
  assert.equal(be.heap.usedBytes, before);

  // a callback that throws mid-decoding must not leak the state either (beams stream no tokens)
  for (const strategy of ['greedy', 'sample'] as const) {
    assert.throws(() => generate(sm, strategy, {
      prime: Int32Array.from([1, 2]), maxTokens: 8, numSamples: 2, beams: 2, seed: 1,
      onToken: () => { throw new Error('stop here'); },
    }), /stop here/);
  }
  assert.equal(be.heap.usedBytes, before);

  // releasing twice is harmless, using a released state is an error
  const st = sm.initState(2);
  sm.prime(st, Int32Array.from([4]));
  const moved = sm.reorder(st, Int32Array.from([0]));
  assert.throws(() => sm.step(st, Int32Array.from([1, 1])), /already released/);
  sm.release(moved);
  sm.release(moved);
  assert.equal(be.heap.usedBytes, before);
});
