import { decodeCp1252 } from '../../util/cp1252.js';
import { isUtf8 } from 'node:buffer';
import type { EmbeddingFile, EmbeddingFormat } from './types.js';

const INITIAL_ROWS = 1024;

/**
 * Collects the kept rows while a reader streams a file: decides per row (keep predicate,
 * first occurrence of a word wins), and stores kept vectors in one growing Float32Array,
 * so memory follows the rows kept. The format readers only parse.
 */
export class RowStore {
  readonly words: string[] = [];
  private readonly seen = new Map<string, number>();
  private data: Float32Array;
  lines = 0;
  invalidUtf8Lines = 0;
  duplicates = 0;

  constructor(
    readonly dim: number,
    private readonly keep: ((word: string) => boolean) | undefined,
    private readonly maxWords: number,
  ) {
    this.data = new Float32Array(Math.min(INITIAL_ROWS, maxWords) * dim);
  }

  /** True once maxWords words are kept: the reader may stop. */
  get full(): boolean {
    return this.words.length >= this.maxWords;
  }

  /**
   * A word's bytes as a string. A word that is not valid UTF-8 is read as Windows-1252 and the
   * row is counted rather than refused: the GloVe distributions themselves hold a few such rows
   * (Windows-1252 dashes and quotes: "\x96" is "–"), and one odd word must not stop a load.
   * Replacing the bad bytes with U+FFFD instead would merge distinct words into one. The strict
   * check runs only when the plain decoding produced a U+FFFD, which valid files almost never contain.
   */
  decodeWord(bytes: Buffer): string {
    const word = bytes.toString('utf8');
    if (!word.includes('\uFFFD') || isUtf8(bytes)) return word;
    this.invalidUtf8Lines++;
    return decodeCp1252(bytes);
  }

  /**
   * Counts a row and decides whether to keep it: the offset in `vectors` to write its
   * values at, or -1 to read past it.
   */
  offer(word: string): number {
    this.lines++;
    if (this.seen.has(word)) {
      this.duplicates++;
      return -1;
    }
    if (this.full || (this.keep && !this.keep(word))) return -1;
    const row = this.words.length;
    this.seen.set(word, row);
    this.words.push(word);
    if ((row + 1) * this.dim > this.data.length) {
      const grown = new Float32Array(Math.max(INITIAL_ROWS, row * 2) * this.dim);
      grown.set(this.data);
      this.data = grown;
    }
    return row * this.dim;
  }

  get vectors(): Float32Array {
    return this.data;
  }

  result(format: EmbeddingFormat, gzip: boolean): EmbeddingFile {
    const kept = this.words.length;
    return {
      dim: this.dim,
      words: this.words,
      vectors: this.data.slice(0, kept * this.dim), // drops the spare capacity
      stats: { lines: this.lines, kept, invalidUtf8Lines: this.invalidUtf8Lines, duplicates: this.duplicates, format, gzip },
    };
  }
}
