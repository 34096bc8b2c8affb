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
import { MAX_U16, idArray, type TokenIds } from '../text/token-ids.js';
import { TextPass, TokenPass, fileSize, visitDocuments, type LoadProgress } from './corpus-read.js';

export type { LoadProgress } from './corpus-read.js';
export type { TokenIds } from '../text/token-ids.js';

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
  /** Hears how far the file has been read (after each chunk of the file, and once at the end). */
  progress?: (p: LoadProgress) => void;
}

/** Token ids packed 16 bits a token when the vocabulary allows, else 32 (src/text/token-ids.ts). */
export type CorpusData =
  | { kind: 'stream'; train: TokenIds; val: TokenIds }
  | { kind: 'docs'; train: TokenIds[]; val: TokenIds[] };

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
 *
 * The file is read once as a stream of provisional ids (corpus-read.ts; BPE reads it once more
 * to learn its merges first), the vocabulary is built from the counts of that pass, and the ids
 * are mapped to the vocabulary's in a packed array: the ids and batches are those of tokenizing
 * every document whole and encoding it, at 2–4 bytes a token.
 */
export async function prepareCorpus(path: string, o: CorpusOptions, reuse?: { tokenizer: Tokenizer; vocab: Vocab }): Promise<Corpus> {
  if (o.level === 'char' && o.batching === 'stream' && o.tokenizer && o.tokenizer !== 'char') {
    throw new RnnlabError(`--tokenizer ${o.tokenizer} does not fit --level char`);
  }
  const maxDocs = o.maxDocs ?? 0;
  // stream and window batching read one token stream; pad and bucket read documents
  const docsMode = o.batching === 'pad' || o.batching === 'bucket';
  let tokenizer = reuse?.tokenizer;
  if (!tokenizer) {
    const kind = tokenizerKind(o.level, o.tokenizer);
    if (kind === 'bpe') {
      const text = new TextPass();
      await visitDocuments(path, o.source, maxDocs, { documents: 0, characters: 0 }, text, o.progress, 'bpe');
      tokenizer = createTokenizer(learnBpe(text.texts, o.bpeMerges, { lowercase: o.lowercase }));
    } else {
      tokenizer = createTokenizer({
        kind, lowercase: o.lowercase,
        ...(kind === 'whitespace' ? { ...(o.unkToken !== undefined ? { unkToken: o.unkToken } : {}), ...(o.eosPerLine ? { eosPerLine: true } : {}) } : {}),
      });
    }
  }
  const stats: SourceStats = { documents: 0, characters: 0 };
  // A guess at the number of tokens, so the id array seldom grows: a character per byte, a word per
  // five (pages of the array never written cost nothing); none when only some documents are read.
  const guess = maxDocs > 0 ? undefined : Math.min(2 ** 30, fileSize(path) / (tokenizer.kind === 'char' ? 1 : 5));
  const pass = new TokenPass(tokenizer, guess);
  await visitDocuments(path, o.source, maxDocs, stats, pass, o.progress);
  let vocab = reuse?.vocab;
  if (!vocab) {
    const counts = pass.countMap();
    // A char stream joins documents with a newline; word streams separate them with [EOS].
    if (o.level === 'char' && !docsMode && pass.docLengths.length > 1) countTokens(counts, ['\n']);
    const specials = o.level === 'char' && !docsMode ? [] : SPECIALS;
    const opts = { specials, minFreq: o.minFreq, maxVocab: o.maxVocab > 0 ? o.maxVocab : undefined };
    vocab = o.makeVocab ? await o.makeVocab(counts, opts) : Vocab.build(counts, opts);
  }
  // Unknown tokens: [UNK] when the vocabulary has one; a char vocabulary has none, so unknown
  // characters are dropped (and counted) — unless the caller wants strictness.
  const onUnknown = o.strictVocab ? 'error' : vocab.unk >= 0 ? 'unk' : 'drop';
  const { remap, unknown, oov } = vocabularyMap(pass, vocab, onUnknown === 'drop' ? -1 : vocab.unk);
  if (docsMode && (vocab.sos < 0 || vocab.eos < 0 || vocab.pad < 0)) throw new RnnlabError('document batching needs a vocabulary with [PAD], [SOS] and [EOS]');
  if (onUnknown === 'error' && unknown.length > 0) refuseUnknown(pass, vocab);
  if (docsMode) {
    const docs = documentIds(pass, remap, vocab);
    if (docs.length < 2 && o.valFraction > 0) throw new RnnlabError(`${path} holds ${docs.length} document(s): --batching ${o.batching} with a validation split needs at least 2 (a plain-text file is one document; --batching stream reads it as one stream)`);
    const tokens = docs.reduce((n, d) => n + d.length, 0);
    const split = o.valFraction > 0 ? splitDocuments(docs, o.valFraction, o.seed) : { train: docs, val: [] };
    return { tokenizer, vocab, data: { kind: 'docs', ...split }, stats, tokens, oov, unknown, documentStarts: [] };
  }
  const sep = o.level === 'char' ? (vocab.has('\n') ? [vocab.id('\n')] : []) : vocab.eos >= 0 ? [vocab.eos] : [];
  const { ids, documentStarts } = streamIds(pass, remap, vocab, sep);
  const data: CorpusData = { kind: 'stream', ...(o.valFraction > 0 ? splitStream(ids, o.valFraction) : { train: ids, val: ids.subarray(0, 0) }) };
  return { tokenizer, vocab, data, stats, tokens: ids.length, oov, unknown, documentStarts };
}

/** Provisional id → vocabulary id (`unknownId` for tokens outside it), the unknown tokens in order of first appearance and how often they occur. */
function vocabularyMap(pass: TokenPass, vocab: Vocab, unknownId: number): { remap: Int32Array; unknown: string[]; oov: number } {
  const remap = new Int32Array(pass.tokens.length);
  const unknown: string[] = [];
  let oov = 0;
  pass.tokens.forEach((t, i) => {
    const id = vocab.id(t);
    if (id >= 0) {
      remap[i] = id;
      return;
    }
    remap[i] = unknownId;
    unknown.push(t);
    oov += pass.counts[i];
  });
  return { remap, unknown, oov };
}

/** The strict error: the first document (in file order) with unknown tokens, naming them as Vocab.encode does. */
function refuseUnknown(pass: TokenPass, vocab: Vocab): never {
  const ids = pass.ids.view();
  let at = 0;
  for (const n of pass.docLengths) {
    const seen = new Set<number>();
    for (let k = at; k < at + n; k++) if (!vocab.has(pass.tokens[ids[k]])) seen.add(ids[k]);
    if (seen.size > 0) vocab.encode([...seen].map((id) => pass.tokens[id]), 'error');
    at += n;
  }
  throw new RnnlabError('internal: unknown tokens without a document');
}

function dropsAny(remap: Int32Array): boolean {
  return remap.some((v) => v < 0);
}

/** Tokens of a document that the vocabulary keeps. */
function keptIn(ids: ArrayLike<number>, from: number, n: number, remap: Int32Array): number {
  let kept = 0;
  for (let k = from; k < from + n; k++) if (remap[ids[k]] >= 0) kept++;
  return kept;
}

/**
 * The stream: documents in order, `sep` between them, and where each document begins. When
 * nothing is inserted or dropped and the widths agree, the ids are mapped in place (no second
 * copy of a large corpus).
 */
function streamIds(pass: TokenPass, remap: Int32Array, vocab: Vocab, sep: number[]): { ids: TokenIds; documentStarts: number[] } {
  const lengths = pass.docLengths;
  const drops = dropsAny(remap);
  const documentStarts: number[] = [];
  const src = pass.ids.view();
  const sameWidth = (vocab.size - 1 <= MAX_U16) === !pass.ids.wide;
  if (!drops && (sep.length === 0 || lengths.length <= 1) && sameWidth) {
    for (let k = 0; k < src.length; k++) src[k] = remap[src[k]];
    let at = 0;
    for (const n of lengths) {
      documentStarts.push(at);
      at += n;
    }
    return { ids: pass.ids.finish(), documentStarts };
  }
  let total = sep.length * Math.max(0, lengths.length - 1);
  let at = 0;
  for (const n of lengths) {
    total += drops ? keptIn(src, at, n, remap) : n;
    at += n;
  }
  const out = idArray(vocab.size, total);
  let pos = 0;
  at = 0;
  lengths.forEach((n, d) => {
    if (d > 0) for (const s of sep) out[pos++] = s;
    documentStarts.push(pos);
    for (let k = at; k < at + n; k++) {
      const v = remap[src[k]];
      if (v >= 0) out[pos++] = v;
    }
    at += n;
  });
  pass.ids.finish();
  return { ids: out, documentStarts };
}

/** Each non-empty document as [SOS] … [EOS]: views on one packed array. */
function documentIds(pass: TokenPass, remap: Int32Array, vocab: Vocab): TokenIds[] {
  const lengths = pass.docLengths;
  const drops = dropsAny(remap);
  const src = pass.ids.view();
  let total = 0;
  let at = 0;
  for (const n of lengths) {
    if (n > 0) total += (drops ? keptIn(src, at, n, remap) : n) + 2;
    at += n;
  }
  const out = idArray(vocab.size, total);
  const docs: TokenIds[] = [];
  let pos = 0;
  at = 0;
  for (const n of lengths) {
    if (n > 0) {
      const start = pos;
      out[pos++] = vocab.sos;
      for (let k = at; k < at + n; k++) {
        const v = remap[src[k]];
        if (v >= 0) out[pos++] = v;
      }
      out[pos++] = vocab.eos;
      docs.push(out.subarray(start, pos));
    }
    at += n;
  }
  pass.ids.finish();
  return docs;
}

export { fingerprint } from './fingerprint.js';

/** A held-out file's ids (a stream or documents, as the training data) and its out-of-vocabulary count. */
export interface HeldOut {
  data: TokenIds | TokenIds[];
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
