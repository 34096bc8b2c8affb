import { dropoutHash, Rng } from '../../util/rng.js';

/**
 * The random stream of row (or search) `row`: a pure function of (seed, row), so an output
 * never depends on how many other rows share its batch or when they finish.
 */
export function rowRng(seed: number, row: number): Rng {
  return new Rng(dropoutHash(seed >>> 0, row));
}

/**
 * Inverse-CDF draw: the first token (in id order) whose cumulative probability exceeds
 * u·total, skipping `taken`. `total` is recomputed rather than assumed 1 so that draws
 * without replacement renormalise exactly. Only tokens with a positive probability can be
 * drawn (a NaN is not positive); −1 when there is none.
 */
export function drawIndex(probs: Float64Array, u: number, taken?: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0 && (!taken || !taken[i])) total += probs[i];
  const target = u * total;
  let cum = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    if (!(probs[i] > 0) || (taken && taken[i])) continue;
    cum += probs[i];
    last = i;
    if (cum > target) return i;
  }
  return last; // rounding left u·total at the very end of the mass
}

/** k distinct tokens drawn one after another without replacement (fewer if the support is smaller). */
export function drawWithoutReplacement(probs: Float64Array, k: number, rng: Rng): number[] {
  const taken = new Uint8Array(probs.length);
  const out: number[] = [];
  while (out.length < k) {
    const i = drawIndex(probs, rng.next(), taken);
    if (i < 0) break;
    taken[i] = 1;
    out.push(i);
  }
  return out;
}
