import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sample } from '../../src/generate/decoders/sample.js';
import { distinctN, generationMetrics, meanLength, perplexity, repetitionRate, scoreSequences } from '../../src/generate/metrics.js';
import { MARKOV6, markovModel } from './toy-model.js';

describe('metrics', () => {
  it('distinct-n counts unique n-grams within each output over all n-grams', () => {
    assert.equal(distinctN([[1, 2, 1, 2]], 1), 2 / 4);
    assert.equal(distinctN([[1, 2, 1, 2]], 2), 2 / 3);
    // Identical outputs do not lower it; n-grams never span two outputs.
    assert.equal(distinctN([[1, 2, 3], [1, 2, 3]], 1), 1);
    assert.equal(distinctN([[1, 1], [2]], 2), 1);
    assert.ok(Number.isNaN(distinctN([[1]], 2)));
  });

  it('repetition rate is the share of 4-grams repeating an earlier one in the same output', () => {
    assert.equal(repetitionRate([[1, 2, 3, 4, 1, 2, 3, 4]]), 1 / 5); // 5 four-grams, "1 2 3 4" repeats once
    assert.equal(repetitionRate([[7, 7, 7, 7, 7, 7]]), 2 / 3);
    assert.equal(repetitionRate([[1, 2, 3, 4], [1, 2, 3, 4]]), 0);
  });

  it('perplexity is exp of the mean negative log-probability over all tokens', () => {
    assert.ok(Math.abs(perplexity([[Math.log(0.5), Math.log(0.25)], [Math.log(0.125)]]) - 4) < 1e-12);
    assert.ok(Number.isNaN(perplexity([[]])));
    assert.equal(meanLength([[1], [1, 2, 3]]), 2);
  });

  it("a sample's own perplexity from the decoder equals re-scoring it with the model, given the prime", () => {
    const model = markovModel(MARKOV6);
    const prime = Int32Array.from([0, 4]);
    const gens = sample(model, { prime, maxTokens: 12, numSamples: 6, seed: 4, eosId: 0, temperature: 0.6 });
    const seqs = gens.map((g) => (g.finishedBy === 'eos' ? [...g.ids, 0] : g.ids));
    const fresh = markovModel(MARKOV6);
    const scored = scoreSequences(fresh, prime, seqs);
    assert.equal(fresh.stats.primeCalls, 1, 'one batch, prime once');
    scored.forEach((lps, i) => lps.forEach((lp, j) => assert.ok(Math.abs(lp - gens[i].tokenLogProbs[j]) < 1e-12)));
    const m = generationMetrics(gens);
    assert.ok(Math.abs(m.perplexity - perplexity(scored)) < 1e-9);
    assert.equal(m.outputs, 6);
    assert.equal(m.meanLength, meanLength(gens.map((g) => g.ids)));
  });
});
