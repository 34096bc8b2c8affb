/**
 * Numbers that go bad during training, judged before the optimizer update so bad numbers never
 * reach the weights, the optimizer state or a checkpoint:
 *
 *   non-finite  a NaN or ±Infinity loss or gradient norm. --on-nonfinite stop ends the run;
 *               skip leaves that batch's update out (no parameter or optimizer-state change)
 *               and goes on, unless MAX_CONSECUTIVE_SKIPS batches in a row were bad.
 *   divergence  finite but hopeless: a training loss above divergenceLimit() for
 *               DIVERGED_STEPS steps in a row, or a validation whose loss is above it or whose
 *               perplexity is not finite. It always ends the run (there is nothing to skip).
 *
 * The limit is relative to the untrained loss, ln K for K outputs (the loss of a uniform
 * prediction, which the step-0 validation shows): max(3 ln K, ln K + 10) nats. A trained model
 * is below ln K; an early spike stays far below the limit; lr 1e6 lands at 10⁶ nats.
 *
 * The checks are a few comparisons on scalars the step has already computed.
 */
import type { EvalResult } from '../eval/perplexity.js';
import type { Param } from '../nn/param.js';

export type OnNonFinite = 'stop' | 'skip';

/** Bad batches in a row that stop a run even with --on-nonfinite skip. */
export const MAX_CONSECUTIVE_SKIPS = 10;
/** Steps in a row above the divergence limit that stop a run. */
export const DIVERGED_STEPS = 5;

/** The loss (nats) above which training has diverged, given the untrained loss ln K. */
export function divergenceLimit(chanceLoss: number): number {
  return Math.max(3 * chanceLoss, chanceLoss + 10);
}

/** What a step may do. */
export type Verdict = 'ok' | 'skip' | 'stop' | 'diverged';

/** The guard's counters, saved in last.safetensors so a resumed run counts on. */
export interface GuardState {
  /** Batches skipped so far in the run. */
  skipped: number;
  /** Bad batches in a row just before the checkpoint. */
  consecutive: number;
  /** Steps in a row above the divergence limit just before the checkpoint. */
  high: number;
}

export class StepGuard {
  skipped = 0;
  consecutive = 0;
  high = 0;
  readonly limit: number;

  constructor(readonly policy: OnNonFinite, readonly chanceLoss: number) {
    this.limit = divergenceLimit(chanceLoss);
  }

  /** The verdict on a step from its mean loss and its gradient norm (before clipping), before the update. */
  check(loss: number, gradNorm: number): Verdict {
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      this.high = 0;
      if (this.policy === 'stop') return 'stop';
      this.consecutive++;
      if (this.consecutive >= MAX_CONSECUTIVE_SKIPS) return 'stop';
      this.skipped++;
      return 'skip';
    }
    this.consecutive = 0;
    this.high = loss > this.limit ? this.high + 1 : 0;
    return this.high >= DIVERGED_STEPS ? 'diverged' : 'ok';
  }

  /** A validation no model should have: non-finite perplexity, or a loss past the limit. */
  validationDiverged(r: EvalResult): boolean {
    return !Number.isFinite(r.perplexity) || !Number.isFinite(r.loss) || r.loss > this.limit;
  }

  /** While the loss is past the limit, the weights are not worth a periodic checkpoint. */
  get suspect(): boolean {
    return this.high > 0;
  }

  state(): GuardState {
    return { skipped: this.skipped, consecutive: this.consecutive, high: this.high };
  }

  restore(s: GuardState | undefined): void {
    if (!s) return;
    this.skipped = s.skipped;
    this.consecutive = s.consecutive;
    this.high = s.high;
  }
}

/** NaN, Infinity, -Infinity as text; finite numbers as they are (JSON has no non-finite numbers). */
export function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

/**
 * Every weight is a finite number. Checked before a checkpoint is written (not every step: an
 * update that breaks the weights shows in the next step's loss), so no checkpoint ever holds a
 * NaN or an infinity.
 */
export function finiteWeights(params: readonly Param[]): boolean {
  for (const p of params) {
    const d = p.value.data;
    // x − x is 0 for every finite x, NaN for NaN and ±Infinity
    for (let i = 0; i < d.length; i++) if (d[i] - d[i] !== 0) return false;
  }
  return true;
}
