/** Banned tokens can never be produced: their logits become −∞. */
export function applyBanned(logits: Float64Array, bannedIds: readonly number[]): void {
  for (const id of bannedIds) if (id >= 0 && id < logits.length) logits[id] = -Infinity;
}
