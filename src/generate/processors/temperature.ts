import { argmax } from './softmax.js';

/** logits / T; T = 0 is the greedy limit, kept as a one-token support (the argmax, lowest id on ties). */
export function applyTemperature(logits: Float64Array, t: number): void {
  if (t === 0) {
    const best = argmax(logits);
    for (let i = 0; i < logits.length; i++) if (i !== best) logits[i] = -Infinity;
    return;
  }
  for (let i = 0; i < logits.length; i++) logits[i] /= t;
}
