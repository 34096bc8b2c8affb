/**
 * Logits that are not numbers, on synthetic rows: −∞ (banned, masked or from the model) is never
 * emitted by any strategy; +∞ logits share the mass equally and never turn a row into NaN; a NaN
 * logit is an error naming where it came.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RnnlabError } from '../../src/errors.js';
import { generate, STRATEGIES } from '../../src/generate/decode.js';
import { drawIndex } from '../../src/generate/decoders/draw.js';
import { processedDistribution, processedLogProbs, processLogits } from '../../src/generate/processors/pipeline.js';
import { logProbAt, logSoftmax, logSumExp, softmax } from '../../src/generate/processors/softmax.js';
import { TableModel } from './toy-model.js';

const INF = Infinity;

describe('softmax helpers with +∞', () => {
  it('+∞ entries share the mass equally, finite and −∞ ones get none', () => {
    assert.deepEqual([...softmax([1, INF, -INF, INF, 0])], [0, 0.5, 0, 0.5, 0]);
    assert.deepEqual([...logSoftmax([1, INF, -INF, INF])], [-INF, -Math.LN2, -INF, -Math.LN2]);
    assert.equal(logSumExp([1, INF]), INF);
    assert.equal(logProbAt([1, INF, INF, INF], 2), -Math.log(3));
    assert.equal(logProbAt([1, INF], 0), -INF);
  });
  it('rows without +∞ are unchanged', () => {
    const p = softmax([0, Math.log(3)]);
    assert.ok(Math.abs(p[0] - 0.25) < 1e-15 && Math.abs(p[1] - 0.75) < 1e-15);
  });
});

describe('the pipeline with non-finite logits', () => {
  it('a NaN logit is an error naming the token', () => {
    assert.throws(() => processLogits([0, NaN, 1], {}), (e: unknown) => e instanceof RnnlabError && /NaN logits \(token 1 is NaN\)/.test(e.message));
  });
  it('+∞ tokens share the mass whatever the options; a banned +∞ token is out', () => {
    const raw = [3, INF, 2, INF, -INF];
    assert.deepEqual([...processedDistribution(raw, {})], [0, 0.5, 0, 0.5, 0]);
    for (const o of [{ temperature: 0.3 }, { temperature: 5 }, { topK: 1 }, { topP: 0.3 }, { minP: 0.9 }, { typical: 0.5 }, { alpha: 3 }, { repetitionPenalty: 2 }]) {
      const p = processedDistribution(raw, o, [1]);
      assert.ok(p.every((x) => Number.isFinite(x)), `${JSON.stringify(o)}: ${[...p]}`);
      assert.equal(p[4], 0, `${JSON.stringify(o)}: the −∞ token`);
      assert.equal(p[0] + p[2], 0, `${JSON.stringify(o)}: finite tokens get nothing beside +∞ ones`);
    }
    // top-k 1 keeps the lower id of the tie
    assert.deepEqual([...processedDistribution(raw, { topK: 1 })], [0, 1, 0, 0, 0]);
    // banned +∞: the rest is an ordinary row
    const p = processedDistribution(raw, { bannedIds: [1, 3] });
    assert.ok(Math.abs(p[0] - 1 / (1 + Math.exp(-1))) < 1e-12 && p[1] === 0 && p[3] === 0 && p[4] === 0);
    assert.equal(processedLogProbs(raw, {})[1], -Math.LN2);
  });
  it('a tiny temperature neither overflows to +∞ nor empties the row', () => {
    const p = processedDistribution([-5, -3, -4], { temperature: 1e-320 });
    assert.deepEqual([...p], [0, 1, 0]);
    const q = processedDistribution([500, 499], { alpha: 1e307 });
    assert.deepEqual([...q], [1, 0]);
  });
  it('drawIndex never returns a token whose probability is 0 or NaN', () => {
    assert.equal(drawIndex(Float64Array.from([NaN, NaN, NaN]), 0.5), -1);
    assert.equal(drawIndex(Float64Array.from([0, NaN, 0.5, 0]), 0.999), 2);
  });
});

describe('decoders with non-finite logits', () => {
  const V = 6;
  it('every strategy emits only +∞ tokens while the model gives +∞, never a −∞ (banned) one', () => {
    // token 5 is −∞ everywhere; tokens 1 and 3 are +∞
    const model = new TableModel(V, () => [0, INF, 0.5, INF, 1, -INF]);
    for (const strategy of STRATEGIES) {
      const gens = generate(model, strategy, { prime: Int32Array.of(0), maxTokens: 8, numSamples: 3, seed: 7, beams: 2, bannedIds: [3] });
      for (const g of gens) {
        assert.ok(g.ids.every((t) => t === 1), `${strategy}: ${g.ids}`);
        assert.ok(g.tokenLogProbs.every((lp) => Number.isFinite(lp)), `${strategy}: log-probs ${g.tokenLogProbs}`);
        // two +∞ tokens in the raw row: each has probability 1/2
        assert.ok(g.tokenLogProbs.every((lp) => Math.abs(lp + Math.LN2) < 1e-12), `${strategy}: ${g.tokenLogProbs}`);
      }
    }
  });
  it('a NaN logit stops decoding with the generated position and the sample', () => {
    // NaN once three tokens have been generated after the one-token prime
    const model = new TableModel(V, (h) => (h.length >= 4 ? [0, NaN, 0, 0, 0, 0] : [0, 1, 2, 3, 4, 5]));
    for (const strategy of STRATEGIES) {
      assert.throws(
        () => generate(model, strategy, { prime: Int32Array.of(0), maxTokens: 10, numSamples: 2, seed: 1, beams: 2 }),
        (e: unknown) => e instanceof RnnlabError && /the model produced NaN logits for generated token 4 of sample 1 \(after 3 generated; token id 1 is NaN\)/.test(e.message),
        strategy,
      );
    }
  });
  it('property: sampling never emits a token whose logit is −∞ or banned, whatever mix of ±∞ the row holds', () => {
    const cell = fc.oneof(fc.double({ min: -50, max: 50, noNaN: true }), fc.constant(INF), fc.constant(-INF));
    fc.assert(fc.property(
      fc.array(cell, { minLength: 2, maxLength: 8 }), fc.array(fc.nat(7), { maxLength: 3 }), fc.integer({ min: 0, max: 1000 }),
      fc.record({ temperature: fc.constantFrom(undefined, 0, 0.01, 1, 3), topK: fc.constantFrom(undefined, 1, 2), topP: fc.constantFrom(undefined, 0.5, 0.9) }),
      (row, banned, seed, opts) => {
        const bannedIds = banned.filter((b) => b < row.length);
        const allowed = row.map((l, i) => l > -INF && !bannedIds.includes(i));
        if (!allowed.some(Boolean)) return; // nothing may be emitted: an error, tested elsewhere
        const o = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
        const model = new TableModel(row.length, () => row);
        for (const strategy of STRATEGIES) {
          for (const g of generate(model, strategy, { prime: Int32Array.of(0), maxTokens: 3, numSamples: 2, seed, beams: 2, bannedIds, ...o })) {
            for (const t of g.ids) assert.ok(allowed[t], `${strategy} emitted ${t} from [${row}] banning [${bannedIds}] with ${JSON.stringify(o)}`);
            if (row.includes(INF)) for (const t of g.ids) assert.ok(row[t] === INF || row.every((l, i) => l !== INF || !allowed[i]), `${strategy}: ${t} beside an allowed +∞`);
          }
        }
      },
    ), { numRuns: 300, seed: 42 });
  });
});
