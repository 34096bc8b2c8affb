/**
 * Power sampling: p^α renormalised. Since log p = logit − logsumexp, p^α ∝ exp(α·logit), so
 * scaling the logits by α is exact (α > 1 sharpens, α < 1 flattens; it is temperature 1/α).
 */
export function applyPower(logits: Float64Array, alpha: number): void {
  for (let i = 0; i < logits.length; i++) logits[i] *= alpha;
}
