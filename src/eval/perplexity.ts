/**
 * Perplexity and bits per token, by the standard definitions:
 *   perplexity = exp(total NLL / predicted tokens),   bits per token = NLL / predicted / ln 2.
 * (Course notebooks average per-document perplexities and compute 2^loss from a natural-log
 * loss; neither is what these numbers are.) For a char model bits per token is bits/char.
 */
import type { LanguageModel } from '../nn/language-model.js';
import { documentBatches } from '../text/batching/documents.js';
import { StreamBatcher } from '../text/batching/stream.js';

export interface EvalResult {
  nll: number;
  tokens: number;
  /** Mean NLL per token, nats. */
  loss: number;
  perplexity: number;
  bitsPerToken: number;
}

export function evalResult(nll: number, tokens: number): EvalResult {
  const loss = tokens > 0 ? nll / tokens : NaN;
  return { nll, tokens, loss, perplexity: Math.exp(loss), bitsPerToken: loss / Math.LN2 };
}

/** A token stream cut into B rows walked in windows of T, the state carried across windows. */
export function evaluateStream(model: LanguageModel, ids: Int32Array, B: number, T: number): EvalResult {
  const rows = Math.max(1, Math.min(B, ids.length - 1));
  const batcher = new StreamBatcher(ids, rows, T);
  const state = model.newState(rows);
  let nll = 0, tokens = 0;
  for (let k = 0; k < batcher.windows; k++) {
    const w = batcher.window(k);
    const r = model.forward(w.x, w.y, w.B, w.T, state, false, null);
    nll += r.nll;
    tokens += r.count;
  }
  model.freeState(state);
  return evalResult(nll, tokens);
}

/** Documents padded per batch; [PAD] targets count neither in the NLL nor in the tokens. */
export function evaluateDocs(model: LanguageModel, docs: readonly Int32Array[], B: number, padId: number, maxLen?: number): EvalResult {
  let nll = 0, tokens = 0;
  for (const b of documentBatches(docs, { batchSize: B, mode: 'pad', padId, maxLen })) {
    const state = model.newState(b.B);
    const r = model.forward(b.x, b.y, b.B, b.T, state, false, null, padId);
    model.freeState(state);
    nll += r.nll;
    tokens += r.count;
  }
  return evalResult(nll, tokens);
}
