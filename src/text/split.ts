import { RnnlabError } from '../errors.js';
import { Rng } from '../util/rng.js';
import type { TokenIds } from './token-ids.js';

function checkFraction(valFraction: number): void {
  if (!(valFraction >= 0 && valFraction < 1)) {
    throw new RnnlabError(`the validation fraction must be at least 0 and below 1, got ${valFraction}`);
  }
}

/**
 * Seeded document split: shuffle a copy with Rng(seed), then the last round(n·valFraction)
 * documents are validation. With a fraction above 0 and at least two documents, each side
 * gets at least one; a single document always goes to train. The input array is not modified.
 */
export function splitDocuments<T>(docs: readonly T[], valFraction: number, seed: number): { train: T[]; val: T[] } {
  checkFraction(valFraction);
  const shuffled = new Rng(seed).shuffle([...docs]);
  const n = shuffled.length;
  // A lone document goes to training: a model cannot be trained on nothing.
  let nVal = n < 2 ? 0 : Math.round(n * valFraction);
  if (valFraction > 0 && n >= 2) nVal = Math.min(n - 1, Math.max(1, nVal));
  return { train: shuffled.slice(0, n - nVal), val: shuffled.slice(n - nVal) };
}

/**
 * Held-out tail of a token stream: the last round(n·valFraction) ids are validation, at least
 * 2 on each side when the fraction is above 0 (one token predicts nothing). Both halves are
 * views on `ids`, not copies.
 */
export function splitStream<T extends TokenIds>(ids: T, valFraction: number): { train: T; val: T } {
  checkFraction(valFraction);
  const n = ids.length;
  let nVal = Math.round(n * valFraction);
  if (valFraction > 0) {
    if (n < 4) throw new RnnlabError(`a stream of ${n} tokens is too short to hold out a validation part (need at least 4)`);
    nVal = Math.min(n - 2, Math.max(2, nVal));
  }
  return { train: ids.subarray(0, n - nVal) as T, val: ids.subarray(n - nVal) as T };
}
