/**
 * The surprise of each token of a text: −log p(token | everything before it), and the tokens
 * the model found more likely. The text is read as one row from an empty state, in windows
 * with the state carried, so every token sees its whole left context: the totals are those of
 * `rnnlab eval --batch 1` on the same text. A generator that yields after every window, so a
 * caller can give the event loop (or a worker's message port) a turn on long texts.
 */
import type { LanguageModel } from '../nn/language-model.js';
import { logSumExp } from '../generate/processors/softmax.js';
import { evalResult, type EvalResult } from './perplexity.js';

export interface Alternative {
  id: number;
  p: number;
}

export interface TokenSurprise {
  /** Position of the token in the ids (the first token is context only, never scored). */
  index: number;
  id: number;
  /** −log p, nats. */
  nll: number;
  /** p of the token itself. */
  p: number;
  /** The k most likely tokens at this position, most likely first (the token itself may be one). */
  top: Alternative[];
}

export interface SurpriseResult extends EvalResult {
  tokens: number;
  perToken: TokenSurprise[];
}

/** `topK` alternatives per position; `window` tokens per forward pass (the state is carried). */
export function* tokenSurprise(model: LanguageModel, ids: Int32Array, topK = 5, window = 256): Generator<void, SurpriseResult> {
  const V = model.config.vocabSize, n = ids.length;
  const perToken: TokenSurprise[] = [];
  let nll = 0;
  if (n < 2) return { ...evalResult(0, 0), perToken };
  const state = model.newState(1);
  try {
    // inputs 0..n−2 predict targets 1..n−1
    for (let start = 0; start < n - 1; start += window) {
      const T = Math.min(window, n - 1 - start);
      const x = ids.subarray(start, start + T);
      model.forward(Int32Array.from(x), null, 1, T, state, false, null);
      const logits = model.logitsTensor().data;
      for (let t = 0; t < T; t++) {
        const row = logits.subarray(t * V, (t + 1) * V);
        const lse = logSumExp(row);
        const target = ids[start + t + 1];
        const l = lse - row[target];
        nll += l;
        perToken.push({ index: start + t + 1, id: target, nll: l, p: Math.exp(-l), top: topOf(row, lse, topK) });
      }
      yield;
    }
  } finally {
    model.freeState(state);
  }
  return { ...evalResult(nll, n - 1), perToken };
}

function topOf(row: ArrayLike<number>, lse: number, k: number): Alternative[] {
  const best: Alternative[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (best.length === k && v <= best[k - 1].p) continue;
    let j = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push({ id: i, p: v });
    while (j > 0 && best[j - 1].p < v) {
      best[j] = best[j - 1];
      j--;
    }
    best[j] = { id: i, p: v };
  }
  return best.map((a) => ({ id: a.id, p: Math.exp(a.p - lse) }));
}
