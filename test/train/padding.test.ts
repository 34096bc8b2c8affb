// Document batching: the loss of a padded batch equals the loss of its documents computed one
// by one — [PAD] positions count neither in the NLL nor in the number of predicted tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { documentBatches } from '../../src/text/batching/documents.js';
import { evaluateDocs } from '../../src/eval/perplexity.js';
import { Rng } from '../../src/util/rng.js';

test('a padded batch scores like its documents one by one, gradients included', () => {
  const be = new JsBackend('float64');
  const V = 12, PAD = 0, SOS = 1, EOS = 2;
  const model = new LanguageModel(be, { vocabSize: V, cell: 'lstm', activation: 'tanh', layers: 2, hidden: 6, embed: 4, dropout: 0, tieWeights: false, init: 'pytorch' });
  model.initialize(new Rng(3));
  const rng = new Rng(4);
  const docs = [3, 9, 5, 1].map((n) => Int32Array.from([SOS, ...Array.from({ length: n }, () => 3 + rng.int(V - 3)), EOS]));
  const [batch] = documentBatches(docs, { batchSize: 4, mode: 'pad', padId: PAD });
  assert.equal(batch.B, 4);
  const st = model.newState(4);
  model.zeroGrad();
  const r = model.forward(batch.x, batch.y, batch.B, batch.T, st, true, null, PAD);
  assert.equal(r.count, docs.reduce((s, d) => s + d.length - 1, 0));
  model.backward();
  const batchGrads = model.params().map((p) => Float64Array.from(p.grad.data));
  // one by one: NLL sums and gradients of Σ NLL
  let nll = 0, count = 0;
  const sumGrads = model.params().map((p) => new Float64Array(p.grad.size));
  for (const d of docs) {
    const s1 = model.newState(1);
    model.zeroGrad();
    const q = model.forward(d.subarray(0, d.length - 1), d.subarray(1), 1, d.length - 1, s1, true, null, PAD);
    model.backward();
    nll += q.nll;
    count += q.count;
    // backward gives the gradient of the mean over this document: scale back to a sum
    model.params().forEach((p, i) => { for (let j = 0; j < p.grad.size; j++) sumGrads[i][j] += p.grad.data[j] * q.count; });
  }
  assert.equal(r.count, count);
  assert.ok(Math.abs(r.nll - nll) < 1e-10 * nll, `batch NLL ${r.nll} vs one by one ${nll}`);
  batchGrads.forEach((g, i) => {
    for (let j = 0; j < g.length; j++) assert.ok(Math.abs(g[j] * count - sumGrads[i][j]) < 1e-9, `grad ${model.params()[i].name}[${j}]`);
  });
  const ev = evaluateDocs(model, docs, 3, PAD);
  assert.ok(Math.abs(ev.nll - nll) < 1e-10 * nll);
  assert.equal(ev.tokens, count);
});
