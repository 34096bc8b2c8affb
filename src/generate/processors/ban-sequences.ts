/**
 * Banned token sequences (HF transformers' NoBadWordsLogitsProcessor): for a sequence of k
 * tokens, its last token is masked whenever the history ends with its first k − 1 tokens;
 * a one-token sequence is always masked. The history includes the prime, so a sequence is
 * banned even when it would start inside the prime: the reader sees prime and output as one text.
 */
export function applyBanSequences(logits: Float64Array, sequences: readonly (readonly number[])[], history: readonly number[]): void {
  const n = history.length;
  for (const seq of sequences) {
    const k = seq.length;
    if (k === 0 || k - 1 > n) continue;
    let match = true;
    for (let j = 0; j < k - 1 && match; j++) match = history[n - (k - 1) + j] === seq[j];
    const last = seq[k - 1];
    if (match && last >= 0 && last < logits.length) logits[last] = -Infinity;
  }
}
