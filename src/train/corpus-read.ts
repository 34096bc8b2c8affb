/**
 * One streaming pass over a corpus file: documents arrive as pieces of text (cut where tokens
 * and normalisation agree, src/text/cut.ts), each piece is tokenized and its tokens become
 * provisional ids (first-seen order) in a packed array. Only the current piece's tokens and the
 * distinct tokens are ever held as strings, so memory is the ids (2–4 bytes a token) plus the
 * vocabulary, whatever the size of the file. A plain-text file read as one document is never
 * one string either: it is read chunk by chunk.
 */
import { statSync } from 'node:fs';
import { cutChunks, cutText } from '../text/cut.js';
import { codePointLength, detectFormat, readDocuments, readTextChunks, type SourceOptions, type SourceStats } from '../text/sources/index.js';
import { IdBuilder } from '../text/token-ids.js';
import { checkEncoding } from '../text/sources/decode.js';
import { inspectDataFile, refuseStreamedText } from '../text/sources/data-file.js';
import { RnnlabError } from '../errors.js';
import type { Tokenizer } from '../text/tokenizers/tokenizer.js';

/** How far the reading of a file has got: bytes of the file (compressed bytes for gzip) out of its size. */
export interface LoadProgress {
  path: string;
  bytes: number;
  total: number;
  /** Why the file is read: 'tokens', or 'bpe' (a first pass that learns the merges). */
  purpose: 'tokens' | 'bpe';
  /** The last report of a pass. */
  done: boolean;
}

/** Receives each document as pieces of text, then its end. */
export interface DocumentVisitor {
  piece(text: string): void;
  end(): void;
}

/** UTF-16 units per piece: large enough that per-piece costs vanish, small enough to be nothing in memory. */
const PIECE = 1 << 16;

/** The file's size in bytes (0 when it cannot be read: the reader then says why). */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** A plain-text file read as one document: streamed as chunks instead of joined into one string. */
function isWholeText(path: string, source: SourceOptions): boolean {
  const format = source.format ?? 'auto';
  return (format === 'auto' ? detectFormat(path) : format) === 'text' && (source.unit ?? 'file') === 'file';
}

/**
 * Reads the documents of `path` (at most `maxDocs` when above 0) into `visit`, filling `stats`
 * as readDocuments does (characters are code points of the NFC text).
 */
export async function visitDocuments(
  path: string, source: SourceOptions, maxDocs: number, stats: SourceStats, visit: DocumentVisitor,
  progress?: (p: LoadProgress) => void, purpose: LoadProgress['purpose'] = 'tokens',
): Promise<void> {
  const total = fileSize(path);
  const onRead = progress ? (bytes: number) => progress({ path, bytes, total, purpose, done: false }) : undefined;
  if (isWholeText(path, source)) {
    // Streamed, so the text is never held whole: no memory cap on what is read (the ids are the cost).
    const encoding = checkEncoding(source.encoding ?? 'utf8');
    const file = await inspectDataFile(path);
    refuseStreamedText(path, file);
    const chunks = readTextChunks(path, { encoding, file, maxBytes: Infinity, onRead });
    let text = false;
    for await (const piece of cutChunks(chunks, PIECE)) {
      stats.characters += codePointLength(piece.normalize('NFC'));
      if (!text && /\S/u.test(piece)) text = true;
      visit.piece(piece);
    }
    if (!text) throw new RnnlabError(`${path} holds only whitespace: there is no text to learn from or score`);
    stats.documents++;
    visit.end();
  } else {
    let n = 0;
    for await (const doc of readDocuments(path, source, stats, onRead)) {
      for (const piece of cutText(doc.text, PIECE)) visit.piece(piece);
      visit.end();
      if (maxDocs > 0 && ++n >= maxDocs) break;
    }
  }
  progress?.({ path, bytes: total, total, purpose, done: true });
}

/**
 * The tokens of a pass as provisional ids: id i is the i-th distinct token met (`tokens[i]`,
 * seen `counts[i]` times), so the map from these ids to a vocabulary's is one small table.
 */
export class TokenPass implements DocumentVisitor {
  readonly ids: IdBuilder;
  /** Tokens in each document, in file order. */
  readonly docLengths: number[] = [];
  readonly tokens: string[] = [];
  readonly counts: number[] = [];
  private readonly index = new Map<string, number>();
  private docStart = 0;

  constructor(private readonly tokenizer: Tokenizer, capacity?: number) {
    this.ids = new IdBuilder(capacity);
  }

  piece(text: string): void {
    const { index, tokens, counts, ids } = this;
    for (const t of this.tokenizer.tokenize(text)) {
      let id = index.get(t);
      if (id === undefined) {
        id = tokens.length;
        index.set(t, id);
        tokens.push(t);
        counts.push(0);
      }
      counts[id]++;
      ids.push(id);
    }
  }

  end(): void {
    this.docLengths.push(this.ids.length - this.docStart);
    this.docStart = this.ids.length;
  }

  /** The counts as a map in first-seen order, for building a vocabulary. */
  countMap(): Map<string, number> {
    const m = new Map<string, number>();
    this.tokens.forEach((t, i) => m.set(t, this.counts[i]));
    return m;
  }
}

/** Collects the pieces themselves (learning BPE merges needs the text). */
export class TextPass implements DocumentVisitor {
  readonly texts: string[] = [];
  piece(text: string): void {
    if (text.length > 0) this.texts.push(text);
  }
  end(): void {}
}
