import { RnnlabError } from '../../errors.js';
import { validateSamplingOptions, type SamplingOptions } from '../processors/options.js';
import type { StepModel } from '../step-model.js';

export interface DecodeOptions extends SamplingOptions {
  /** Token ids fed before generation (≥ 1 token), run once for the whole batch. */
  prime: Int32Array;
  /** Most tokens generated per output, `[EOS]` included. */
  maxTokens: number;
  /** Token that ends an output (not included in `ids`); -1 or omitted: none. */
  eosId?: number;
  /** Generation stops once the decoded output contains this string; needs `detokenize`. */
  stop?: string;
  detokenize?: (ids: number[]) => string;
  /** Parallel outputs, decoded as one batch (beams: independent searches, numSamples·beams rows). Default 1. */
  numSamples?: number;
  /** Default 0. Row (or search) r draws from its own stream `rowRng(seed, r)`. */
  seed?: number;
  /**
   * Streaming (greedy and sample only: a beam's tokens are not final until the search ends):
   * called as each token is appended to row `row`'s output, never for `[EOS]` or for the token
   * that completes the stop string (earlier tokens may already hold the stop string's start).
   */
  onToken?: (row: number, id: number) => void;
}

export interface BeamOptions extends DecodeOptions {
  /** Beam width W (default 5). */
  beams?: number;
  /** α of the GNMT length normalisation score = Σ log p / ((5 + len)/6)^α; default 0 (no normalisation). */
  lengthPenalty?: number;
  /** Hypotheses returned per search (default W, at most W). */
  nBest?: number;
}

export type FinishReason = 'length' | 'eos' | 'stop';

export interface Generation {
  /** The row (greedy/sample) or independent search (beams) this output came from. */
  sample: number;
  /** Generated token ids: no prime, no `[EOS]`, nothing from the token that completed the stop string on. */
  ids: number[];
  /** When `detokenize` was given: the decoded output, cut exactly before the stop string. */
  text?: string;
  /**
   * Raw log-probability of every scored token under the model (log-softmax of the raw
   * logits, before any processor): one per id, plus a last one for `[EOS]` when finishedBy
   * is 'eos'.
   */
  tokenLogProbs: number[];
  /** Sum of tokenLogProbs. */
  logProb: number;
  /** Beams only: Σ log p under the processed distribution, divided by the length penalty. */
  score?: number;
  /** Beams only: position in its search's n-best list (0 = best). */
  rank?: number;
  finishedBy: FinishReason;
}

export interface ResolvedOptions {
  prime: Int32Array;
  maxTokens: number;
  eosId: number;
  numSamples: number;
  seed: number;
}

/** Checks everything a decoder needs before touching the model; throws RnnlabError. */
export function validateDecodeOptions(model: StepModel, o: DecodeOptions): ResolvedOptions {
  const v = model.vocabSize;
  validateSamplingOptions(o, v);
  if (!(o.prime instanceof Int32Array) || o.prime.length < 1) {
    throw new RnnlabError('the prime must hold at least one token (an Int32Array of token ids)');
  }
  for (const id of o.prime) {
    if (id < 0 || id >= v) throw new RnnlabError(`prime token id ${id} is outside the vocabulary (size ${v})`);
  }
  if (!Number.isInteger(o.maxTokens) || o.maxTokens < 0) {
    throw new RnnlabError(`maxTokens must be an integer ≥ 0, got ${o.maxTokens}`);
  }
  const eosId = o.eosId ?? -1;
  if (!Number.isInteger(eosId) || eosId < -1 || eosId >= v) {
    throw new RnnlabError(`eosId must be -1 (none) or a token id below ${v}, got ${eosId}`);
  }
  const numSamples = o.numSamples ?? 1;
  if (!Number.isInteger(numSamples) || numSamples < 1) {
    throw new RnnlabError(`numSamples must be an integer ≥ 1, got ${numSamples}`);
  }
  if (o.minLength !== undefined && o.minLength > o.maxTokens) {
    throw new RnnlabError(`minLength ${o.minLength} is more than maxTokens ${o.maxTokens}, the most any output holds`);
  }
  if (o.stop !== undefined) {
    if (typeof o.stop !== 'string' || o.stop.length === 0) throw new RnnlabError('the stop string must be non-empty');
    if (typeof o.detokenize !== 'function') throw new RnnlabError('a stop string needs a detokenize function to find it');
  }
  const seed = o.seed ?? 0;
  if (!Number.isFinite(seed)) throw new RnnlabError(`seed must be a finite number, got ${seed}`);
  return { prime: o.prime, maxTokens: o.maxTokens, eosId, numSamples, seed };
}

export interface ResolvedBeamOptions extends ResolvedOptions {
  beams: number;
  lengthPenalty: number;
  nBest: number;
}

export function validateBeamOptions(model: StepModel, o: BeamOptions): ResolvedBeamOptions {
  const base = validateDecodeOptions(model, o);
  const beams = o.beams ?? 5;
  if (!Number.isInteger(beams) || beams < 1) throw new RnnlabError(`beams must be an integer ≥ 1, got ${beams}`);
  const lengthPenalty = o.lengthPenalty ?? 0;
  if (!Number.isFinite(lengthPenalty) || lengthPenalty < 0) {
    throw new RnnlabError(`lengthPenalty must be a finite number ≥ 0, got ${lengthPenalty}`);
  }
  const nBest = o.nBest ?? beams;
  if (!Number.isInteger(nBest) || nBest < 1 || nBest > beams) {
    throw new RnnlabError(`nBest must be an integer from 1 to the beam width ${beams}, got ${nBest}`);
  }
  return { ...base, beams, lengthPenalty, nBest };
}
