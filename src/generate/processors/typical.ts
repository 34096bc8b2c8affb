import { logSoftmax } from './softmax.js';
import { MASS_EPS } from './top-p.js';

/**
 * Locally typical sampling (Meister et al., 2023): with H the entropy of the current
 * distribution, rank tokens by |−log p − H| ascending and keep them until the mass reaches
 * `mass`; tokens tied with the last kept one stay too (as in top-p). Always ≥ 1 token.
 */
export function applyTypical(logits: Float64Array, mass: number): void {
  const logp = logSoftmax(logits);
  let entropy = 0;
  const ids: number[] = [];
  for (let i = 0; i < logp.length; i++) {
    if (logp[i] === -Infinity) continue;
    entropy -= Math.exp(logp[i]) * logp[i];
    ids.push(i);
  }
  const score = new Float64Array(logp.length);
  for (const i of ids) score[i] = Math.abs(-logp[i] - entropy);
  ids.sort((a, b) => score[a] - score[b] || a - b);
  let cum = 0;
  let threshold = Infinity;
  for (const i of ids) {
    cum += Math.exp(logp[i]);
    threshold = score[i];
    if (cum >= mass - MASS_EPS) break;
  }
  for (let i = 0; i < logits.length; i++) if (logp[i] === -Infinity || score[i] > threshold) logits[i] = -Infinity;
}
