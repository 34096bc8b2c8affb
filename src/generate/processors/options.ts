import { RnnlabError } from '../../errors.js';

/** Knobs of the logits-processor pipeline (see pipeline.ts for the order they apply in). */
export interface SamplingOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  typical?: number;
  /** Power sampling p^α, renormalised. */
  alpha?: number;
  /** CTRL-style: logit>0 ? /θ : ·θ for tokens already generated (and in the prime). */
  repetitionPenalty?: number;
  noRepeatNgram?: number;
  bannedIds?: number[];
  /** Token sequences that may not be produced (the last token of one is masked when the history ends with the rest). */
  banSequences?: number[][];
  /** `[EOS]` (the decoder's eosId) is masked until this many tokens are generated; a stop string only counts after them. */
  minLength?: number;
  /** The truncation filters (top-k, top-p, min-p, typical, epsilon, eta) never leave fewer candidates (default 1). */
  minTokensToKeep?: number;
  /** Epsilon sampling: drop tokens with p < ε, ε in (0, 1). */
  epsilonCutoff?: number;
  /** Eta sampling: drop tokens with p < min(η, √η·exp(−H)), η in (0, 1). */
  etaCutoff?: number;
}

const SAMPLING_KEYS = [
  'temperature', 'topK', 'topP', 'minP', 'typical', 'alpha', 'repetitionPenalty', 'noRepeatNgram', 'bannedIds',
  'banSequences', 'minLength', 'minTokensToKeep', 'epsilonCutoff', 'etaCutoff',
] as const;

/** The option names `SamplingOptions` understands (grid parsing rejects anything else). */
export const SAMPLING_OPTION_KEYS: readonly string[] = SAMPLING_KEYS;

/**
 * Throws RnnlabError on the first invalid option. `vocabSize`, when given, also range-checks
 * bannedIds (the processors cannot, as they only see one row).
 */
export function validateSamplingOptions(o: SamplingOptions, vocabSize?: number): void {
  const num = (name: string, v: unknown): v is number => {
    if (v === undefined) return false;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RnnlabError(`${name} must be a finite number, got ${show(v)}`);
    }
    return true;
  };
  if (num('temperature', o.temperature) && o.temperature < 0) {
    throw new RnnlabError(`temperature must be ≥ 0 (0 means greedy), got ${o.temperature}`);
  }
  if (num('topK', o.topK) && (!Number.isInteger(o.topK) || o.topK < 1)) {
    throw new RnnlabError(`topK must be an integer ≥ 1, got ${o.topK}`);
  }
  for (const name of ['topP', 'minP', 'typical'] as const) {
    const v = o[name];
    if (num(name, v) && !(v > 0 && v <= 1)) throw new RnnlabError(`${name} must be in (0, 1], got ${v}`);
  }
  if (num('alpha', o.alpha) && o.alpha <= 0) throw new RnnlabError(`alpha must be > 0, got ${o.alpha}`);
  if (num('repetitionPenalty', o.repetitionPenalty) && o.repetitionPenalty <= 0) {
    throw new RnnlabError(`repetitionPenalty must be > 0, got ${o.repetitionPenalty}`);
  }
  if (num('noRepeatNgram', o.noRepeatNgram) && (!Number.isInteger(o.noRepeatNgram) || o.noRepeatNgram < 1)) {
    throw new RnnlabError(`noRepeatNgram must be an integer ≥ 1, got ${o.noRepeatNgram}`);
  }
  if (num('minLength', o.minLength) && (!Number.isInteger(o.minLength) || o.minLength < 0)) {
    throw new RnnlabError(`minLength must be an integer ≥ 0, got ${o.minLength}`);
  }
  if (num('minTokensToKeep', o.minTokensToKeep) && (!Number.isInteger(o.minTokensToKeep) || o.minTokensToKeep < 1)) {
    throw new RnnlabError(`minTokensToKeep must be an integer ≥ 1, got ${o.minTokensToKeep}`);
  }
  for (const name of ['epsilonCutoff', 'etaCutoff'] as const) {
    const v = o[name];
    if (num(name, v) && !(v > 0 && v < 1)) throw new RnnlabError(`${name} must be in (0, 1), got ${v}`);
  }
  if (o.banSequences !== undefined) {
    if (!Array.isArray(o.banSequences)) throw new RnnlabError(`banSequences must be an array of token-id arrays, got ${show(o.banSequences)}`);
    for (const seq of o.banSequences) {
      if (!Array.isArray(seq) || seq.length === 0) throw new RnnlabError(`banSequences must hold non-empty arrays of token ids, got ${show(seq)}`);
      for (const id of seq) checkId('banSequences', id, vocabSize);
    }
  }
  if (o.bannedIds !== undefined) {
    if (!Array.isArray(o.bannedIds)) throw new RnnlabError(`bannedIds must be an array of token ids, got ${show(o.bannedIds)}`);
    for (const id of o.bannedIds) checkId('bannedIds', id, vocabSize);
  }
}

function checkId(name: string, id: unknown, vocabSize: number | undefined): void {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
    throw new RnnlabError(`${name} must hold non-negative integer token ids, got ${show(id)}`);
  }
  if (vocabSize !== undefined && id >= vocabSize) {
    throw new RnnlabError(`banned id ${id} is outside the vocabulary (size ${vocabSize})`);
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}
