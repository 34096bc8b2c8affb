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
}

const SAMPLING_KEYS = [
  'temperature', 'topK', 'topP', 'minP', 'typical', 'alpha', 'repetitionPenalty', 'noRepeatNgram', 'bannedIds',
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
  if (o.bannedIds !== undefined) {
    if (!Array.isArray(o.bannedIds)) throw new RnnlabError(`bannedIds must be an array of token ids, got ${show(o.bannedIds)}`);
    for (const id of o.bannedIds) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
        throw new RnnlabError(`bannedIds must hold non-negative integer token ids, got ${show(id)}`);
      }
      if (vocabSize !== undefined && id >= vocabSize) {
        throw new RnnlabError(`banned id ${id} is outside the vocabulary (size ${vocabSize})`);
      }
    }
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}
