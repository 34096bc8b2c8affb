/**
 * Table-driven StepModels for the decoding tests: the next-token logits are a pure function
 * of a row's whole history (prime + fed tokens), so the exact distribution at every step is
 * known to the test, and a decoder that mixes up rows or beams gets visibly wrong logits.
 * Counters let tests check that decoding is incremental (prime once, one token per step).
 */
import type { DecodeState, StepModel } from '../../src/generate/step-model.js';

class ToyState implements DecodeState {
  constructor(readonly rows: number[][]) {}
  get batch(): number {
    return this.rows.length;
  }
}

export class TableModel implements StepModel {
  readonly stats = { primeCalls: 0, stepCalls: 0, reorderCalls: 0, tokensFed: 0, maxBatch: 0 };

  constructor(
    readonly vocabSize: number,
    /** Next-token logits given everything fed so far. */
    readonly logitsFor: (history: readonly number[]) => ArrayLike<number>,
  ) {}

  initState(batch: number): DecodeState {
    this.stats.maxBatch = Math.max(this.stats.maxBatch, batch);
    return new ToyState(Array.from({ length: batch }, () => []));
  }

  step(state: DecodeState, tokens: Int32Array): Float32Array {
    const s = state as ToyState;
    if (tokens.length !== s.batch) throw new Error(`step: ${tokens.length} tokens for a batch of ${s.batch}`);
    this.stats.stepCalls++;
    this.stats.tokensFed += tokens.length;
    s.rows.forEach((row, i) => row.push(this.checkToken(tokens[i])));
    return this.output(s);
  }

  prime(state: DecodeState, tokens: Int32Array): Float32Array {
    const s = state as ToyState;
    this.stats.primeCalls++;
    this.stats.tokensFed += tokens.length * s.batch;
    for (const row of s.rows) for (const t of tokens) row.push(this.checkToken(t));
    return this.output(s);
  }

  reorder(state: DecodeState, indices: Int32Array): DecodeState {
    const s = state as ToyState;
    this.stats.reorderCalls++;
    return new ToyState(Array.from(indices, (i) => {
      if (i < 0 || i >= s.batch) throw new Error(`reorder: row ${i} of ${s.batch}`);
      return s.rows[i].slice();
    }));
  }

  /** The model's raw logits after `history`, as the decoders see them (float32). */
  logits(history: readonly number[]): Float32Array {
    return Float32Array.from(this.logitsFor(history));
  }

  // logitsFor is pure; caching keeps 20000-row test batches cheap.
  private readonly cache = new Map<string, Float32Array>();

  private cachedLogits(history: readonly number[]): Float32Array {
    const key = history.join(',');
    let l = this.cache.get(key);
    if (!l) this.cache.set(key, (l = this.logits(history)));
    return l;
  }

  private output(s: ToyState): Float32Array {
    const v = this.vocabSize;
    const out = new Float32Array(s.batch * v);
    s.rows.forEach((row, i) => out.set(this.cachedLogits(row), i * v));
    return out;
  }

  private checkToken(t: number): number {
    if (!Number.isInteger(t) || t < 0 || t >= this.vocabSize) throw new Error(`token ${t} outside the vocabulary`);
    return t;
  }
}

/** First-order Markov chain: probs[prev][next] (rows need not be normalised; 0 = impossible). */
export function markovModel(probs: number[][]): TableModel {
  return new TableModel(probs.length, (h) => probs[h[h.length - 1]].map(Math.log));
}

/**
 * A tree over generated tokens (after the prime): keys are the generated ids joined by ',',
 * values the next-token probabilities; missing keys give `fallback`.
 */
export function treeModel(vocabSize: number, primeLength: number, tree: Record<string, number[]>, fallback: number[]): TableModel {
  return new TableModel(vocabSize, (h) => (tree[h.slice(primeLength).join(',')] ?? fallback).map(Math.log));
}

/** Deterministic pseudo-random logits from the full history (hash), for exhaustive beam checks. */
export function hashModel(vocabSize: number, salt = 1): TableModel {
  return new TableModel(vocabSize, (h) => {
    let x = (salt * 0x9e3779b9) >>> 0;
    for (const t of h) x = Math.imul(x ^ (t + 0x7f4a7c15), 0x85ebca6b) >>> 0;
    const out: number[] = [];
    for (let i = 0; i < vocabSize; i++) {
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
      x = (x + 0x6d2b79f5) >>> 0;
      out.push(((x >>> 8) / 16777216) * 4 - 2);
    }
    return out;
  });
}

/** One letter per id (id 0 is shown as '$'), for stop-string tests. */
export const letters = (ids: number[]): string => ids.map((i) => (i === 0 ? '$' : String.fromCharCode(96 + i))).join('');

/** A 6-token Markov chain with [EOS] = 0, used across tests. */
export const MARKOV6 = [
  [0.0, 0.2, 0.2, 0.2, 0.2, 0.2], // after EOS (used as a start token)
  [0.05, 0.1, 0.5, 0.2, 0.1, 0.05],
  [0.1, 0.3, 0.05, 0.4, 0.1, 0.05],
  [0.05, 0.2, 0.2, 0.05, 0.45, 0.05],
  [0.15, 0.1, 0.3, 0.1, 0.05, 0.3],
  [0.1, 0.35, 0.05, 0.2, 0.25, 0.05],
];
