/**
 * What the training loop (loop.ts) needs from a kind of model and data: batches per epoch, one
 * forward + backward per batch, a validation, and the state a step carries to the next (the
 * recurrent state of stream batching). The loop owns everything else: the optimizer, clipping,
 * budgets, schedules, events, checkpoints, resume.
 */
import type { EvalResult } from '../eval/perplexity.js';
import type { Model } from '../nn/model.js';
import type { Tensor } from '../tensor.js';
import type { Rng } from '../util/rng.js';

export interface StepResult {
  /** Σ loss over counted tokens (natural log), and the count. */
  nll: number;
  count: number;
  /** Classifiers: rows classified right. */
  correct?: number;
}

export interface Task<B = unknown> {
  readonly model: Model;
  /** Batches of epoch `epoch` (its order may depend on the seed and the epoch, never on history). */
  epoch(epoch: number): { count: number; get(i: number): B };
  /** Called before batch `index` of `epoch` runs (index > 0 when resuming mid-epoch). */
  beginEpoch(epoch: number, index: number): void;
  /** Zero the gradients, forward, backward: the gradient of the mean loss is accumulated. */
  trainStep(batch: B, rng: Rng): StepResult;
  /**
   * After the optimizer update (carry the recurrent state, free per-batch tensors), or after a
   * batch left out for a non-finite loss or gradient (`skipped`: its outputs are not carried on).
   */
  afterStep(batch: B, skipped?: boolean): void;
  /** A validation run that yields after every batch; null when there is no validation data. */
  validation(): Generator<void, EvalResult> | null;
  /** Tensors a mid-epoch checkpoint must keep (`state.h_l0`, …). */
  carried(): Map<string, Tensor>;
  /** Restores them from a checkpoint (names as carried() gave them). */
  restoreCarried(get: (name: string) => Float32Array | Int32Array | undefined): void;
  /** Tokens the training batches hold (what --max-len with --overflow cut leaves of the documents). */
  readonly trainTokens: number;
  readonly valTokens: number;
  /** validation() returns a run (there is something to predict). */
  readonly hasValidation: boolean;
  /** The loss of an untrained, uniform prediction: ln of the number of outputs (vocabulary, classes). */
  readonly chanceLoss: number;
  /** Identifies the training data, so a resume on other data is refused. */
  readonly fingerprint: string;
}
