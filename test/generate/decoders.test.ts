import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { beamSample } from '../../src/generate/decoders/beam-sample.js';
import { lengthNormalised } from '../../src/generate/decoders/beam-engine.js';
import { beamSearch } from '../../src/generate/decoders/beam.js';
import { greedy } from '../../src/generate/decoders/greedy.js';
import type { Generation } from '../../src/generate/decoders/options.js';
import { sample } from '../../src/generate/decoders/sample.js';
import { processedDistribution } from '../../src/generate/processors/pipeline.js';
import { logSoftmax } from '../../src/generate/processors/softmax.js';
import { hashModel, letters, MARKOV6, markovModel, treeModel } from './toy-model.js';

const prime = Int32Array.from([0]);
const EOS = 0;

/** Raw log p of `ids` (+ EOS when finished by it) recomputed from the model's table. */
function rawLogProbs(model: ReturnType<typeof markovModel>, p: Int32Array, g: Generation): number[] {
  const seq = g.finishedBy === 'eos' ? [...g.ids, EOS] : g.ids;
  const hist = [...p];
  return seq.map((t) => {
    const lp = logSoftmax(model.logits(hist))[t];
    hist.push(t);
    return lp;
  });
}

/** The tree where greedy is not optimal: A (.6) then a flat .34/.33/.33; B (.4) then B (.9). Then [EOS]. */
function tree() {
  const end = [1, 0, 0, 0, 0];
  return treeModel(5, 1, { '': [0, 0.6, 0.4, 0, 0], '1': [0, 0.34, 0.33, 0.33, 0], '2': [0, 0.1, 0.9, 0, 0] }, end);
}

describe('greedy', () => {
  it('picks the argmax at every step, feeding each token once', () => {
    const model = markovModel(MARKOV6);
    const [g] = greedy(model, { prime: Int32Array.from([0, 3]), maxTokens: 12, eosId: -1 });
    const hist = [0, 3];
    for (const t of g.ids) {
      const l = model.logits(hist);
      assert.equal(t, l.indexOf(Math.max(...l)));
      hist.push(t);
    }
    assert.equal(g.ids.length, 12);
    assert.equal(g.finishedBy, 'length');
    assert.equal(model.stats.primeCalls, 1);
    assert.equal(model.stats.stepCalls, 11, 'no step after the last token');
    assert.equal(model.stats.tokensFed, 2 + 11);
    const want = rawLogProbs(model, Int32Array.from([0, 3]), g);
    assert.deepEqual(g.tokenLogProbs.map((x) => x.toFixed(12)), want.map((x) => x.toFixed(12)));
  });

  it('stops at [EOS], which is scored but not in ids', () => {
    const [g] = greedy(tree(), { prime: Int32Array.from([4]), maxTokens: 10, eosId: EOS });
    assert.deepEqual(g.ids, [1, 1]);
    assert.equal(g.finishedBy, 'eos');
    assert.equal(g.tokenLogProbs.length, 3);
    assert.ok(Math.abs(g.logProb - Math.log(0.6 * 0.34)) < 1e-6);
  });

  it('returns empty outputs for maxTokens 0 without running the model', () => {
    const model = markovModel(MARKOV6);
    const gens = greedy(model, { prime, maxTokens: 0, numSamples: 2 });
    assert.deepEqual(gens.map((g) => [g.ids, g.finishedBy]), [[[], 'length'], [[], 'length']]);
    assert.equal(model.stats.primeCalls, 0);
  });
});

describe('sample', () => {
  it('top-k never emits a token outside the k best', () => {
    const model = markovModel(MARKOV6);
    const gens = sample(model, { prime, maxTokens: 30, numSamples: 40, topK: 2, seed: 1 });
    for (const g of gens) {
      const hist = [0];
      for (const t of g.ids) {
        const l = Array.from(model.logits(hist));
        const best2 = l.map((x, i) => [x, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 2).map(([, i]) => i);
        assert.ok(best2.includes(t), `token ${t} after ${hist}`);
        hist.push(t);
      }
    }
  });

  for (const opts of [{}, { temperature: 0.7, topK: 4, repetitionPenalty: 1.5 }, { topP: 0.8, alpha: 1.5 }, { typical: 0.9 }, { minP: 0.3, temperature: 1.4 }]) {
    it(`frequencies match the processed distribution ${JSON.stringify(opts)} (χ², 20000 draws)`, () => {
      const model = markovModel(MARKOV6);
      const p2 = Int32Array.from([0, 2, 3]);
      const draws = 20000;
      const gens = sample(model, { ...opts, prime: p2, maxTokens: 1, numSamples: draws, seed: 42 });
      assert.equal(model.stats.primeCalls, 1);
      assert.equal(model.stats.maxBatch, draws, 'all samples are one batch');
      const expected = processedDistribution(model.logits([...p2]), opts, [...p2]);
      const counts = new Array(6).fill(0);
      for (const g of gens) counts[g.ids[0]]++;
      let chi2 = 0;
      let df = -1;
      for (let i = 0; i < 6; i++) {
        if (expected[i] === 0) {
          assert.equal(counts[i], 0, `token ${i} is outside the processed support`);
          continue;
        }
        df++;
        chi2 += (counts[i] - draws * expected[i]) ** 2 / (draws * expected[i]);
      }
      // 99.9% quantile of χ²(df) (Wilson–Hilferty): a correct sampler fails this 1 time in 1000.
      const z = 3.09;
      const bound = df === 0 ? 0 : df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
      assert.ok(chi2 <= bound, `χ² ${chi2.toFixed(2)} > ${bound.toFixed(2)} (df ${df}); counts ${counts}`);
    });
  }

  it('the same seed reproduces the output; another seed changes it', () => {
    const run = (seed: number) => sample(markovModel(MARKOV6), { prime, maxTokens: 40, numSamples: 3, seed, eosId: EOS });
    assert.deepEqual(run(9), run(9));
    assert.notDeepEqual(run(9).map((g) => g.ids), run(10).map((g) => g.ids));
  });

  it('row r depends only on (seed, r): the first k rows of a batch of N equal a batch of k', () => {
    // [EOS] ends rows at different steps, so the batch shrinks while the others continue.
    const run = (n: number) => sample(markovModel(MARKOV6), { prime, maxTokens: 25, numSamples: n, seed: 5, eosId: EOS, temperature: 1.2 });
    const big = run(16);
    assert.ok(new Set(big.map((g) => g.ids.length)).size > 2, 'rows finish at different times');
    assert.deepEqual(run(3), big.slice(0, 3));
    assert.deepEqual(run(1)[0], big[0]);
  });

  it('feeds each token once and drops finished rows from the batch', () => {
    const model = markovModel(MARKOV6);
    const gens = sample(model, { prime: Int32Array.from([0, 1]), maxTokens: 20, numSamples: 8, seed: 3, eosId: EOS });
    assert.equal(model.stats.primeCalls, 1);
    // Every generated token except each row's last one is fed back exactly once.
    const fed = gens.reduce((a, g) => a + g.tokenLogProbs.length - 1, 0);
    assert.equal(model.stats.tokensFed, 2 * 8 + fed);
  });

  it('reports raw log-probabilities, not processed ones', () => {
    const model = markovModel(MARKOV6);
    const [g] = sample(model, { prime, maxTokens: 10, seed: 2, temperature: 0.5, topK: 3, eosId: EOS });
    const want = rawLogProbs(model, prime, g);
    g.tokenLogProbs.forEach((lp, i) => assert.ok(Math.abs(lp - want[i]) < 1e-12));
    assert.ok(Math.abs(g.logProb - want.reduce((a, b) => a + b, 0)) < 1e-12);
  });

  it('streams every output token through onToken, in order', () => {
    const seen: number[][] = [[], [], [], []];
    const gens = sample(markovModel(MARKOV6), { prime, maxTokens: 15, numSamples: 4, seed: 8, eosId: EOS, onToken: (r, id) => seen[r].push(id) });
    assert.deepEqual(seen, gens.map((g) => g.ids));
  });

  it('temperature 0 is greedy', () => {
    const a = sample(markovModel(MARKOV6), { prime, maxTokens: 10, temperature: 0, numSamples: 2, seed: 4 });
    const [b] = greedy(markovModel(MARKOV6), { prime, maxTokens: 10 });
    assert.deepEqual(a[0].ids, b.ids);
    assert.deepEqual(a[1].ids, b.ids);
  });
});

describe('masks in decoding', () => {
  it('banned ids never appear', () => {
    for (const decode of [sample, greedy, beamSample, beamSearch]) {
      const gens = decode(markovModel(MARKOV6), { prime, maxTokens: 30, numSamples: 10, seed: 6, bannedIds: [2, 4], beams: 3 });
      for (const g of gens) assert.ok(!g.ids.includes(2) && !g.ids.includes(4), `${decode.name}: ${g.ids}`);
    }
  });

  it('no-repeat-n-gram never repeats an n-gram of the prime + output', () => {
    const probs = Array.from({ length: 12 }, (_, i) => Array.from({ length: 12 }, (_, j) => 1 + ((i * 7 + j * 3) % 5)));
    for (const n of [1, 2, 3]) {
      for (const decode of [sample, greedy, beamSample, beamSearch]) {
        const p = Int32Array.from([0, 1]);
        const gens = decode(markovModel(probs), { prime: p, maxTokens: n === 1 ? 10 : 11, numSamples: 5, seed: n, noRepeatNgram: n, beams: 3 });
        for (const g of gens) {
          const seq = [...p, ...g.ids];
          const grams = new Set<string>();
          for (let i = 0; i + n <= seq.length; i++) {
            const key = seq.slice(i, i + n).join(',');
            assert.ok(!grams.has(key), `${decode.name} n=${n} repeats ${key} in ${seq}`);
            grams.add(key);
          }
        }
      }
    }
  });

  it('an exhausted vocabulary is a clear error', () => {
    assert.throws(
      () => sample(markovModel([[1, 1], [1, 1]]), { prime, maxTokens: 5, noRepeatNgram: 1 }),
      (e: unknown) => e instanceof RnnlabError && /no token is allowed/.test(e.message),
    );
  });
});

describe('stop string', () => {
  it('cuts the output before the stop string, for every decoder', () => {
    const model = markovModel(MARKOV6);
    const [free] = greedy(model, { prime, maxTokens: 20 });
    const text = letters(free.ids);
    const stop = text.slice(5, 7); // two letters that greedy produces at positions 5–6
    const cutAt = text.indexOf(stop);
    for (const decode of [greedy, beamSearch]) {
      const [g] = decode(markovModel(MARKOV6), { prime, maxTokens: 20, stop, detokenize: letters, beams: 1 });
      assert.equal(g.finishedBy, 'stop');
      assert.equal(g.text, text.slice(0, cutAt));
      assert.ok(!letters(g.ids).includes(stop));
      assert.deepEqual(g.ids, free.ids.slice(0, cutAt + stop.length - 1), 'ids end before the completing token');
      assert.equal(g.tokenLogProbs.length, g.ids.length);
    }
  });

  it('cuts mid-token: text ends exactly before the stop string', () => {
    const model = markovModel(MARKOV6);
    const detok = (ids: number[]) => ids.map((i) => `<${i}>`).join('');
    const [g] = greedy(model, { prime, maxTokens: 20, stop: '><', detokenize: detok });
    // "<a><b>": the second token completes "><", so one whole token is kept and the text is "<a".
    assert.equal(g.ids.length, 1);
    assert.equal(g.text, `<${g.ids[0]}`);
    assert.equal(g.finishedBy, 'stop');
  });
});

describe('beam search', () => {
  it('width 1 equals greedy', () => {
    for (const [model, p] of [[markovModel(MARKOV6), prime], [tree(), Int32Array.from([4])]] as const) {
      for (const opts of [{}, { repetitionPenalty: 1.4 }, { noRepeatNgram: 2 }]) {
        const [g] = greedy(model, { ...opts, prime: p, maxTokens: 15, eosId: EOS });
        const [b] = beamSearch(model, { ...opts, prime: p, maxTokens: 15, eosId: EOS, beams: 1 });
        assert.deepEqual(b.ids, g.ids);
        assert.equal(b.finishedBy, g.finishedBy);
        assert.equal(b.logProb, g.logProb);
      }
    }
  });

  it('finds the best sequence on a tree where greedy does not', () => {
    const p = Int32Array.from([4]);
    const [g] = greedy(tree(), { prime: p, maxTokens: 5, eosId: EOS });
    const best = beamSearch(tree(), { prime: p, maxTokens: 5, eosId: EOS, beams: 2 });
    assert.deepEqual(g.ids, [1, 1]);
    assert.deepEqual(best[0].ids, [2, 2]);
    assert.equal(best[0].finishedBy, 'eos');
    assert.ok(Math.abs(best[0].logProb - Math.log(0.36)) < 1e-6);
    assert.ok(best[0].logProb > g.logProb);
    assert.deepEqual(best.map((h) => h.rank), [0, 1]);
  });

  it('n-best scores are sorted and equal the summed log-probabilities', () => {
    const model = markovModel(MARKOV6);
    const gens = beamSearch(model, { prime, maxTokens: 8, eosId: EOS, beams: 4 });
    assert.equal(gens.length, 4);
    for (let i = 1; i < gens.length; i++) assert.ok(gens[i - 1].score! >= gens[i].score!);
    for (const g of gens) {
      const want = rawLogProbs(model, prime, g).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(g.score! - want) < 1e-9, `${g.score} vs ${want}`);
      assert.ok(Math.abs(g.logProb - want) < 1e-9);
    }
  });

  it('is exhaustive when the beam is wider than the tree, with and without length normalisation', () => {
    // V = 4, [EOS] = 0, 3 tokens: 27 + 13 hypotheses in all, fewer than W = 64, so the n-best
    // must be exactly the top of a brute-force enumeration (this also checks beam reordering).
    const model = hashModel(4, 3);
    const p = Int32Array.from([1, 2]);
    for (const lengthPenalty of [0, 1, 0.6]) {
      const all: { ids: number[]; score: number; logProb: number }[] = [];
      const walk = (ids: number[], lp: number) => {
        const l = logSoftmax(model.logits([...p, ...ids]));
        all.push({ ids: ids.slice(), logProb: lp + l[EOS], score: lengthNormalised(lp + l[EOS], ids.length + 1, lengthPenalty) });
        if (ids.length === 3) {
          all.pop();
          all.push({ ids: ids.slice(), logProb: lp, score: lengthNormalised(lp, ids.length, lengthPenalty) });
          return;
        }
        for (let t = 1; t < 4; t++) walk([...ids, t], lp + l[t]);
      };
      walk([], 0);
      all.sort((a, b) => b.score - a.score);
      const gens = beamSearch(model, { prime: p, maxTokens: 3, eosId: EOS, beams: 64, nBest: 10, lengthPenalty });
      assert.deepEqual(gens.map((g) => g.ids), all.slice(0, 10).map((h) => h.ids), `α=${lengthPenalty}`);
      gens.forEach((g, i) => {
        assert.ok(Math.abs(g.score! - all[i].score) < 1e-9);
        assert.ok(Math.abs(g.logProb - all[i].logProb) < 1e-9);
      });
    }
  });

  it('GNMT length normalisation: score = Σ log p / ((5 + len)/6)^α, len counting [EOS]', () => {
    const model = markovModel(MARKOV6);
    for (const g of beamSearch(model, { prime, maxTokens: 8, eosId: EOS, beams: 3, lengthPenalty: 1 })) {
      const len = g.ids.length + (g.finishedBy === 'eos' ? 1 : 0);
      assert.ok(Math.abs(g.score! - g.logProb / ((5 + len) / 6)) < 1e-9);
    }
  });

  it('stops at maxTokens with the live beams finished by length', () => {
    const gens = beamSearch(markovModel(MARKOV6), { prime, maxTokens: 4, beams: 3 });
    assert.equal(gens.length, 3);
    for (const g of gens) {
      assert.equal(g.ids.length, 4);
      assert.equal(g.finishedBy, 'length');
    }
    assert.equal(new Set(gens.map((g) => g.ids.join())).size, 3, 'distinct hypotheses');
  });

  it('keeps beams as batch rows: numSamples searches in one batch of numSamples·W rows', () => {
    const model = markovModel(MARKOV6);
    const gens = beamSearch(model, { prime, maxTokens: 6, beams: 3, numSamples: 2, nBest: 2 });
    assert.deepEqual(gens.map((g) => [g.sample, g.rank]), [[0, 0], [0, 1], [1, 0], [1, 1]]);
    assert.deepEqual(gens[0].ids, gens[2].ids, 'deterministic searches agree');
    assert.equal(model.stats.primeCalls, 1);
    assert.ok(model.stats.stepCalls <= 5);
  });
});

describe('beam-sample', () => {
  it('width 1 is ancestral sampling with the same draws', () => {
    for (const opts of [{}, { temperature: 0.7, topP: 0.9 }]) {
      const a = sample(markovModel(MARKOV6), { ...opts, prime, maxTokens: 20, eosId: EOS, seed: 12, numSamples: 4 });
      const b = beamSample(markovModel(MARKOV6), { ...opts, prime, maxTokens: 20, eosId: EOS, seed: 12, numSamples: 4, beams: 1 });
      assert.deepEqual(b.map((g) => g.ids), a.map((g) => g.ids));
      assert.deepEqual(b.map((g) => g.logProb), a.map((g) => g.logProb));
    }
  });

  it('is reproducible per seed, varies across searches, and returns sorted n-best lists', () => {
    const run = (seed: number) => beamSample(markovModel(MARKOV6), { prime, maxTokens: 10, eosId: EOS, seed, numSamples: 6, beams: 3, temperature: 1.5 });
    const a = run(21);
    assert.deepEqual(a, run(21));
    const bests = a.filter((g) => g.rank === 0).map((g) => g.ids.join());
    assert.ok(new Set(bests).size > 1, 'independent searches differ');
    for (let s = 0; s < 6; s++) {
      const list = a.filter((g) => g.sample === s);
      for (let i = 1; i < list.length; i++) assert.ok(list[i - 1].score! >= list[i].score!);
    }
  });

  it('its scores use the processed distribution', () => {
    const model = markovModel(MARKOV6);
    const opts = { temperature: 0.5 };
    const [g] = beamSample(model, { ...opts, prime, maxTokens: 5, beams: 2, seed: 1, nBest: 1 });
    const hist = [0];
    let proc = 0;
    for (const t of g.ids) {
      proc += Math.log(processedDistribution(model.logits(hist), opts, hist)[t]);
      hist.push(t);
    }
    assert.ok(Math.abs(g.score! - proc) < 1e-9);
    assert.ok(Math.abs(g.logProb - proc) > 1e-3, 'logProb is the raw one');
  });

  it('only expands tokens in the processed support', () => {
    const gens = beamSample(markovModel(MARKOV6), { prime, maxTokens: 12, beams: 4, numSamples: 5, seed: 2, topK: 2 });
    const model = markovModel(MARKOV6);
    for (const g of gens) {
      const hist = [0];
      for (const t of g.ids) {
        assert.ok(processedDistribution(model.logits(hist), { topK: 2 }, hist)[t] > 0);
        hist.push(t);
      }
    }
  });
});

describe('decoder validation', () => {
  const model = markovModel(MARKOV6);
  const cases: [string, () => unknown, RegExp][] = [
    ['empty prime', () => greedy(model, { prime: new Int32Array(0), maxTokens: 3 }), /prime/],
    ['prime id out of range', () => sample(model, { prime: Int32Array.from([9]), maxTokens: 3 }), /prime token id 9/],
    ['negative maxTokens', () => sample(model, { prime, maxTokens: -1 }), /maxTokens/],
    ['eosId out of range', () => sample(model, { prime, maxTokens: 3, eosId: 6 }), /eosId/],
    ['numSamples 0', () => sample(model, { prime, maxTokens: 3, numSamples: 0 }), /numSamples/],
    ['stop without detokenize', () => greedy(model, { prime, maxTokens: 3, stop: 'x' }), /detokenize/],
    ['bad sampling option', () => sample(model, { prime, maxTokens: 3, topP: 2 }), /topP/],
    ['banned id out of range', () => sample(model, { prime, maxTokens: 3, bannedIds: [6] }), /outside the vocabulary/],
    ['beams 0', () => beamSearch(model, { prime, maxTokens: 3, beams: 0 }), /beams/],
    ['nBest > beams', () => beamSearch(model, { prime, maxTokens: 3, beams: 2, nBest: 3 }), /nBest/],
    ['negative length penalty', () => beamSample(model, { prime, maxTokens: 3, lengthPenalty: -1 }), /lengthPenalty/],
  ];
  for (const [name, f, re] of cases) {
    it(name, () => assert.throws(f, (e: unknown) => e instanceof RnnlabError && re.test(e.message) && !e.message.includes('\n')));
  }
  it('a model returning the wrong shape is reported', () => {
    const broken = { ...markovModel(MARKOV6), vocabSize: 6, initState: (b: number) => ({ batch: b }), prime: () => new Float32Array(3), step: () => new Float32Array(3), reorder: (s: { batch: number }) => s };
    assert.throws(() => greedy(broken, { prime, maxTokens: 2 }), /expected 1×6/);
  });
});
