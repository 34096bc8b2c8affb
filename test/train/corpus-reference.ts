/**
 * The corpus builder as it was before corpora were streamed (every document one string, every
 * token a string, then encoded): the reference the streaming builder must match id for id.
 * Test-only; fine for files of a few MB.
 */
import { RnnlabError } from '../../src/errors.js';
import { splitDocuments, splitStream } from '../../src/text/split.js';
import { learnBpe } from '../../src/text/tokenizers/bpe.js';
import { createTokenizer, type Tokenizer } from '../../src/text/tokenizers/tokenizer.js';
import { SPECIALS, Vocab, countTokens } from '../../src/text/vocab.js';
import type { SourceStats } from '../../src/text/sources/index.js';
import { readTexts, tokenizerKind, type CorpusOptions } from '../../src/train/corpus.js';

export type ReferenceData =
  | { kind: 'stream'; train: Int32Array; val: Int32Array }
  | { kind: 'docs'; train: Int32Array[]; val: Int32Array[] };

export interface ReferenceCorpus {
  tokenizer: Tokenizer;
  vocab: Vocab;
  data: ReferenceData;
  stats: SourceStats;
  tokens: number;
  oov: number;
  unknown: string[];
  documentStarts: number[];
}

/**
 * Builds a corpus. With `reuse` (a resumed run or an evaluation), the tokenizer and
 * vocabulary come from the model and text outside the vocabulary maps to [UNK] (or is an
 * error when strict or when the vocabulary has no [UNK]).
 */
export async function referenceCorpus(path: string, o: CorpusOptions, reuse?: { tokenizer: Tokenizer; vocab: Vocab }): Promise<ReferenceCorpus> {
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
  let data: ReferenceData;
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

