import type { TokenHistory } from './history.js';

/**
 * CTRL (Keskar et al., 2019): each distinct token already seen is penalised once, by
 * dividing a positive logit by θ or multiplying a non-positive one by θ, so θ > 1 always
 * lowers its probability whatever the logit's sign.
 */
export function applyRepetitionPenalty(logits: Float64Array, history: TokenHistory, theta: number): void {
  for (const id of history.distinct()) {
    const l = logits[id];
    logits[id] = l > 0 ? l / theta : l * theta;
  }
}
