import { massThreshold } from './mass-select.js';
import { keepAtLeast } from './min-keep.js';
import { logSoftmax } from './softmax.js';
import { MASS_EPS } from './top-p.js';

/**
 * Locally typical sampling (Meister et al., 2023): with H the entropy of the current
 * distribution, rank tokens by |−log p − H| ascending and keep them until the mass reaches
 * `mass`; tokens tied with the last kept one stay too (as in top-p). Always ≥ `minKeep`
 * tokens: the most typical ones, as HF transformers' TypicalLogitsWarper keeps them.
 */
export function applyTypical(logits: Float64Array, mass: number, minKeep = 1): void {
  const before = logits.slice();
  const logp = logSoftmax(logits);
  const probs = logp.map(Math.exp);
  let entropy = 0;
  for (let i = 0; i < logp.length; i++) if (probs[i] > 0) entropy -= probs[i] * logp[i];
  const score = logp.map((l) => Math.abs(-l - entropy)); // +∞ for excluded tokens
  const threshold = massThreshold(score, probs, mass - MASS_EPS);
  for (let i = 0; i < logits.length; i++) if (!(probs[i] > 0) || score[i] > threshold) logits[i] = -Infinity;
  keepAtLeast(logits, before, minKeep, score.map((x) => -x));
}
