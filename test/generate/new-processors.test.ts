/**
 * The processors added with the hardening pass: epsilon and eta sampling (against hand-computed
 * thresholds from the formulas of HF transformers' EpsilonLogitsWarper / EtaLogitsWarper),
 * minTokensToKeep for every truncation filter, minimum length, banned sequences.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RnnlabError } from '../../src/errors.js';
import { greedy } from '../../src/generate/decoders/greedy.js';
import { sample } from '../../src/generate/decoders/sample.js';
import { beamSearch } from '../../src/generate/decoders/beam.js';
import { TokenHistory } from '../../src/generate/processors/history.js';
import { etaThreshold } from '../../src/generate/processors/eta.js';
import { validateSamplingOptions, type SamplingOptions } from '../../src/generate/processors/options.js';
import { processedDistribution, processLogits } from '../../src/generate/processors/pipeline.js';
import { letters, MARKOV6, markovModel } from './toy-model.js';

const logits = (probs: number[]): number[] => probs.map(Math.log);
const support = (p: Float64Array): number[] => [...p.keys()].filter((i) => p[i] > 0);
const kept = (probs: number[], o: SamplingOptions): number[] => support(processedDistribution(logits(probs), o));

describe('epsilon sampling', () => {
  it('drops tokens with p < ε and renormalises the rest', () => {
    const p = processedDistribution(logits([0.5, 0.3, 0.15, 0.05]), { epsilonCutoff: 0.1 });
    assert.deepEqual(support(p), [0, 1, 2]);
    for (const [i, x] of [0.5, 0.3, 0.15].entries()) assert.ok(Math.abs(p[i] - x / 0.95) < 1e-12);
  });
  it('keeps p = ε exactly (the test is p < ε, as HF)', () => {
    assert.deepEqual(kept([0.5, 0.25, 0.25], { epsilonCutoff: 0.25 }), [0, 1, 2]);
  });
  it('never empties the support: the most probable token stays, every tie with it too', () => {
    assert.deepEqual(kept([0.5, 0.3, 0.15, 0.05], { epsilonCutoff: 0.6 }), [0]);
    assert.deepEqual(kept([0.25, 0.25, 0.25, 0.25], { epsilonCutoff: 0.5 }), [0, 1, 2, 3]);
  });
});

describe('eta sampling', () => {
  // H of [0.5, 0.3, 0.15, 0.05] = 0.5·ln 2 + 0.3·ln(1/0.3) + 0.15·ln(1/0.15) + 0.05·ln 20 = 1.142118… nats
  const probs = [0.5, 0.3, 0.15, 0.05];
  const H = 1.1421181;
  it('the threshold is min(η, √η·exp(−H))', () => {
    const lp = logits(probs);
    // η = 0.4: √0.4·e^−H = 0.632456 × 0.319146 = 0.201845 < 0.4
    assert.ok(Math.abs(etaThreshold(probs, lp, 0.4) - Math.sqrt(0.4) * Math.exp(-H)) < 1e-6);
    assert.ok(Math.abs(etaThreshold(probs, lp, 0.4) - 0.201845) < 1e-5);
    // η = 0.05: √0.05·e^−H = 0.0714 > 0.05, so η itself
    assert.equal(etaThreshold(probs, lp, 0.05), 0.05);
  });
  it('keeps tokens at or above the threshold: η = 0.4 keeps {0.5, 0.3} where ε = 0.4 keeps only 0.5', () => {
    assert.deepEqual(kept(probs, { etaCutoff: 0.4 }), [0, 1]);
    assert.deepEqual(kept(probs, { epsilonCutoff: 0.4 }), [0]);
    assert.deepEqual(kept(probs, { etaCutoff: 0.05 }), [0, 1, 2, 3]);
  });
  it('a flat distribution gets a low floor: uniform over 4 with η = 0.5 keeps all (threshold √0.5/4 = 0.177)', () => {
    assert.deepEqual(kept([0.25, 0.25, 0.25, 0.25], { etaCutoff: 0.5 }), [0, 1, 2, 3]);
  });
  it('sees the distribution the earlier stages left (temperature first)', () => {
    // T = 0.5 squares and renormalises: [0.25,0.09,0.0225,0.0025]/0.365 = [0.685, 0.247, 0.062, 0.007]
    const out = kept(probs, { temperature: 0.5, etaCutoff: 0.1 });
    assert.deepEqual(out, [0, 1]);
  });
});

describe('minTokensToKeep', () => {
  it('top-k keeps max(k, n)', () => {
    assert.deepEqual(kept([0.4, 0.3, 0.2, 0.1], { topK: 1, minTokensToKeep: 3 }), [0, 1, 2]);
  });
  it('top-p, min-p, epsilon and eta keep the n most probable', () => {
    const probs = [0.6, 0.25, 0.1, 0.05];
    assert.deepEqual(kept(probs, { topP: 0.5 }), [0]);
    assert.deepEqual(kept(probs, { topP: 0.5, minTokensToKeep: 2 }), [0, 1]);
    assert.deepEqual(kept(probs, { minP: 0.9, minTokensToKeep: 3 }), [0, 1, 2]);
    assert.deepEqual(kept(probs, { epsilonCutoff: 0.7, minTokensToKeep: 2 }), [0, 1]);
    assert.deepEqual(kept(probs, { etaCutoff: 0.9, minTokensToKeep: 3 }), [0, 1, 2]);
  });
  it('typical keeps the n most typical, not the n most probable', () => {
    // p = [0.4, 0.3, 0.2, 0.1], H = 1.27985; |−ln p − H| = [0.364, 0.076, 0.330, 1.023]
    assert.deepEqual(kept([0.4, 0.3, 0.2, 0.1], { typical: 0.25 }), [1]);
    assert.deepEqual(kept([0.4, 0.3, 0.2, 0.1], { typical: 0.25, minTokensToKeep: 2 }), [1, 2]);
  });
  it('never brings back a masked token, and n larger than the vocabulary keeps what there is', () => {
    assert.deepEqual(kept([0.4, 0.3, 0.2, 0.1], { bannedIds: [1], topP: 0.1, minTokensToKeep: 3 }), [0, 2, 3]);
    assert.deepEqual(kept([0.4, 0.3, 0.2, 0.1], { bannedIds: [0, 1], epsilonCutoff: 0.9, minTokensToKeep: 10 }), [2, 3]);
  });
  it('property: every filter keeps at least min(n, finite tokens)', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 14 }),
      fc.constantFrom<SamplingOptions>({ topK: 1 }, { topP: 0.1 }, { minP: 0.99 }, { typical: 0.05 }, { epsilonCutoff: 0.9 }, { etaCutoff: 0.9 }),
      (row, n, o) => {
        const out = processLogits(row, { ...o, minTokensToKeep: n });
        const left = [...out].filter((x) => x > -Infinity).length;
        assert.ok(left >= Math.min(n, row.length), `${JSON.stringify(o)} n=${n}: ${left} left of ${row.length}`);
      },
    ));
  });
});

describe('minimum length', () => {
  const eosFirst = markovModel([
    [0.9, 0.05, 0.05],
    [0.9, 0.05, 0.05],
    [0.9, 0.05, 0.05],
  ]);
  const prime = Int32Array.from([1]);
  it('masks [EOS] until n tokens were generated, in greedy, sampling and beam search', () => {
    assert.equal(greedy(eosFirst, { prime, maxTokens: 10, eosId: 0 })[0].ids.length, 0);
    const g = greedy(eosFirst, { prime, maxTokens: 10, eosId: 0, minLength: 4 })[0];
    assert.deepEqual([g.ids.length, g.finishedBy], [4, 'eos']);
    for (const s of sample(eosFirst, { prime, maxTokens: 10, eosId: 0, minLength: 3, numSamples: 20, seed: 1 })) assert.ok(s.ids.length >= 3);
    for (const b of beamSearch(eosFirst, { prime, maxTokens: 10, eosId: 0, minLength: 2, beams: 3 })) assert.ok(b.ids.length >= 2, String(b.ids));
  });
  it('the pipeline counts generated tokens, not the prime', () => {
    const h = new TokenHistory([1, 2, 1]);
    assert.equal(h.generated, 0);
    assert.equal(processLogits([5, 1, 1], { minLength: 1, eosId: 0 }, h)[0], -Infinity);
    h.push(2);
    assert.equal(h.clone().generated, 1);
    assert.equal(processLogits([5, 1, 1], { minLength: 1, eosId: 0 }, h)[0], 5);
  });
  it('a stop string only counts once the output has n tokens', () => {
    const model = markovModel(MARKOV6);
    const at = (minLength?: number) => greedy(model, { prime: Int32Array.from([0]), maxTokens: 12, stop: 'b', detokenize: letters, minLength })[0];
    const early = at();
    assert.equal(early.finishedBy, 'stop');
    const late = at(5);
    assert.ok(late.ids.length >= 5, `${late.ids} ${late.text}`);
    if (late.finishedBy === 'stop') assert.ok(!late.text!.slice(letters(late.ids.slice(0, 5)).length).includes('b'));
  });
  it('is checked: an integer ≥ 0, at most maxTokens', () => {
    assert.throws(() => greedy(markovModel(MARKOV6), { prime, maxTokens: 3, minLength: 4 }), /minLength 4 is more than maxTokens 3/);
  });
});

describe('banned sequences', () => {
  it('masks the last token of a sequence whose other tokens end the history (prime included)', () => {
    const o = { banSequences: [[2, 3], [1]] };
    const out = processLogits([1, 1, 1, 1], o, [0, 2]);
    assert.deepEqual([...out].map((x) => x === -Infinity), [false, true, false, true]);
    assert.deepEqual([...processLogits([1, 1, 1, 1], o, [2, 0])].map((x) => x === -Infinity), [false, true, false, false]);
    assert.deepEqual([...processLogits([1, 1, 1, 1], { banSequences: [[0, 2, 3]] }, [2])].map((x) => x === -Infinity), [false, false, false, false]);
  });
  it('property: sampled outputs never contain a banned sequence', () => {
    const model = markovModel(MARKOV6);
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
      const banned = [[2, 3], [4, 5, 1]];
      const prime = Int32Array.from([1, 2]);
      for (const g of sample(model, { prime, maxTokens: 15, seed, numSamples: 4, banSequences: banned })) {
        const all = [...prime, ...g.ids].join(',');
        for (const b of banned) assert.ok(!`,${all},`.includes(`,${b.join(',')},`), `${all} holds ${b}`);
      }
    }), { numRuns: 30 });
  });
});

describe('validation of the new options', () => {
  const bad: [SamplingOptions, RegExp][] = [
    [{ epsilonCutoff: 0 }, /epsilonCutoff must be in \(0, 1\)/],
    [{ epsilonCutoff: 1 }, /epsilonCutoff/],
    [{ etaCutoff: 1.5 }, /etaCutoff/],
    [{ minTokensToKeep: 0 }, /minTokensToKeep/],
    [{ minTokensToKeep: 1.5 }, /minTokensToKeep/],
    [{ minLength: -1 }, /minLength/],
    [{ banSequences: [[]] }, /banSequences/],
    [{ banSequences: [[1, -2]] }, /banSequences/],
    [{ banSequences: 'ab' as unknown as number[][] }, /banSequences/],
  ];
  for (const [o, re] of bad) {
    it(`rejects ${JSON.stringify(o)}`, () => {
      assert.throws(() => validateSamplingOptions(o), (e: unknown) => e instanceof RnnlabError && re.test(e.message));
    });
  }
  it('range-checks banned sequences against the vocabulary', () => {
    assert.throws(() => validateSamplingOptions({ banSequences: [[1, 9]] }, 5), /outside the vocabulary/);
  });
});
