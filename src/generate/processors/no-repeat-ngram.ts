import type { TokenHistory } from './history.js';

/** Masks every token that would complete an n-gram already present in the history (prime included). */
export function applyNoRepeatNgram(logits: Float64Array, history: TokenHistory): void {
  for (const id of history.bannedNext()) logits[id] = -Infinity;
}
