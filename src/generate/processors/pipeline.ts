/**
 * The logits-processor pipeline: turns one row of raw logits into the distribution a decoder
 * draws from. Every option is independent and they combine freely; whichever are set apply
 * in this fixed order:
 *
 *  1. masks — those tokens' logits become −∞: `bannedIds`; `banSequences` (the last token of
 *     a banned sequence whose other tokens end the history); `noRepeatNgram`; `minLength`
 *     (`[EOS]`, the decoder's `eosId`, while fewer tokens than that were generated). The
 *     sequence and n-gram rules look at the whole history, prime included (a generated
 *     n-gram may not repeat one in the prime either).
 *  2. `repetitionPenalty` θ — CTRL-style, once per distinct token of the history (prime
 *     included): logit > 0 ? logit/θ : logit·θ. On raw logits, before any scaling.
 *  3. `temperature` T — logits/T; T = 0 keeps only the argmax (greedy).
 *  4. `alpha` α — power sampling p^α renormalised, i.e. logits·α (α > 1 sharpens).
 *  5. `topK` — exactly max(k, minTokensToKeep) best tokens, ties at the k-th logit broken
 *     towards the lower id.
 *  6. `topP` — the smallest prefix (by probability, descending) with mass ≥ p, plus every
 *     token tied with the last one kept.
 *  7. `minP` — tokens with p ≥ minP·p_max.
 *  8. `typical` — tokens by ascending |−log p − H| until mass ≥ typical, ties kept.
 *  9. `epsilonCutoff` ε — tokens with p ≥ ε.
 * 10. `etaCutoff` η — tokens with p ≥ min(η, √η·exp(−H)), H the entropy.
 * 11. renormalise (softmax over what is left).
 *
 * Stages 6–10 each see the distribution left by the stages before them, renormalised (the
 * order of HF transformers' warpers), and each keeps at least `minTokensToKeep` tokens (default
 * 1; the most probable, for typical the most typical, ties at the boundary kept). Stages 3–10
 * never empty the support; only the masks of stage 1 (or −∞ logits from the model) can, and
 * then there is no token to emit: `processLogits` throws, beam search drops that beam.
 *
 * Logits that are not numbers: a NaN logit is an error (the model is broken; nothing sensible
 * can be drawn). +∞ logits that survive the masks share the mass equally and every finite one
 * gets none (the limit of softmax as those logits grow together): after the masks they become
 * 0 and the rest −∞, so the later stages see ordinary numbers. −∞ stays impossible throughout.
 * Before temperature and α the row is shifted so its largest logit is 0 (softmax does not
 * change), so scaling by a tiny temperature cannot overflow to +∞ or turn the row into −∞.
 */
import { RnnlabError } from '../../errors.js';
import { applyBanned } from './ban.js';
import { applyBanSequences } from './ban-sequences.js';
import { applyEpsilon } from './epsilon.js';
import { applyEta } from './eta.js';
import { TokenHistory } from './history.js';
import { applyMinLength } from './min-length.js';
import { applyMinP } from './min-p.js';
import { applyNoRepeatNgram } from './no-repeat-ngram.js';
import type { SamplingOptions } from './options.js';
import { applyPower } from './power.js';
import { applyRepetitionPenalty } from './repetition-penalty.js';
import { firstNaN, logSoftmax, maxOf, softmax } from './softmax.js';
import { applyTemperature } from './temperature.js';
import { applyTopK } from './top-k.js';
import { applyTopP } from './top-p.js';
import { applyTypical } from './typical.js';

/** The pipeline's options: the sampling knobs and the token that ends an output (for `minLength`). */
export type PipelineOptions = SamplingOptions & { eosId?: number };

/**
 * Runs the pipeline in place on `work`. Returns false when no token survives the masks.
 * `history` must have been built with `ngram === o.noRepeatNgram` when that rule is on; its
 * `generated` count is what `minLength` compares with.
 */
export function applyPipeline(work: Float64Array, o: PipelineOptions, history?: TokenHistory): boolean {
  const nan = firstNaN(work);
  if (nan >= 0) throw new RnnlabError(`the model produced NaN logits (token ${nan} is NaN); it cannot be decoded`);
  if (o.bannedIds) applyBanned(work, o.bannedIds);
  if (o.noRepeatNgram !== undefined && history) {
    if (history.ngram !== o.noRepeatNgram) throw new Error('TokenHistory was built for a different noRepeatNgram');
    applyNoRepeatNgram(work, history);
  }
  if (o.banSequences && history) applyBanSequences(work, o.banSequences, history.tokens);
  if (o.minLength && o.eosId !== undefined) applyMinLength(work, o.eosId, history?.generated ?? 0, o.minLength);
  const top = maxOf(work);
  if (top === -Infinity) return false;
  if (top === Infinity) for (let i = 0; i < work.length; i++) work[i] = work[i] === Infinity ? 0 : -Infinity;
  if (o.repetitionPenalty !== undefined && o.repetitionPenalty !== 1 && history) {
    applyRepetitionPenalty(work, history, o.repetitionPenalty);
  }
  const scaleT = o.temperature !== undefined && o.temperature !== 1, scaleA = o.alpha !== undefined && o.alpha !== 1;
  if (scaleT || scaleA) shiftToZero(work);
  if (scaleT) applyTemperature(work, o.temperature!);
  if (scaleA) applyPower(work, o.alpha!);
  const keep = o.minTokensToKeep ?? 1;
  if (o.topK !== undefined) applyTopK(work, Math.max(o.topK, keep));
  if (o.topP !== undefined && o.topP < 1) applyTopP(work, o.topP, keep);
  if (o.minP !== undefined) applyMinP(work, o.minP, keep);
  if (o.typical !== undefined && o.typical < 1) applyTypical(work, o.typical, keep);
  if (o.epsilonCutoff !== undefined) applyEpsilon(work, o.epsilonCutoff, keep);
  if (o.etaCutoff !== undefined) applyEta(work, o.etaCutoff, keep);
  return true;
}

/** Subtracts the largest (finite) logit from every one: the distribution is the same. */
function shiftToZero(work: Float64Array): void {
  const m = maxOf(work);
  for (let i = 0; i < work.length; i++) work[i] -= m;
}

/** Tokens before the current position (prime + generated), as an array or an indexed history. */
export type HistoryInput = readonly number[] | TokenHistory;

/**
 * Processed logits of one row: −∞ for excluded tokens; their softmax is the processed
 * distribution. Throws RnnlabError when every token is excluded. An array history counts as
 * the prime (nothing generated yet, for `minLength`); a TokenHistory built from the prime and
 * then pushed the generated tokens knows the difference.
 */
export function processLogits(logits: ArrayLike<number>, o: PipelineOptions, history: HistoryInput = []): Float64Array {
  const work = Float64Array.from(logits as ArrayLike<number>);
  const h = history instanceof TokenHistory ? history : new TokenHistory(history, o.noRepeatNgram ?? 0);
  if (!applyPipeline(work, o, h)) {
    throw new RnnlabError('no token is allowed: the bans, the no-repeat-n-gram rule and the minimum length exclude the whole vocabulary');
  }
  return work;
}

/** The final processed probability distribution of one row (sums to 1; 0 for excluded tokens). */
export function processedDistribution(logits: ArrayLike<number>, o: PipelineOptions, history?: HistoryInput): Float64Array {
  return softmax(processLogits(logits, o, history));
}

/** Log of the processed distribution (−∞ for excluded tokens), computed without underflow. */
export function processedLogProbs(logits: ArrayLike<number>, o: PipelineOptions, history?: HistoryInput): Float64Array {
  return logSoftmax(processLogits(logits, o, history));
}
