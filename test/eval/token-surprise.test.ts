/** Per-token surprise: its total is the stream evaluation of the same ids in one row, whatever the window; the alternatives are the most likely tokens. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import { drain, evaluateStream } from '../../src/eval/perplexity.js';
import { tokenSurprise } from '../../src/eval/token-surprise.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { Rng } from '../../src/util/rng.js';

function model(): LanguageModel {
  const m = new LanguageModel(new JsBackend('float32'), {
    vocabSize: 7, cell: 'lstm', activation: 'tanh', layers: 1, hidden: 5, embed: 3, dropout: 0, tieWeights: false, init: 'pytorch',
  });
  m.initialize(new Rng(3));
  return m;
}

test('token surprise sums to the one-row stream evaluation, for any window', () => {
  const m = model();
  const ids = Int32Array.from({ length: 41 }, (_, i) => (i * 3 + (i >> 2)) % 7);
  const want = evaluateStream(m, ids, 1, 16);
  for (const w of [1, 7, 40, 256]) {
    const r = drain(tokenSurprise(m, ids, 3, w));
    assert.equal(r.tokens, 40);
    assert.equal(r.perToken.length, 40);
    assert.ok(Math.abs(r.nll - want.nll) < 1e-4 * want.nll, `window ${w}: ${r.nll} vs ${want.nll}`);
    assert.ok(Math.abs(r.perplexity - want.perplexity) < 1e-4 * want.perplexity);
    assert.equal(r.bitsPerToken, r.loss / Math.LN2);
  }
});

test('each position names its token, p = exp(−nll), and the k most likely tokens in order', () => {
  const m = model();
  const ids = Int32Array.of(1, 2, 3, 4, 5, 6, 0, 1);
  const r = drain(tokenSurprise(m, ids, 7));
  r.perToken.forEach((t, i) => {
    assert.equal(t.index, i + 1);
    assert.equal(t.id, ids[i + 1]);
    assert.ok(Math.abs(t.p - Math.exp(-t.nll)) < 1e-12);
    // k = V: every token, probabilities summing to 1, the token itself among them with its p
    assert.equal(t.top.length, 7);
    for (let j = 1; j < t.top.length; j++) assert.ok(t.top[j - 1].p >= t.top[j].p);
    assert.ok(Math.abs(t.top.reduce((s, a) => s + a.p, 0) - 1) < 1e-9);
    assert.ok(Math.abs(t.top.find((a) => a.id === t.id)!.p - t.p) < 1e-9);
  });
  const r2 = drain(tokenSurprise(m, ids, 2));
  r2.perToken.forEach((t, i) => assert.deepEqual(t.top, r.perToken[i].top.slice(0, 2)));
  assert.equal(drain(tokenSurprise(m, Int32Array.of(3), 2)).tokens, 0);
});
