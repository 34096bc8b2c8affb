import { massThreshold } from './mass-select.js';
import { keepAtLeast } from './min-keep.js';
import { softmax } from './softmax.js';

/**
 * Slack for "cumulative mass ≥ p": probabilities come out of exp/sum in floating point, so a
 * nucleus whose exact mass is p may sum to p − 1e-16; without slack it would pull in one
 * token too many.
 */
export const MASS_EPS = 1e-10;

/**
 * Nucleus (Holtzman et al., 2020): sort descending, keep the smallest prefix whose cumulative
 * probability is ≥ p, plus every token whose probability equals the last kept one (a tie
 * at the boundary has no principled order, so all tied tokens stay). Always ≥ `minKeep`
 * tokens (the most probable), as many as there are.
 */
export function applyTopP(logits: Float64Array, p: number, minKeep = 1): void {
  const before = logits.slice();
  const probs = softmax(logits);
  const keys = probs.map((x) => -x); // most probable first
  const threshold = -massThreshold(keys, probs, p - MASS_EPS);
  for (let i = 0; i < logits.length; i++) if (probs[i] < threshold) logits[i] = -Infinity;
  keepAtLeast(logits, before, minKeep);
}
