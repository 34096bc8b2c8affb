import { keepAtLeast } from './min-keep.js';
import { softmax } from './softmax.js';

/**
 * Epsilon sampling (Hewitt et al., 2022, "Truncation Sampling as Language Model Desmoothing"):
 * drop every token with p < ε, a fixed floor whatever the distribution's shape. As HF
 * transformers' EpsilonLogitsWarper; the `minKeep` most probable tokens always stay.
 */
export function applyEpsilon(logits: Float64Array, epsilon: number, minKeep = 1): void {
  cutBelow(logits, softmax(logits), epsilon, minKeep);
}

/** Drops tokens whose probability is below `threshold`, keeping at least `minKeep`. */
export function cutBelow(logits: Float64Array, probs: Float64Array, threshold: number, minKeep: number): void {
  const before = logits.slice();
  for (let i = 0; i < logits.length; i++) if (probs[i] < threshold) logits[i] = -Infinity;
  keepAtLeast(logits, before, minKeep);
}
