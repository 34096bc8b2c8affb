import { RnnlabError } from '../../errors.js';
import { positiveInt } from './sizes.js';
import type { TokenIds } from '../token-ids.js';
import type { Rng } from '../../util/rng.js';

/**
 * A batch of documents for a language model, batch-major [B, T]. Row b holds inputs
 * doc[0..n-2] in x and targets doc[1..n-1] in y for its first lengths[b] positions; the rest
 * of the row is padId in both, so a loss that ignores padId in y ignores padding.
 */
export interface DocBatch {
  B: number;
  T: number;
  x: Int32Array;
  y: Int32Array;
  lengths: Int32Array;
  /** Number of real targets in the batch (sum of lengths). */
  tokens: number;
}

export interface DocumentBatchOptions {
  batchSize: number;
  /** 'pad': documents in order, B at a time. 'bucket': similar lengths together. */
  mode: 'pad' | 'bucket';
  padId: number;
  /** Longest document in tokens ([SOS] and [EOS] included); longer ones are split or cut. */
  maxLen?: number;
  /** Default 'split': consecutive pieces overlapping by one token, so no target is lost. */
  overflow?: 'split' | 'cut';
  /** Shuffles documents ('pad') or documents and then batch order ('bucket'); advanced in place. */
  shuffle?: Rng | null;
}

/**
 * Batches of whole documents, each already wrapped as [SOS] … [EOS]. One batch may have fewer
 * than batchSize rows: the last, or with a shuffled 'bucket' any one (the one of longest documents). With 'bucket', documents are shuffled before the stable sort by
 * length (when an Rng is given), so equal-length documents meet different partners each epoch.
 */
export function documentBatches(docs: readonly TokenIds[], opts: DocumentBatchOptions): DocBatch[] {
  const { batchSize, mode, padId } = opts;
  positiveInt(batchSize, 'batch size');
  if (mode !== 'pad' && mode !== 'bucket') throw new RnnlabError(`unknown batching mode "${mode}" (expected pad or bucket)`);
  if (!Number.isInteger(padId)) throw new RnnlabError(`pad id must be an integer, got ${padId}`);
  const overflow = opts.overflow ?? 'split';
  if (overflow !== 'split' && overflow !== 'cut') throw new RnnlabError(`unknown overflow policy "${overflow}" (expected split or cut)`);
  const maxLen = opts.maxLen;
  if (maxLen !== undefined && (!Number.isInteger(maxLen) || maxLen < 2)) {
    throw new RnnlabError(`maximum document length must be an integer of at least 2 tokens, got ${maxLen}`);
  }
  docs.forEach((d, i) => {
    if (d.length < 2) throw new RnnlabError(`document ${i} has ${d.length} token(s); documents need at least 2 (wrap them as [SOS] … [EOS])`);
  });

  const rng = opts.shuffle ?? null;
  let order = [...docs];
  if (rng) rng.shuffle(order);
  if (maxLen !== undefined) order = order.flatMap((d) => limit(d, maxLen, overflow));

  const groups: TokenIds[][] = [];
  if (mode === 'bucket') order.sort((a, b) => a.length - b.length);
  for (let i = 0; i < order.length; i += batchSize) groups.push(order.slice(i, i + batchSize));
  if (mode === 'bucket' && rng) rng.shuffle(groups);
  return groups.map((g) => makeBatch(g, padId));
}

/** Pieces of at most maxLen tokens; with 'split' each piece starts on the previous one's last token. */
function limit(doc: TokenIds, maxLen: number, overflow: 'split' | 'cut'): TokenIds[] {
  if (doc.length <= maxLen) return [doc];
  if (overflow === 'cut') return [doc.subarray(0, maxLen)];
  const pieces: TokenIds[] = [];
  for (let start = 0; start + 1 < doc.length; start += maxLen - 1) {
    pieces.push(doc.subarray(start, Math.min(start + maxLen, doc.length)));
  }
  return pieces;
}

function makeBatch(group: TokenIds[], padId: number): DocBatch {
  const B = group.length;
  let T = 0;
  for (const d of group) T = Math.max(T, d.length - 1);
  const x = new Int32Array(B * T).fill(padId);
  const y = new Int32Array(B * T).fill(padId);
  const lengths = new Int32Array(B);
  let tokens = 0;
  group.forEach((d, b) => {
    const n = d.length - 1;
    x.set(d.subarray(0, n), b * T);
    y.set(d.subarray(1), b * T);
    lengths[b] = n;
    tokens += n;
  });
  return { B, T, x, y, lengths, tokens };
}
