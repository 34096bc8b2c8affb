/**
 * From a file to token ids ready for batching: read (any source), tokenize, build or reuse
 * the vocabulary, split into training and validation data. Two shapes of data:
 *   stream — one long id sequence (char-rnn style), the validation part is its tail;
 *   docs   — one id sequence per document wrapped as [SOS] … [EOS], split by a seeded
 *            shuffle of documents (the course's arXiv setup).
 */
import { RnnlabError } from '../errors.js';
import { readDocuments, type SourceOptions, type SourceStats } from '../text/sources/index.js';
import { splitDocuments, splitStream } from '../text/split.js';
import { learnBpe } from '../text/tokenizers/bpe.js';
import { createTokenizer, type Tokenizer, type TokenizerKind } from '../text/tokenizers/tokenizer.js';
import { SPECIALS, Vocab, countTokens, type VocabBuildOptions } from '../text/vocab.js';

export type Level = 'char' | 'word' | 'bpe';
export type Batching = 'stream' | 'window' | 'pad' | 'bucket';

export interface CorpusOptions {
  level: Level;
  /** For word level: word (razdel-like, default), wordpunct or whitespace. */
  tokenizer?: TokenizerKind;
  /** whitespace: the data's own unknown-word token, read as [UNK]. */
  unkToken?: string;
  /** whitespace: every line break is an [EOS] token. */
  eosPerLine?: boolean;
  lowercase: boolean;
  bpeMerges: number;
  minFreq: number;
  maxVocab: number;
  batching: Batching;
  valFraction: number;
  seed: number;
  source: SourceOptions;
  /** Use only the first N documents (0: all). */
  maxDocs?: number;
  /** Unknown tokens in evaluation data: map to [UNK] or fail. */
  strictVocab?: boolean;
  /**
   * Builds the vocabulary from the token counts instead of Vocab.build (a vocabulary from a
   * pretrained embedding file, or the data's words and the file's together).
   */
  makeVocab?: (counts: Map<string, number>, opts: VocabBuildOptions) => Promise<Vocab>;
}

export type CorpusData =
  | { kind: 'stream'; train: Int32Array; val: Int32Array }
  | { kind: 'docs'; train: Int32Array[]; val: Int32Array[] };

export interface Corpus {
  tokenizer: Tokenizer;
  vocab: Vocab;
  data: CorpusData;
  stats: SourceStats;
  tokens: number;
  /** Tokens mapped to [UNK] or dropped (only when reusing a vocabulary). */
  oov: number;
  /** Distinct tokens outside the vocabulary: mapped to [UNK], or dropped when the vocabulary has none (a char vocabulary). */
  unknown: string[];
  /** Stream data: where each document's first token is in the whole id stream (before the validation split); [] for documents. */
  documentStarts: number[];
}

export function tokenizerKind(level: Level, requested?: TokenizerKind): TokenizerKind {
  if (level === 'char') return 'char';
  if (level === 'bpe') return 'bpe';
  const k = requested ?? 'word';
  if (k !== 'word' && k !== 'wordpunct' && k !== 'whitespace') throw new RnnlabError(`--tokenizer ${k} does not fit --level word (use word, wordpunct or whitespace)`);
  return k;
}

/** Reads documents; with maxDocs > 0 only the first maxDocs (the rest of the file is not read). */
export async function readTexts(path: string, source: SourceOptions, maxDocs = 0): Promise<{ texts: string[]; stats: SourceStats }> {
  const stats: SourceStats = { documents: 0, characters: 0 };
  const texts: string[] = [];
  for await (const d of readDocuments(path, source, stats)) {
    texts.push(d.text);
    if (maxDocs > 0 && texts.length >= maxDocs) break;
  }
  return { texts, stats };
}

/**
 * Builds a corpus. With `reuse` (a resumed run or an evaluation), the tokenizer and
 * vocabulary come from the model and text outside the vocabulary maps to [UNK] (or is an
 * error when strict or when the vocabulary has no [UNK]).
 */
export async function prepareCorpus(path: string, o: CorpusOptions, reuse?: { tokenizer: Tokenizer; vocab: Vocab }): Promise<Corpus> {
  if (o.level === 'char' && o.batching === 'stream' && o.tokenizer && o.tokenizer !== 'char') {
    throw new RnnlabError(`--tokenizer ${o.tokenizer} does not fit --level char`);
  }
  const { texts, stats } = await readTexts(path, o.source, o.maxDocs ?? 0);
  // stream and window batching read one token stream; pad and bucket read documents
  const docsMode = o.batching === 'pad' || o.batching === 'bucket';
  let tokenizer = reuse?.tokenizer;
  if (!tokenizer) {
    const kind = tokenizerKind(o.level, o.tokenizer);
    tokenizer = kind === 'bpe'
      ? createTokenizer(learnBpe(texts, o.bpeMerges, { lowercase: o.lowercase }))
      : createTokenizer({
        kind, lowercase: o.lowercase,
        ...(kind === 'whitespace' ? { ...(o.unkToken !== undefined ? { unkToken: o.unkToken } : {}), ...(o.eosPerLine ? { eosPerLine: true } : {}) } : {}),
      });
  }
  // A char stream joins documents with a newline; word streams separate them with [EOS].
  const tokenLists = texts.map((t) => tokenizer.tokenize(t));
  let vocab = reuse?.vocab;
  if (!vocab) {
    const counts = new Map<string, number>();
    for (const ts of tokenLists) countTokens(counts, ts);
    if (o.level === 'char' && !docsMode && texts.length > 1) countTokens(counts, ['\n']);
    const specials = o.level === 'char' && !docsMode ? [] : SPECIALS;
    const opts = { specials, minFreq: o.minFreq, maxVocab: o.maxVocab > 0 ? o.maxVocab : undefined };
    vocab = o.makeVocab ? await o.makeVocab(counts, opts) : Vocab.build(counts, opts);
  }
  // Unknown tokens: [UNK] when the vocabulary has one; a char vocabulary has none, so unknown
  // characters are dropped (and counted) — unless the caller wants strictness.
  const onUnknown = o.strictVocab ? 'error' : vocab.unk >= 0 ? 'unk' : 'drop';
  let oov = 0;
  const unknown = new Set<string>();
  const encode = (ts: string[]) => {
    if (onUnknown === 'drop') {
      const kept = ts.filter((t) => vocab!.has(t) || (unknown.add(t), false));
      oov += ts.length - kept.length;
      return vocab!.encode(kept, 'error').ids;
    }
    const r = vocab!.encode(ts, onUnknown);
    oov += r.oov;
    if (r.oov > 0) for (const t of ts) if (!vocab!.has(t)) unknown.add(t);
    return r.ids;
  };
  let data: CorpusData;
  let tokens = 0;
  const documentStarts: number[] = [];
  if (docsMode) {
    if (vocab.sos < 0 || vocab.eos < 0 || vocab.pad < 0) throw new RnnlabError('document batching needs a vocabulary with [PAD], [SOS] and [EOS]');
    const docs = tokenLists.filter((ts) => ts.length > 0).map((ts) => {
      const ids = encode(ts);
      const d = new Int32Array(ids.length + 2);
      d[0] = vocab!.sos;
      d.set(ids, 1);
      d[d.length - 1] = vocab!.eos;
      tokens += d.length;
      return d;
    });
    if (docs.length < 2 && o.valFraction > 0) throw new RnnlabError(`${path} holds ${docs.length} document(s): --batching ${o.batching} with a validation split needs at least 2 (a plain-text file is one document; --batching stream reads it as one stream)`);
    const split = o.valFraction > 0 ? splitDocuments(docs, o.valFraction, o.seed) : { train: docs, val: [] };
    data = { kind: 'docs', ...split };
  } else {
    const sep = o.level === 'char' ? (vocab.has('\n') ? ['\n'] : []) : vocab.eos >= 0 ? ['[EOS]'] : [];
    // Encoded document by document, so where each begins is known (per-document figures, eval --metric notebook).
    const sepIds = encode(sep);
    const parts: Int32Array[] = [];
    tokenLists.forEach((ts, i) => {
      if (i > 0) {
        parts.push(sepIds);
        tokens += sepIds.length;
      }
      documentStarts.push(tokens);
      const part = encode(ts);
      parts.push(part);
      tokens += part.length;
    });
    const ids = new Int32Array(tokens);
    let at = 0;
    for (const p of parts) {
      ids.set(p, at);
      at += p.length;
    }
    data = { kind: 'stream', ...(o.valFraction > 0 ? splitStream(ids, o.valFraction) : { train: ids, val: new Int32Array(0) }) };
  }
  return { tokenizer, vocab, data, stats, tokens, oov, unknown: [...unknown], documentStarts };
}

export { fingerprint } from './fingerprint.js';

/** A held-out file's ids (a stream or documents, as the training data) and its out-of-vocabulary count. */
export interface HeldOut {
  data: Int32Array | Int32Array[];
  tokens: number;
  oov: number;
}

/**
 * A separate validation or test file read with the training data's tokenizer and vocabulary
 * (words outside it become [UNK] and are counted): the same shape of data as training.
 */
export async function heldOutData(path: string, o: CorpusOptions, reuse: { tokenizer: Tokenizer; vocab: Vocab }): Promise<HeldOut> {
  const c = await prepareCorpus(path, { ...o, valFraction: 0, maxDocs: 0, makeVocab: undefined }, reuse);
  return { data: c.data.train, tokens: c.tokens, oov: c.oov };
}
