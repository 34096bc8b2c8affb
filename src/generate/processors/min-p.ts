import { keepAtLeast } from './min-keep.js';
import { maxOf } from './softmax.js';

/**
 * Min-p (Nguyen et al., 2024): keep tokens with p ≥ minP·p_max. Compared in log space
 * (logit ≥ max logit + ln minP), which is the same test without underflow. Always ≥ `minKeep`
 * tokens (the most probable).
 */
export function applyMinP(logits: Float64Array, minP: number, minKeep = 1): void {
  const before = logits.slice();
  const threshold = maxOf(logits) + Math.log(minP);
  for (let i = 0; i < logits.length; i++) if (logits[i] < threshold) logits[i] = -Infinity;
  keepAtLeast(logits, before, minKeep);
}
