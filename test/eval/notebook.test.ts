/**
 * The notebook figure (src/eval/notebook.ts) on hand-computed cases: the formula on its own, and
 * through a stream and a document evaluation with a model whose prediction is fixed (decoder
 * weight zero, so the logits are the decoder bias whatever the input) and every loss is known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import { DocumentLosses, documentAt, notebookPerplexity } from '../../src/eval/notebook.js';
import { evaluateDocs, evaluateStream } from '../../src/eval/perplexity.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { Rng } from '../../src/util/rng.js';

const close = (got: number, want: number, what: string, rel = 1e-6) =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: ${got} vs ${want}`);

test('notebookPerplexity: the mean over documents of 2^(mean nats), documents without targets left out', () => {
  // document 1: 3 nats over 3 tokens → 2^1 = 2; document 2: 4 nats over 2 tokens → 2^2 = 4; mean 3
  assert.equal(notebookPerplexity([{ nll: 3, count: 3 }, { nll: 4, count: 2 }, { nll: 0, count: 0 }]), 3);
  // one document: 2^(mean loss), where the perplexity would be e^(mean loss)
  assert.equal(notebookPerplexity([{ nll: 5, count: 5 }]), 2);
  assert.ok(Number.isNaN(notebookPerplexity([])));
});

test('documentAt: the last document starting at or before a position', () => {
  const starts = [0, 3, 3, 7];
  assert.deepEqual([0, 1, 2, 3, 4, 6, 7, 100].map((p) => documentAt(starts, p)), [0, 0, 0, 2, 2, 2, 3, 3]);
  assert.equal(documentAt([0], 5), 0);
});

/** A model predicting softmax(bias) at every position. */
function fixedModel(bias: number[]): LanguageModel {
  const m = new LanguageModel(new JsBackend('float32'), {
    vocabSize: bias.length, cell: 'lstm', activation: 'tanh', layers: 1, hidden: 4, embed: 2, dropout: 0, tieWeights: false, init: 'pytorch',
  });
  m.initialize(new Rng(3));
  m.decoderWeight.value.data.fill(0);
  m.decoderBias.value.data.set(bias);
  return m;
}

test('notebook figure of a stream: targets grouped by the document they fall in', () => {
  // p = (1/8, 2/8, 5/8) for ids 0, 1, 2: −log p = ln 8, ln 4, ln 1.6.
  const m = fixedModel([0, Math.log(2), Math.log(5)]);
  // two documents: [0 1 2] and [2 2]; one row, so targets are ids[1..4] = 1, 2 | 2, 2
  const ids = Int32Array.from([0, 1, 2, 2, 2]);
  const losses = new DocumentLosses(2);
  const r = evaluateStream(m, ids, 1, 3, { starts: [0, 3], losses });
  // document 0: (ln 4 + ln 1.6) / 2 = ln 6.4 / 2 → 2^0.928149 = 1.902833; document 1: ln 1.6 → 2^0.470004 = 1.385113
  close(losses.perplexity, (1.902833 + 1.385113) / 2, 'notebook');
  close(losses.perplexity, 1.643973, 'notebook, the number');
  assert.deepEqual(losses.losses.map((d) => d.count), [2, 2]);
  // the standard figure of the same pass: e^((ln 4 + 3 ln 1.6) / 4) = 2.011893
  close(r.perplexity, 2.011893, 'perplexity');
  close(r.nll, losses.losses.reduce((s, d) => s + d.nll, 0), 'the per-target losses add up to the kernel\'s total');
});

test('notebook figure of padded documents: [PAD] targets belong to no document', () => {
  // ids 0 = [PAD], 1 = [SOS], 2, 3: p = (1/9, 1/9, 2/9, 5/9); −log p(2) = ln 4.5, −log p(3) = ln 1.8
  const m = fixedModel([0, 0, Math.log(2), Math.log(5)]);
  const docs = [Int32Array.from([1, 2, 3]), Int32Array.from([1, 3])];
  for (const B of [1, 2]) {
    const losses = new DocumentLosses(docs.length);
    const r = evaluateDocs(m, docs, B, 0, undefined, losses);
    // document 0: (ln 4.5 + ln 1.8) / 2 = ln 8.1 / 2 → 2.064700; document 1: ln 1.8 → 2^0.587787 = 1.502939
    close(losses.perplexity, (2.064700 + 1.502939) / 2, `notebook, batch ${B}`);
    assert.equal(losses.documents, 2);
    // the standard figure: e^((ln 4.5 + 2 ln 1.8) / 3) = 2.442976
    close(r.perplexity, 2.442976, `perplexity, batch ${B}`);
    assert.equal(r.tokens, 3);
  }
});
