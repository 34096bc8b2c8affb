/** The three layouts pretrained word vectors are distributed in. */
export type EmbeddingFormat = 'glove' | 'word2vec' | 'word2vec-bin';

export const EMBEDDING_FORMATS: readonly ('auto' | EmbeddingFormat)[] = ['auto', 'glove', 'word2vec', 'word2vec-bin'];

export interface ReadEmbeddingsOptions {
  /**
   * 'auto' (default) decides by content: a first line of exactly two integers is a word2vec
   * header, followed by text (word2vec) or by non-text bytes (word2vec-bin); anything else
   * is GloVe. Gzip is always recognised by its magic bytes, whatever the format.
   */
  format?: 'auto' | EmbeddingFormat;
  /**
   * Which rows to store (all when absent); the others are read past and forgotten, so memory
   * follows what is kept, not the file. Called at most once per row, in file order, and
   * never for a repeat of a word already kept, so a predicate that counts what it accepts
   * (see selectForFileVocab) counts distinct words.
   */
  keep?: (word: string) => boolean;
  /** The width the caller needs (the model's --embed); a file of another width is refused. */
  dim?: number;
  /** Stop reading once this many words are kept (a vocabulary of the file's most frequent words needs no more). */
  maxWords?: number;
}

export interface EmbeddingStats {
  /** Vector rows read (a word2vec header and blank lines are not rows). */
  lines: number;
  /** Rows stored: words.length. */
  kept: number;
  /** Rows whose word was not valid UTF-8 (then read as Windows-1252). */
  invalidUtf8Lines: number;
  /** Rows skipped because their word was already kept (the first row of a word wins). */
  duplicates: number;
  format: EmbeddingFormat;
  gzip: boolean;
}

export interface EmbeddingFile {
  dim: number;
  /** Kept words in file order (for GloVe and word2vec files: most frequent first). */
  words: string[];
  /** Row-major [words.length, dim]. */
  vectors: Float32Array;
  stats: EmbeddingStats;
}
