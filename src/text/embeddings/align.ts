import { RnnlabError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { PAD, SPECIALS, type Vocab } from '../vocab.js';
import { count } from './messages.js';
import type { EmbeddingFile } from './types.js';

export interface EmbeddingAlignment {
  /** Row-major [vocab.size, dim]: the initial embedding weight. */
  matrix: Float32Array;
  /** Vocabulary words (specials excluded) given a vector from the file: exact + lowercased. */
  covered: number;
  exact: number;
  /** Covered through the lower-case form of the word (GloVe 6B is lower-case; data often is not). */
  lowercased: number;
  /** The vocabulary words, specials excluded: the denominator of the coverage. */
  words: number;
  /** Standard deviation of the covered values; uncovered rows are drawn from N(0, sigma²). */
  sigma: number;
  /** One line for the user, e.g. "embeddings: 2,400 of 29,115 vocabulary words covered (8.2 %)". */
  report: string;
}

/**
 * An embedding matrix for `vocab` from a file's vectors. Row of word w: the vector of w, else
 * of w.toLowerCase(), else random. Random rows are drawn from N(0, σ²) with σ the standard
 * deviation of the covered values, so they have the scale of the rows beside them (a fixed
 * scale would make them stand out to the first layer); seeded, in vocabulary order. [PAD] is
 * zeros (it is masked anyway, and zeros are what padding_idx gives in PyTorch); the other
 * special tokens never occur in a pretraining corpus, so they are random like unknown words.
 */
export function alignEmbeddings(vocab: Vocab, file: EmbeddingFile, opts: { seed: number }): EmbeddingAlignment {
  const { dim, vectors } = file;
  const rowOf = new Map<string, number>();
  file.words.forEach((w, i) => rowOf.set(w, i));
  const special = new Set(SPECIALS);
  const matrix = new Float32Array(vocab.size * dim);
  const random: number[] = [];
  const coveredIds: number[] = [];
  let exact = 0;
  let lowercased = 0;
  let words = 0;
  vocab.tokens.forEach((token, id) => {
    if (special.has(token)) {
      if (token !== PAD) random.push(id);
      return;
    }
    words++;
    let row = rowOf.get(token);
    if (row !== undefined) exact++;
    else if ((row = rowOf.get(token.toLowerCase())) !== undefined) lowercased++;
    if (row === undefined) random.push(id);
    else {
      matrix.set(vectors.subarray(row * dim, (row + 1) * dim), id * dim);
      coveredIds.push(id);
    }
  });
  const covered = exact + lowercased;
  if (covered === 0) {
    const { kept, lines } = file.stats;
    throw new RnnlabError(`the embedding file covers none of the ${count(words, 'vocabulary word')} (${kept.toLocaleString('en-US')} of its ${count(lines, 'row')} kept): is it the file meant for this data?`);
  }
  const sigma = rowsStd(matrix, dim, coveredIds);
  const rng = new Rng(opts.seed);
  for (const id of random) {
    for (let k = id * dim; k < (id + 1) * dim; k++) matrix[k] = sigma * rng.normal();
  }
  return { matrix, covered, exact, lowercased, words, sigma, report: report(covered, words, lowercased, file) };
}

/** Population standard deviation of the given rows' values (two passes: the mean is not assumed to be 0). */
function rowsStd(matrix: Float32Array, dim: number, rows: readonly number[]): number {
  let sum = 0;
  for (const id of rows) for (let k = id * dim; k < (id + 1) * dim; k++) sum += matrix[k];
  const mean = sum / (rows.length * dim);
  let sq = 0;
  for (const id of rows) {
    for (let k = id * dim; k < (id + 1) * dim; k++) {
      const d = matrix[k] - mean;
      sq += d * d;
    }
  }
  return Math.sqrt(sq / (rows.length * dim));
}

function report(covered: number, words: number, lowercased: number, file: EmbeddingFile): string {
  const pct = ((100 * covered) / words).toFixed(1);
  let line = `embeddings: ${covered.toLocaleString('en-US')} of ${count(words, 'vocabulary word')} covered (${pct} %`;
  if (lowercased > 0) line += `, ${lowercased.toLocaleString('en-US')} through lower case`;
  line += ')';
  const { invalidUtf8Lines, duplicates } = file.stats;
  if (invalidUtf8Lines > 0) line += `, ${count(invalidUtf8Lines, 'line')} with invalid UTF-8`;
  if (duplicates > 0) line += `, ${count(duplicates, 'repeated word')} ignored`;
  return line;
}
