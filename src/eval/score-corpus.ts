/**
 * What `rnnlab eval` reports for one corpus (a prepared Corpus, every token in it scored): the
 * standard figures, optionally the notebook figure beside them, and the tokens the vocabulary
 * lacks. Stream data is cut into `batch` rows walked in windows of `seq`, the state carried;
 * documents are padded per batch, each from a zero state. For the notebook figure a document is
 * a document of the source (a JSON/CSV record; a plain-text file is one), whatever the batching.
 */
import type { LanguageModel } from '../nn/language-model.js';
import type { Corpus } from '../train/corpus.js';
import { DocumentLosses } from './notebook.js';
import { evaluateDocs, evaluateStream, type BatchProgress, type EvalResult } from './perplexity.js';

export interface ScoreOptions {
  /** Rows scored in parallel. */
  batch: number;
  /** Stream: window length. */
  seq: number;
  /** Also the notebook figure (a second pass over the logits in JS: slower). */
  notebook?: boolean;
  /** Hears each scored batch (a progress display for long texts). */
  progress?: BatchProgress;
}

export interface CorpusScore extends EvalResult {
  /** The notebook figure (notebook.ts) and the documents it averages over. */
  notebook?: { perplexity: number; documents: number };
  /** Stream: the rows the text was cut into (at most `batch`: see streamRows). */
  rows?: number;
}

/**
 * The rows a stream of `tokens` is scored in: `batch`, but never so many that a row holds less
 * than `minRow` tokens (validation: one window of --seq). Every row starts from an empty state,
 * so more, shorter rows would score more tokens with little context and change the figure (a
 * 2,000-token text in 100,000 rows: every token from an empty state).
 */
export function streamRows(tokens: number, batch: number, minRow: number): number {
  return Math.min(batch, Math.max(1, Math.floor((tokens - 1) / minRow)));
}

/**
 * eval's shortest row, whatever --seq is (the state is carried across windows, so the row's
 * length is the context, not --seq). On a small char LSTM and a 2,000-character text, rows of 32
 * score within ~3 % of rows of 256, rows of 8 ~20 % worse, rows of 1 ~85 %. Texts of 512 tokens
 * and more keep the default 16 rows (and the figures eval printed before).
 */
export const EVAL_MIN_ROW = 32;

export function scoreCorpus(model: LanguageModel, corpus: Corpus, o: ScoreOptions): CorpusScore {
  const d = corpus.data;
  const losses = o.notebook ? new DocumentLosses(d.kind === 'stream' ? corpus.documentStarts.length : d.train.length) : null;
  const rows = d.kind === 'stream' ? streamRows(d.train.length, o.batch, EVAL_MIN_ROW) : undefined;
  const r: CorpusScore = d.kind === 'stream'
    ? { ...evaluateStream(model, d.train, rows!, o.seq, losses ? { starts: corpus.documentStarts, losses } : undefined, o.progress), rows }
    : evaluateDocs(model, d.train, o.batch, corpus.vocab.pad, undefined, losses ?? undefined, o.progress);
  return losses ? { ...r, notebook: { perplexity: losses.perplexity, documents: losses.documents } } : r;
}

export interface OutOfVocabulary {
  /** Tokens outside the vocabulary: mapped to [UNK], or dropped (`dropped`) when the vocabulary has none. */
  count: number;
  /** The tokens of the text, dropped ones included. */
  total: number;
  /** count / total. */
  rate: number;
  dropped: boolean;
  /** The distinct tokens, in order of first appearance. */
  distinct: string[];
}

export function outOfVocabulary(corpus: Corpus): OutOfVocabulary {
  const dropped = corpus.vocab.unk < 0;
  const all = corpus.tokens + (dropped ? corpus.oov : 0);
  return { count: corpus.oov, total: all, rate: all > 0 ? corpus.oov / all : 0, dropped, distinct: corpus.unknown };
}
