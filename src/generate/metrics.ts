/**
 * Quality measures of generated text. All are micro-averages over a set of outputs, with
 * n-grams never crossing from one output into the next and uniqueness/repeats judged
 * within each output: they describe what a strategy's texts look like, so a deterministic
 * strategy's identical outputs score the same as one of them.
 */
import type { Generation } from './decoders/options.js';
import { checked } from './decoders/rows.js';
import { logProbAt } from './processors/softmax.js';
import type { StepModel } from './step-model.js';

type Outputs = readonly (readonly number[])[];

function countNgrams(outputs: Outputs, n: number): { unique: number; total: number } {
  let unique = 0;
  let total = 0;
  for (const ids of outputs) {
    const seen = new Set<string>();
    for (let i = 0; i + n <= ids.length; i++) seen.add(ids.slice(i, i + n).join(','));
    unique += seen.size;
    total += Math.max(0, ids.length - n + 1);
  }
  return { unique, total };
}

/** Σ (distinct n-grams of an output) / Σ (n-grams of an output); NaN when no output has n tokens. */
export function distinctN(outputs: Outputs, n: number): number {
  const { unique, total } = countNgrams(outputs, n);
  return total === 0 ? NaN : unique / total;
}

/**
 * Share of n-grams (default 4) that repeat an earlier n-gram of the same output (every
 * occurrence after an n-gram's first); NaN when there are none.
 */
export function repetitionRate(outputs: Outputs, n = 4): number {
  const { unique, total } = countNgrams(outputs, n);
  return total === 0 ? NaN : (total - unique) / total;
}

export function meanLength(outputs: Outputs): number {
  return outputs.length === 0 ? NaN : outputs.reduce((a, ids) => a + ids.length, 0) / outputs.length;
}

/** exp(mean −log p) over every scored token of every output (corpus perplexity); NaN with no tokens. */
export function perplexity(tokenLogProbs: readonly (readonly number[])[]): number {
  let sum = 0;
  let count = 0;
  for (const lps of tokenLogProbs) for (const lp of lps) (sum -= lp), count++;
  return count === 0 ? NaN : Math.exp(sum / count);
}

/**
 * Raw log p (log-softmax of the model's logits) of each token of each sequence, given the
 * prime and the tokens before it: all sequences in one batch, prime run once. This re-scores
 * any text; for decoder outputs `Generation.tokenLogProbs` already holds the same numbers
 * (append the `[EOS]` id to a sequence that finished by 'eos' to score it too).
 */
export function scoreSequences(model: StepModel, prime: Int32Array, seqs: Outputs): number[][] {
  const v = model.vocabSize;
  const out: number[][] = seqs.map(() => []);
  let active = seqs.map((_, i) => i).filter((i) => seqs[i].length > 0);
  if (active.length === 0) return out;
  let state = model.initState(active.length);
  try {
    let logits = checked(model.prime(state, prime), active.length, v);
    for (let pos = 0; ; pos++) {
      for (let r = 0; r < active.length; r++) {
        const row = logits.subarray(r * v, (r + 1) * v);
        out[active[r]].push(logProbAt(row, seqs[active[r]][pos]));
      }
      const keep: number[] = [];
      for (let r = 0; r < active.length; r++) if (pos + 1 < seqs[active[r]].length) keep.push(r);
      if (keep.length === 0) return out;
      if (keep.length < active.length) state = model.reorder(state, Int32Array.from(keep));
      active = keep.map((r) => active[r]);
      logits = checked(model.step(state, Int32Array.from(active, (i) => seqs[i][pos])), active.length, v);
    }
  } finally {
    model.release?.(state);
  }
}

export interface GenerationMetrics {
  outputs: number;
  meanLength: number;
  distinct1: number;
  distinct2: number;
  /** Repetition rate over 4-grams. */
  repetition4: number;
  /** The outputs' own perplexity under the model's raw distribution, given the prime (`[EOS]` counted when generated). */
  perplexity: number;
}

export function generationMetrics(gens: readonly Generation[]): GenerationMetrics {
  const ids = gens.map((g) => g.ids);
  return {
    outputs: gens.length,
    meanLength: meanLength(ids),
    distinct1: distinctN(ids, 1),
    distinct2: distinctN(ids, 2),
    repetition4: repetitionRate(ids, 4),
    perplexity: perplexity(gens.map((g) => g.tokenLogProbs)),
  };
}
