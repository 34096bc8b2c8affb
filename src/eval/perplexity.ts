/**
 * Perplexity and bits per token, by the standard definitions:
 *   perplexity = exp(total NLL / predicted tokens),   bits per token = NLL / predicted / ln 2.
 * (Course notebooks average per-document perplexities and compute 2^loss from a natural-log
 * loss; neither is what these numbers are.) For a char model bits per token is bits/char.
 *
 * Each evaluation is a generator that yields after every batch, so a training run can give the
 * event loop a turn during a long validation; evaluateStream/evaluateDocs run one to the end.
 * Given a DocumentLosses, an evaluation also sums each target's loss into its document, for the
 * notebook figure (notebook.ts): the same forward passes, grouped differently.
 */
import type { LanguageModel } from '../nn/language-model.js';
import { documentBatches } from '../text/batching/documents.js';
import { StreamBatcher } from '../text/batching/stream.js';
import type { TokenIds } from '../text/token-ids.js';
import { documentAt, type DocumentLosses } from './notebook.js';
import { forEachTargetNll } from './target-nll.js';

export interface EvalResult {
  nll: number;
  tokens: number;
  /** Mean NLL per token, nats. */
  loss: number;
  perplexity: number;
  bitsPerToken: number;
  /** Classifiers: the share of rows classified right (tokens counts the rows). */
  accuracy?: number;
}

export function evalResult(nll: number, tokens: number): EvalResult {
  const loss = tokens > 0 ? nll / tokens : NaN;
  return { nll, tokens, loss, perplexity: Math.exp(loss), bitsPerToken: loss / Math.LN2 };
}

/** Runs an evaluation generator to its end. */
export function drain<R>(g: Generator<void, R>): R {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/** Hears each scored batch: `done` of `total` batches. */
export type BatchProgress = (done: number, total: number) => void;

/** Per-document losses of a stream: where each document begins in it, and where the sums go. */
export interface StreamDocuments {
  starts: readonly number[];
  losses: DocumentLosses;
}

/**
 * A token stream cut into B rows walked in windows of T, the state carried across windows, each
 * row from an empty state. Every token after the first is predicted, except the last (n−1) mod B.
 */
export function* streamEvaluation(model: LanguageModel, ids: TokenIds, B: number, T: number, perDocument?: StreamDocuments, progress?: BatchProgress): Generator<void, EvalResult> {
  const rows = Math.max(1, Math.min(B, ids.length - 1));
  const batcher = new StreamBatcher(ids, rows, T);
  const state = model.newState(rows);
  let nll = 0, tokens = 0;
  try {
    for (let k = 0; k < batcher.windows; k++) {
      const w = batcher.window(k);
      const r = model.forward(w.x, w.y, w.B, w.T, state, false, null);
      nll += r.nll;
      tokens += r.count;
      if (perDocument) {
        const { starts, losses } = perDocument;
        // the target at (b, t) is token b·rowLen + k·T + t + 1 of the stream
        forEachTargetNll(model, w.y, w.B, w.T, -1, (b, t, l) => losses.add(documentAt(starts, b * batcher.rowLen + k * T + t + 1), l));
      }
      progress?.(k + 1, batcher.windows);
      yield;
    }
  } finally {
    model.freeState(state);
  }
  return evalResult(nll, tokens);
}

/**
 * Documents padded per batch; [PAD] targets count neither in the NLL nor in the tokens. Per-document
 * losses need whole documents (no maxLen): row b of batch i is then document i·B + b.
 */
export function* documentEvaluation(model: LanguageModel, docs: readonly TokenIds[], B: number, padId: number, maxLen?: number, perDocument?: DocumentLosses, progress?: BatchProgress): Generator<void, EvalResult> {
  if (perDocument && maxLen !== undefined) throw new Error('per-document losses need whole documents (no maxLen)');
  let nll = 0, tokens = 0, first = 0;
  const batches = documentBatches(docs, { batchSize: B, mode: 'pad', padId, maxLen });
  for (const [i, b] of batches.entries()) {
    const state = model.newState(b.B);
    try {
      const r = model.forward(b.x, b.y, b.B, b.T, state, false, null, padId);
      nll += r.nll;
      tokens += r.count;
      if (perDocument) forEachTargetNll(model, b.y, b.B, b.T, padId, (row, _t, l) => perDocument.add(first + row, l));
      first += b.B;
    } finally {
      model.freeState(state);
    }
    progress?.(i + 1, batches.length);
    yield;
  }
  return evalResult(nll, tokens);
}

export function evaluateStream(model: LanguageModel, ids: TokenIds, B: number, T: number, perDocument?: StreamDocuments, progress?: BatchProgress): EvalResult {
  return drain(streamEvaluation(model, ids, B, T, perDocument, progress));
}

export function evaluateDocs(model: LanguageModel, docs: readonly TokenIds[], B: number, padId: number, maxLen?: number, perDocument?: DocumentLosses, progress?: BatchProgress): EvalResult {
  return drain(documentEvaluation(model, docs, B, padId, maxLen, perDocument, progress));
}
