import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { TokenHistory } from '../../src/generate/processors/history.js';
import { validateSamplingOptions, type SamplingOptions } from '../../src/generate/processors/options.js';
import { processedDistribution, processLogits } from '../../src/generate/processors/pipeline.js';
import { softmax } from '../../src/generate/processors/softmax.js';
import { massThreshold } from '../../src/generate/processors/mass-select.js';
import { kthLargest } from '../../src/generate/processors/top-k.js';
import { Rng } from '../../src/util/rng.js';

const support = (p: Float64Array): number[] => [...p.keys()].filter((i) => p[i] > 0);
const logits = (probs: number[]): number[] => probs.map(Math.log);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

/** Reference nucleus: sorted prefix reaching p, extended by ties with its last member. */
function refNucleus(probs: number[], p: number): number[] {
  const order = probs.map((x, i) => [x, i] as const).filter(([x]) => x > 0).sort((a, b) => b[0] - a[0]);
  let cum = 0;
  let last = 0;
  for (const [x] of order) {
    cum += x;
    last = x;
    if (cum >= p - 1e-10) break;
  }
  return order.filter(([x]) => x >= last).map(([, i]) => i).sort((a, b) => a - b);
}

describe('validateSamplingOptions', () => {
  const bad: [SamplingOptions, RegExp][] = [
    [{ temperature: -0.1 }, /temperature/],
    [{ temperature: Infinity }, /temperature/],
    [{ temperature: NaN }, /temperature/],
    [{ topK: 0 }, /topK/],
    [{ topK: 2.5 }, /topK/],
    [{ topP: 0 }, /topP/],
    [{ topP: 1.01 }, /topP/],
    [{ minP: -0.5 }, /minP/],
    [{ typical: 0 }, /typical/],
    [{ typical: 2 }, /typical/],
    [{ alpha: 0 }, /alpha/],
    [{ alpha: -1 }, /alpha/],
    [{ repetitionPenalty: 0 }, /repetitionPenalty/],
    [{ noRepeatNgram: 0 }, /noRepeatNgram/],
    [{ noRepeatNgram: 1.5 }, /noRepeatNgram/],
    [{ bannedIds: [-1] }, /bannedIds/],
    [{ topK: '5' as unknown as number }, /topK/],
  ];
  for (const [o, re] of bad) {
    it(`rejects ${JSON.stringify(o)}`, () => {
      assert.throws(() => validateSamplingOptions(o), (e: unknown) => e instanceof RnnlabError && re.test(e.message) && !e.message.includes('\n'));
    });
  }
  it('accepts the edges of every range', () => {
    validateSamplingOptions({ temperature: 0, topK: 1, topP: 1, minP: 1, typical: 1, alpha: 0.01, repetitionPenalty: 0.5, noRepeatNgram: 1, bannedIds: [0] });
  });
  it('range-checks banned ids against the vocabulary', () => {
    assert.throws(() => validateSamplingOptions({ bannedIds: [7] }, 5), /outside the vocabulary/);
  });
});

describe('processors', () => {
  const base = [2.0, 1.0, 0.5, -1.0, 3.0, 0.0];

  it('no options: the softmax of the logits', () => {
    close(processedDistribution(base, {}), softmax(base));
  });

  it('temperature divides the logits; T = 0 keeps the argmax alone', () => {
    close(processedDistribution(base, { temperature: 0.5 }), softmax(base.map((l) => l / 0.5)));
    assert.deepEqual([...processedDistribution(base, { temperature: 0 })], [0, 0, 0, 0, 1, 0]);
    assert.deepEqual([...processedDistribution([1, 3, 3], { temperature: 0 })], [0, 1, 0], 'ties go to the lower id');
  });

  it('power α is p^α renormalised', () => {
    const p = softmax(base);
    const powered = Array.from(p, (x) => x ** 2.5);
    const z = powered.reduce((a, b) => a + b);
    close(processedDistribution(base, { alpha: 2.5 }), powered.map((x) => x / z));
  });

  it('top-k keeps exactly the k best, ties towards the lower id', () => {
    assert.deepEqual(support(processedDistribution(base, { topK: 2 })), [0, 4]);
    assert.deepEqual(support(processedDistribution([1, 2, 2, 2, 0], { topK: 2 })), [1, 2]);
    assert.deepEqual(support(processedDistribution([1, 2, 2, 2, 0], { topK: 9 })), [0, 1, 2, 3, 4]);
    const rng = new Rng(5);
    for (let trial = 0; trial < 200; trial++) {
      const l = Array.from({ length: 12 }, () => Math.round(rng.normal() * 2) / 2); // many ties
      const k = 1 + rng.int(12);
      const expected = l.map((x, i) => [x, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k).map(([, i]) => i).sort((a, b) => a - b);
      assert.deepEqual(support(processedDistribution(l, { topK: k })), expected);
    }
  });

  it('kthLargest agrees with sorting', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(40);
      const a = Float64Array.from({ length: n }, () => rng.int(8));
      const k = 1 + rng.int(n);
      const sorted = [...a].sort((x, y) => y - x);
      assert.equal(kthLargest(a.slice(), k), sorted[k - 1]);
    }
  });

  it('massThreshold finds the last key of the shortest prefix reaching the mass (vs sorting)', () => {
    const rng = new Rng(13);
    for (let trial = 0; trial < 500; trial++) {
      const n = 1 + rng.int(30);
      const keys = Float64Array.from({ length: n }, () => rng.int(6));
      const w = Float64Array.from({ length: n }, () => (rng.next() < 0.2 ? 0 : rng.next()));
      const total = w.reduce((a, b) => a + b, 0);
      if (total === 0) continue;
      const need = rng.next() * total;
      const order = [...keys.keys()].filter((i) => w[i] > 0).sort((a, b) => keys[a] - keys[b]);
      let cum = 0;
      let want = NaN;
      for (const i of order) {
        cum += w[i];
        want = keys[i];
        if (cum >= need) break;
      }
      assert.equal(massThreshold(keys, w, need), want, `keys ${keys} w ${w} need ${need}`);
    }
  });

  it('top-p keeps exactly the minimal nucleus', () => {
    const p = [0.5, 0.3, 0.15, 0.05];
    assert.deepEqual(support(processedDistribution(logits(p), { topP: 0.5 })), [0]);
    assert.deepEqual(support(processedDistribution(logits(p), { topP: 0.51 })), [0, 1]);
    assert.deepEqual(support(processedDistribution(logits(p), { topP: 0.8 })), [0, 1], 'mass exactly p is enough');
    assert.deepEqual(support(processedDistribution(logits(p), { topP: 0.96 })), [0, 1, 2, 3]);
    assert.deepEqual(support(processedDistribution(logits(p), { topP: 1e-6 })), [0], 'always at least one token');
    close(processedDistribution(logits(p), { topP: 0.8 }), [0.625, 0.375, 0, 0]);
  });

  it('top-p keeps every token tied with the last one kept', () => {
    assert.deepEqual(support(processedDistribution(logits([0.4, 0.2, 0.2, 0.2]), { topP: 0.5 })), [0, 1, 2, 3]);
    assert.deepEqual(support(processedDistribution(logits([0.4, 0.2, 0.2, 0.2]), { topP: 0.4 })), [0]);
    assert.deepEqual(support(processedDistribution([0, 0, 0, 0], { topP: 0.3 })), [0, 1, 2, 3]);
    assert.deepEqual(support(processedDistribution(logits([0.1, 0.3, 0.3, 0.3]), { topP: 0.25 })), [1, 2, 3]);
  });

  it('top-p matches the reference nucleus on random distributions with ties', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const l = Array.from({ length: 8 }, () => rng.int(4) - 2); // integer logits: ties everywhere
      const pr = Array.from(softmax(l));
      const p = 0.05 + 0.95 * rng.next();
      assert.deepEqual(support(processedDistribution(l, { topP: p })), refNucleus(pr, p), `logits ${l} p ${p}`);
    }
  });

  it('min-p keeps tokens with p ≥ minP·p_max', () => {
    const p = [0.5, 0.25, 0.1, 0.1, 0.05];
    assert.deepEqual(support(processedDistribution(logits(p), { minP: 0.2 })), [0, 1, 2, 3]);
    assert.deepEqual(support(processedDistribution(logits(p), { minP: 0.5 })), [0, 1]);
    assert.deepEqual(support(processedDistribution(logits(p), { minP: 1 })), [0]);
  });

  it('typical keeps tokens closest to the entropy until the mass is reached', () => {
    const p = [0.4, 0.3, 0.2, 0.1];
    const h = -p.reduce((a, x) => a + x * Math.log(x), 0);
    const order = p.map((x, i) => [Math.abs(-Math.log(x) - h), i]).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
    // H = 1.280; |−log p − H| = 0.364, 0.076, 0.329, 1.023 → order 1, 2, 0, 3
    assert.deepEqual(order, [1, 2, 0, 3]);
    assert.deepEqual(support(processedDistribution(logits(p), { typical: 0.3 })), [1]);
    assert.deepEqual(support(processedDistribution(logits(p), { typical: 0.5 })), [1, 2]);
    assert.deepEqual(support(processedDistribution(logits(p), { typical: 0.6 })), [0, 1, 2]);
    assert.deepEqual(support(processedDistribution(logits(p), { typical: 0.95 })), [0, 1, 2, 3]);
    close(processedDistribution(logits(p), { typical: 0.5 }), [0, 0.6, 0.4, 0]);
    // The most likely token is not always typical: H = 3.59 nats, −log 0.3 = 1.20, −log 0.01 = 4.61.
    const headAndTail = [0.3, ...Array(70).fill(0.01)];
    const kept = support(processedDistribution(logits(headAndTail), { typical: 0.2 }));
    assert.ok(!kept.includes(0));
    assert.equal(kept.length, 70, 'all tail tokens are tied, so all stay');
  });

  it('repetition penalty: logit>0 divided, ≤0 multiplied, once per distinct token, prime included', () => {
    const out = processLogits([2, -1, 0, 4], { repetitionPenalty: 2 }, [0, 1, 1, 2]);
    assert.deepEqual([...out], [1, -2, 0, 4]);
  });

  it('banned ids and no-repeat-n-gram mask to −∞', () => {
    const out = processLogits([1, 1, 1, 1], { bannedIds: [3], noRepeatNgram: 2 }, [0, 1, 2, 0]);
    assert.deepEqual([...out], [1, -Infinity, 1, -Infinity], 'bigram 0→1 occurred; 3 banned');
    const uni = processLogits([1, 1, 1, 1], { noRepeatNgram: 1 }, [2, 0]);
    assert.deepEqual([...uni], [-Infinity, 1, -Infinity, 1]);
  });

  it('throws when every token is excluded', () => {
    assert.throws(() => processLogits([1, 1], { noRepeatNgram: 1 }, [0, 1]), RnnlabError);
    assert.throws(() => processLogits([1, 1], { bannedIds: [0, 1] }), /no token is allowed/);
    assert.throws(() => processLogits([1, NaN], {}), /NaN/);
  });

  it('applies the stages in the documented order (top-k before top-p)', () => {
    const l = logits([0.5, 0.3, 0.2]);
    // top-k 2 renormalises to [0.625, 0.375]; then the 0.6-nucleus is the first token alone.
    assert.deepEqual(support(processedDistribution(l, { topK: 2, topP: 0.6 })), [0]);
    // temperature before top-p: flattening widens the nucleus.
    assert.deepEqual(support(processedDistribution(l, { topP: 0.5 })), [0]);
    assert.deepEqual(support(processedDistribution(l, { topP: 0.5, temperature: 5 })), [0, 1]);
    // masks before the filters: banning the best token makes the next one the top-1.
    assert.deepEqual(support(processedDistribution(l, { bannedIds: [0], topK: 1 })), [1]);
  });

  it('combined options compose into one distribution summing to 1', () => {
    const p = processedDistribution(base, { temperature: 0.8, alpha: 1.5, topK: 4, topP: 0.95, minP: 0.05, typical: 0.99, repetitionPenalty: 1.3 }, [4, 0]);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(support(p).length >= 1 && support(p).length <= 4);
  });
});

describe('TokenHistory', () => {
  it('bannedNext lists exactly the tokens that would repeat an n-gram', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 100; trial++) {
      const n = 1 + rng.int(3);
      const toks = Array.from({ length: rng.int(15) }, () => rng.int(3));
      const h = new TokenHistory(toks, n);
      const expected = new Set<number>();
      for (let t = 0; t < 3; t++) {
        const cand = [...toks, t];
        const last = cand.slice(-n).join(',');
        for (let i = 0; i + n <= toks.length; i++) if (toks.slice(i, i + n).join(',') === last) expected.add(t);
      }
      assert.deepEqual([...h.bannedNext()].sort(), [...expected].sort(), `n=${n} ${toks}`);
    }
  });

  it('clones are independent', () => {
    const a = new TokenHistory([1, 2], 2);
    const b = a.clone();
    b.push(1);
    assert.deepEqual(a.tokens, [1, 2]);
    assert.deepEqual([...b.bannedNext()], [2]);
    assert.deepEqual([...a.bannedNext()], []);
  });
});
