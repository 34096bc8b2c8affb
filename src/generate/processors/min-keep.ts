import { kthLargest } from './top-k.js';

/**
 * `minTokensToKeep` for the truncation filters: when a filter left fewer than `n` candidates,
 * the `n` best of the candidates it was given (by `key`, higher = better; by default the
 * logit) come back, with every token tied with the n-th, as HF transformers' warpers do.
 * Tokens that were already excluded (−∞) never come back, so masks stay masks.
 */
export function keepAtLeast(filtered: Float64Array, before: Float64Array, n: number, key: ArrayLike<number> = before): void {
  if (n <= 1 && hasFinite(filtered)) return;
  let left = 0;
  for (let i = 0; i < filtered.length; i++) if (filtered[i] > -Infinity) left++;
  if (left >= n) return;
  const keys: number[] = [];
  for (let i = 0; i < before.length; i++) if (before[i] > -Infinity) keys.push(key[i]);
  if (keys.length === 0) return;
  const nth = kthLargest(Float64Array.from(keys), Math.min(n, keys.length));
  for (let i = 0; i < before.length; i++) if (before[i] > -Infinity && key[i] >= nth) filtered[i] = before[i];
}

function hasFinite(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] > -Infinity) return true;
  return false;
}
