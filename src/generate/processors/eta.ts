import { cutBelow } from './epsilon.js';
import { logSoftmax } from './softmax.js';

/**
 * Eta sampling (Hewitt et al., 2022): drop tokens with p < min(η, √η·exp(−H)), H the entropy
 * (nats) of the distribution the filter receives. A flat, high-entropy distribution gets a
 * floor far below η (many plausible continuations stay); a peaked one gets η itself. As HF
 * transformers' EtaLogitsWarper; the `minKeep` most probable tokens always stay.
 */
export function applyEta(logits: Float64Array, eta: number, minKeep = 1): void {
  const logp = logSoftmax(logits);
  const probs = logp.map(Math.exp);
  cutBelow(logits, probs, etaThreshold(probs, logp, eta), minKeep);
}

export function etaThreshold(probs: ArrayLike<number>, logp: ArrayLike<number>, eta: number): number {
  let entropy = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) entropy -= probs[i] * logp[i];
  return Math.min(eta, Math.sqrt(eta) * Math.exp(-entropy));
}
