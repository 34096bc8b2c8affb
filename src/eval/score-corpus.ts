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
}

export function scoreCorpus(model: LanguageModel, corpus: Corpus, o: ScoreOptions): CorpusScore {
  const d = corpus.data;
  const losses = o.notebook ? new DocumentLosses(d.kind === 'stream' ? corpus.documentStarts.length : d.train.length) : null;
  const r = d.kind === 'stream'
    ? evaluateStream(model, d.train, o.batch, o.seq, losses ? { starts: corpus.documentStarts, losses } : undefined, o.progress)
    : evaluateDocs(model, d.train, o.batch, corpus.vocab.pad, undefined, losses ?? undefined, o.progress);
  return losses ? { ...r, notebook: { perplexity: losses.perplexity, documents: losses.documents } } : r;
}

export interface OutOfVocabulary {
  /** Tokens outside the vocabulary: mapped to [UNK], or dropped (`dropped`) when the vocabulary has none. */
  count: number;
  /** count / the tokens of the text (dropped ones included). */
  rate: number;
  dropped: boolean;
  /** The distinct tokens, in order of first appearance. */
  distinct: string[];
}

export function outOfVocabulary(corpus: Corpus): OutOfVocabulary {
  const dropped = corpus.vocab.unk < 0;
  const all = corpus.tokens + (dropped ? corpus.oov : 0);
  return { count: corpus.oov, rate: all > 0 ? corpus.oov / all : 0, dropped, distinct: corpus.unknown };
}
