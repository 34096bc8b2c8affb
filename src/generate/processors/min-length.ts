/**
 * Minimum length: while fewer than `minLength` tokens have been generated, `[EOS]` cannot be
 * chosen (its logit becomes −∞), as HF transformers' MinLengthLogitsProcessor counts new tokens.
 */
export function applyMinLength(logits: Float64Array, eosId: number, generated: number, minLength: number): void {
  if (eosId >= 0 && eosId < logits.length && generated < minLength) logits[eosId] = -Infinity;
}
