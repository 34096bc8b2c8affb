/** Evaluations report each batch scored, so a long file can show how far scoring has got; packed 16-bit ids score as 32-bit ones do. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import { evaluateDocs, evaluateStream } from '../../src/eval/perplexity.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { Rng } from '../../src/util/rng.js';

function model(): LanguageModel {
  const m = new LanguageModel(new JsBackend('float32'), {
    vocabSize: 7, cell: 'gru', activation: 'tanh', layers: 1, hidden: 4, embed: 3, dropout: 0, tieWeights: false, init: 'pytorch',
  });
  m.initialize(new Rng(5));
  return m;
}

test('stream and document evaluation report every batch, done of total, and score 16-bit ids as 32-bit ones', () => {
  const m = model();
  const ids = Int32Array.from({ length: 101 }, (_, i) => (i * 5) % 7);
  const seen: [number, number][] = [];
  const wide = evaluateStream(m, ids, 4, 8, undefined, (done, total) => seen.push([done, total]));
  // 100 targets in 4 rows of 25, windows of 8: 4 windows
  assert.deepEqual(seen, [[1, 4], [2, 4], [3, 4], [4, 4]]);
  assert.deepEqual(evaluateStream(m, Uint16Array.from(ids), 4, 8), wide);

  const docs = [Int32Array.of(1, 2, 3, 2), Int32Array.of(1, 4, 2), Int32Array.of(1, 5, 5, 6, 2)];
  const batches: [number, number][] = [];
  const byDocs = evaluateDocs(m, docs, 2, 0, undefined, undefined, (done, total) => batches.push([done, total]));
  assert.deepEqual(batches, [[1, 2], [2, 2]]);
  assert.deepEqual(evaluateDocs(m, docs.map((d) => Uint16Array.from(d)), 2, 0), byDocs);
});
