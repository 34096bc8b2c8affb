/**
 * The training loop, with no file system and no console: batches → steps → events and
 * checkpoint bytes for its sinks. A step is the task's forward and backward, global-norm
 * clipping and the optimizer update. Validation runs at every epoch end, and once more when a
 * budget (--max-steps, --max-time) stops the run inside an epoch. Between steps and between
 * validation batches the loop gives the event loop a turn, at most every ~50 ms, so a signal
 * handler, a server or a browser tab keeps running (a step itself is one synchronous piece of
 * work); stop() takes effect after the current step, or abandons a validation in progress.
 *
 * What a checkpoint decides:
 *   model.safetensors  the weights of the best validation so far (any validation);
 *   last.safetensors   everything to continue exactly: weights, optimizer state and step counts,
 *                      RNG, data position, the carried recurrent state, the run configuration.
 * Numbers that go bad (step-guard.ts) are judged before the update: a non-finite loss or
 * gradient norm stops the run or skips the batch (--on-nonfinite), a diverged loss or
 * validation stops it. A stop emits the `end` event and throws: nothing of the bad state is
 * written, so both checkpoints stay the last good ones, and the message says which they are.
 *
 * The plateau schedule and --patience count epoch-end validations only, so a run stopped inside an epoch
 * and resumed makes the same decisions as one never stopped. An epoch-end validation cut short
 * by stop() is redone by the resumed run before its next step ("validation pending").
 */
import { RnnlabError } from '../errors.js';
import type { EvalResult } from '../eval/perplexity.js';
import { countParameters } from '../nn/model.js';
import type { Param } from '../nn/param.js';
import { clipToNorm, gradNorm } from '../optim/clip.js';
import { Optimizer } from '../optim/optimizer.js';
import { scheduledLr, scheduleOf } from '../optim/schedule.js';
import type { RunConfig, TrainingSettings } from '../run/config.js';
import { Rng } from '../util/rng.js';
import { fmtLoss } from '../util/format.js';
import { YieldClock } from '../util/runtime.js';
import type { CheckpointContents, CheckpointTraining, LoadedModel, TrainState } from './checkpoint-format.js';
import { encodeCheckpoint } from './checkpoint-format.js';
import type { CheckpointKind, RunEvent, RunSink, StopReason, ValEvent } from './events.js';
import { DIVERGED_STEPS, finiteWeights, jsonNumber, MAX_CONSECUTIVE_SKIPS, StepGuard } from './step-guard.js';
import { ThroughputMeter } from './throughput.js';
import type { Task } from './task.js';

export interface TrainSummary {
  steps: number;
  /** Epochs completed. */
  epochs: number;
  /** The validation of model.safetensors, and the last validation of this session. */
  best: EvalResult | null;
  last: EvalResult | null;
  stoppedBy: StopReason;
  /** stop() cut something short: a validation, or the run itself. */
  interrupted: boolean;
  /** Training seconds over the whole run (validation excluded). */
  elapsed: number;
  /** Batches skipped over the whole run for a non-finite loss or gradient (--on-nonfinite skip). */
  skipped: number;
  /** Tokens per second of training time in this session. */
  tokensPerSec: number;
  /** The --test-data score with the best weights (set by the run after the loop). */
  test?: EvalResult;
}

/** Parameters kept frozen for the first `steps` steps of a run (-1: for good). */
export interface FreezeSchedule {
  params: readonly Param[];
  steps: number;
}

export interface TrainLoopOptions {
  task: Task;
  settings: TrainingSettings;
  sinks: readonly RunSink[];
  /** The model, vocabulary and tokenizer part of a checkpoint (the loop adds the training part). */
  contents: () => Omit<CheckpointContents, 'training'>;
  /** Saved in last.safetensors so a resume needs nothing typed again. */
  runConfig?: RunConfig;
  /** The RNG of the run: a fresh run has already drawn the initial weights from it. */
  rng: Rng;
  /** A last.safetensors to continue from (its weights and frozen flags are already in the model). */
  resume?: LoadedModel | null;
  /** Validation loss of the model.safetensors a resumed run already has, when the checkpoint predates savedValLoss. */
  savedValLoss?: number | null;
  freeze?: FreezeSchedule;
}

/** A validation stop() cut short. */
const ABANDONED = Symbol('abandoned');

export class TrainLoop {
  readonly optimizer: Optimizer;
  private readonly task: Task;
  private readonly s: TrainingSettings;
  private readonly rng: Rng;
  private step = 0;
  private epoch = 0;
  private batchIndex = 0;
  private bestValLoss: number | null = null;
  private badEpochs = 0;
  /** The plateau schedule's decays so far. */
  private plateauFactor = 1;
  private savedValLoss: number | null = null;
  private savedResult: EvalResult | null = null;
  private elapsedBefore = 0;
  private trainSeconds = 0;
  /** The running accuracy of the current epoch (classifiers). */
  private epochCorrect = 0;
  private epochRows = 0;
  private stopRequested = false;
  private readonly clock = new YieldClock(50);
  private readonly guard: StepGuard;
  private readonly meter = new ThroughputMeter();
  /** The steps the checkpoints on disk were written at (null: none yet; undefined: unknown, an older checkpoint). */
  private lastSavedStep: number | null = null;
  private bestSavedStep: number | null | undefined = null;

  constructor(private readonly o: TrainLoopOptions) {
    this.task = o.task;
    this.s = o.settings;
    this.rng = o.rng;
    // A resumed model carries the frozen flags its checkpoint was saved with, which match the
    // optimizer state saved beside them; the schedule moves on from there before the next step.
    if (!o.resume) this.applyFreezeSchedule(0);
    this.guard = new StepGuard(this.s.onNonfinite ?? 'stop', o.task.chanceLoss);
    const params = o.task.model.params();
    this.optimizer = new Optimizer(o.task.model.backend, params, { name: this.s.optimizer, lr: this.s.lr, momentum: this.s.momentum, weightDecay: this.s.weightDecay });
    if (o.resume) this.restore(o.resume);
  }

  /** Finish the current step (or abandon the validation in progress), write last.safetensors, and return. */
  stop(): void {
    this.stopRequested = true;
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  private emit(e: RunEvent): void {
    for (const s of this.o.sinks) s.event?.(e);
  }

  private elapsed(): number {
    return this.elapsedBefore + this.trainSeconds;
  }

  private applyFreezeSchedule(stepsDone: number): void {
    const f = this.o.freeze;
    if (!f || !f.steps) return;
    const frozen = f.steps < 0 || stepsDone < f.steps;
    for (const p of f.params) p.setFrozen(frozen);
  }

  private restore(r: LoadedModel): void {
    const s = r.trainState;
    if (!s) throw new RnnlabError('the checkpoint holds no training state (resume from last.safetensors)');
    if (s.dataFingerprint !== this.task.fingerprint) {
      throw new RnnlabError('the training data differs from the run being resumed (the same --data and settings are needed)');
    }
    for (const [name, t] of this.optimizer.stateTensors()) {
      const st = r.extra.get(`optimizer.${name}`);
      if (!st) throw new RnnlabError(`the checkpoint lacks optimizer state ${name} (was it trained with another --optimizer?)`);
      if (st.data.length !== t.data.length) throw new RnnlabError(`the checkpoint's optimizer state ${name} has ${st.data.length} values, not the ${t.data.length} of its parameter (a damaged checkpoint)`);
      t.data.set(st.data);
    }
    this.optimizer.step = s.optimizerStep;
    this.optimizer.setStepCounts(s.optimizerSteps ?? null, s.optimizerStep);
    this.optimizer.lr = s.lr;
    this.plateauFactor = s.lrFactor ?? s.lr / this.s.lr;
    this.rng.setState(s.rng);
    this.step = s.step;
    this.epoch = s.epoch;
    this.batchIndex = s.batchIndex;
    this.bestValLoss = s.bestValLoss;
    this.badEpochs = s.badEpochs ?? 0;
    this.savedValLoss = s.savedValLoss !== undefined ? s.savedValLoss : this.o.savedValLoss ?? s.bestValLoss;
    this.savedResult = s.savedVal ?? null;
    this.elapsedBefore = s.elapsedSeconds;
    this.epochCorrect = s.epochCorrect ?? 0;
    this.epochRows = s.epochRows ?? 0;
    this.guard.restore(s.guard);
    this.lastSavedStep = s.step;
    this.bestSavedStep = s.savedStep ?? (this.savedResult || this.savedValLoss !== null ? undefined : null);
    this.task.restoreCarried((name) => r.extra.get(name)?.data);
  }

  private budgetStop(): StopReason | null {
    const s = this.s;
    if (this.stopRequested) return 'interrupt';
    if (s.maxSteps > 0 && this.step >= s.maxSteps) return 'max-steps';
    if (s.maxTime > 0 && this.elapsed() >= s.maxTime) return 'time';
    return null;
  }

  async run(): Promise<TrainSummary> {
    const s = this.s, task = this.task;
    const perEpoch = task.epoch(0).count;
    if (perEpoch === 0) throw new RnnlabError('the training data gives no batch (too little data for --batch and --seq)');
    const total = s.maxSteps > 0 ? Math.min(s.maxSteps, perEpoch * s.epochs) : perEpoch * s.epochs;
    const counts = countParameters(task.model.params());
    this.emit({
      type: 'start', time: new Date().toISOString(), step: this.step, epoch: this.epoch, resumed: !!this.o.resume,
      total_steps: total, steps_per_epoch: perEpoch, params: counts.total, trainable_params: counts.trainable,
      train_tokens: task.trainTokens, val_tokens: task.valTokens, max_time: s.maxTime, elapsed: round3(this.elapsed()),
      precision: task.model.backend.precision ?? 'fp32',
    });
    if (this.step === 0 && !this.o.resume) {
      // Sanity line: an untrained model should score about the vocabulary size.
      const r = await this.validate();
      if (r && r !== ABANDONED) this.emitVal(r, false, { untrained: true });
    }
    const meter = this.meter;
    let stoppedBy: StopReason = 'epochs';
    let lastVal: EvalResult | null = null;
    let validatedAt = -1;
    let pendingSaved = false;
    outer: for (; this.epoch < s.epochs; this.epoch++) {
      const batches = task.epoch(this.epoch);
      task.beginEpoch(this.epoch, this.batchIndex);
      if (this.batchIndex === 0) this.epochCorrect = this.epochRows = 0;
      for (; this.batchIndex < batches.count; this.batchIndex++) {
        const stop = this.budgetStop();
        if (stop) {
          stoppedBy = stop;
          break outer;
        }
        this.applyFreezeSchedule(this.step);
        this.optimizer.lr = scheduledLr(s, { step: this.step, epoch: this.epoch, stepsPerEpoch: perEpoch, totalSteps: perEpoch * s.epochs, plateauFactor: this.plateauFactor });
        const b = batches.get(this.batchIndex);
        const t0 = performance.now();
        const r = task.trainStep(b, this.rng);
        const loss = r.count > 0 ? r.nll / r.count : 0;
        const params = task.model.params();
        const norm = gradNorm(task.model.backend, params);
        const verdict = this.guard.check(loss, norm);
        if (verdict === 'ok') {
          clipToNorm(task.model.backend, params, s.clip, norm);
          this.optimizer.apply();
        }
        task.afterStep(b, verdict !== 'ok');
        const dt = (performance.now() - t0) / 1000;
        this.trainSeconds += dt;
        if (verdict === 'diverged') this.fail('diverged', this.divergedMessage(loss, batches.count), HINT);
        if (verdict !== 'ok') {
          this.emit({
            type: 'nonfinite', step: this.step + 1, epoch: this.epoch, batch: this.batchIndex + 1, batches: batches.count,
            loss: jsonNumber(loss), grad_norm: jsonNumber(norm), action: verdict === 'skip' ? 'skip' : 'stop',
            skipped: this.guard.skipped, consecutive: this.guard.consecutive,
          });
          if (verdict === 'stop') this.fail('nonfinite', this.nonFiniteMessage(loss, norm, batches.count), this.guard.policy === 'skip' ? HINT : `${HINT}, or ${this.lastSavedStep !== null ? 'resume with' : 'give'} --on-nonfinite skip to leave such batches out`);
          // a skipped step counts (budgets, schedule, position) but changes nothing
          this.step++;
          await this.clock.maybeYield();
          continue;
        }
        this.step++;
        meter.add(r.count, dt);
        if (r.correct !== undefined) {
          this.epochCorrect += r.correct;
          this.epochRows += r.count;
        }
        this.emit({
          type: 'step', step: this.step, epoch: this.epoch, batch: this.batchIndex + 1, batches: batches.count, loss,
          grad_norm: norm, lr: this.optimizer.lr, tokens: r.count, tokens_per_sec: Math.round(meter.rate), elapsed: round3(this.elapsed()),
          ...(r.correct !== undefined ? { accuracy: this.epochCorrect / this.epochRows } : {}),
        });
        // (the epoch's last batch is followed by the epoch-end checkpoint anyway)
        // (nor is a step whose loss is past the divergence limit worth a checkpoint)
        if (s.saveEvery > 0 && this.step % s.saveEvery === 0 && this.batchIndex + 1 < batches.count && !this.guard.suspect) this.saveLast(false, this.batchIndex + 1);
        await this.clock.maybeYield();
      }
      const end = await this.endOfEpoch(batches.count);
      if (end === ABANDONED) {
        stoppedBy = 'interrupt';
        pendingSaved = true;
        break;
      }
      this.batchIndex = 0;
      lastVal = end;
      validatedAt = this.step;
      if (s.patience > 0 && this.badEpochs >= s.patience) {
        stoppedBy = 'early-stopping';
        this.epoch++;
        break;
      }
    }
    // A stop inside an epoch (an epoch end has just written everything): an interrupt only
    // saves the position, quickly; a budget stop validates first (unless stop() cuts it short).
    if (validatedAt !== this.step && !pendingSaved) {
      if (stoppedBy === 'interrupt') this.saveLast(false, this.batchIndex);
      else lastVal = await this.finalValidation();
    }
    this.emitEnd(stoppedBy, meter.sessionRate);
    return {
      steps: this.step, epochs: this.epoch, best: this.savedResult, last: lastVal, stoppedBy, interrupted: this.stopRequested,
      elapsed: this.elapsed(), tokensPerSec: meter.sessionRate, skipped: this.guard.skipped,
    };
  }

  private emitEnd(stoppedBy: StopReason, tokensPerSec: number): void {
    this.emit({
      type: 'end', step: this.step, epoch: this.epoch, stopped_by: stoppedBy, elapsed: round3(this.elapsed()),
      tokens_per_sec: Math.round(tokensPerSec), best_loss: this.savedValLoss, skipped: this.guard.skipped,
    });
  }

  /** Ends the run on bad numbers: the end event, then the error (nothing more is written). */
  private fail(why: 'nonfinite' | 'diverged', message: string, hint: string): never {
    this.emitEnd(why, this.meter.sessionRate);
    throw new RnnlabError(`${message}; ${this.keptCheckpoints()}; ${hint}`);
  }

  /** Which checkpoints the stopped run leaves, in words. */
  private keptCheckpoints(): string {
    if (this.lastSavedStep === null && this.bestSavedStep === null) return 'no checkpoint had been written yet, so nothing was saved';
    const parts: string[] = [];
    if (this.lastSavedStep !== null) parts.push(`last.safetensors (step ${this.lastSavedStep})`);
    if (this.bestSavedStep !== null) {
      const v = this.savedResult;
      const what = v ? (v.accuracy !== undefined ? `validation accuracy ${(v.accuracy * 100).toFixed(2)} %` : `validation perplexity ${v.perplexity.toFixed(2)}`) : 'no validation';
      parts.push(`model.safetensors (${this.bestSavedStep !== undefined ? `step ${this.bestSavedStep}, ` : ''}${what})`);
    }
    return `the last good checkpoints are kept: ${parts.join(' and ')}`;
  }

  private where(batches: number): string {
    return `step ${this.step + 1} (epoch ${this.epoch + 1}, batch ${this.batchIndex + 1} of ${batches})`;
  }

  private nonFiniteMessage(loss: number, norm: number, batches: number): string {
    const what = !Number.isFinite(loss) ? `the loss is ${loss}` : `the gradient norm is ${norm}`;
    if (this.guard.policy === 'skip') {
      return `${MAX_CONSECUTIVE_SKIPS} batches in a row had a non-finite loss or gradient, the last at ${this.where(batches)}: ${what}; the run stopped (--on-nonfinite skip gives up after ${MAX_CONSECUTIVE_SKIPS})`;
    }
    return `${what} at ${this.where(batches)}; the run stopped before that update (--on-nonfinite stop)`;
  }

  private divergedMessage(loss: number, batches: number): string {
    const g = this.guard;
    return `training diverged at ${this.where(batches)}: the loss has been above ${g.limit.toFixed(1)} nats (the untrained loss is ${g.chanceLoss.toFixed(2)}) for ${DIVERGED_STEPS} steps in a row, now ${fmtLoss(loss)}; the run stopped`;
  }

  /** A validation no model should have stops the run; it never becomes model.safetensors. */
  private refuseDivergedValidation(r: EvalResult | null, extra: Pick<ValEvent, 'final'> = {}): void {
    if (!r || !this.guard.validationDiverged(r)) return;
    this.emitVal(r, false, extra);
    this.fail('diverged', `training diverged: the validation at step ${this.step} has loss ${fmtLoss(r.loss)} nats (perplexity ${fmtLoss(r.perplexity)}), above the limit of ${this.guard.limit.toFixed(1)} (the untrained loss is ${this.guard.chanceLoss.toFixed(2)}); the run stopped and these weights were not saved`, HINT);
  }

  /** The task's validation, giving the event loop turns; ABANDONED when stop() came first. */
  private async validate(): Promise<EvalResult | null | typeof ABANDONED> {
    const g = this.task.validation();
    if (!g) return null;
    for (;;) {
      if (this.stopRequested) {
        g.return(undefined as never);
        return ABANDONED;
      }
      const r = g.next();
      if (r.done) return r.value;
      await this.clock.maybeYield();
    }
  }

  private emitVal(r: EvalResult, best: boolean, extra: Pick<ValEvent, 'untrained' | 'final'> = {}): void {
    this.emit({
      type: 'val', step: this.step, epoch: this.epoch, loss: r.loss, perplexity: r.perplexity, bits_per_token: r.bitsPerToken,
      tokens: r.tokens, best, ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}), ...extra,
    });
  }

  /** Keeps the weights as model.safetensors when they validate better than the saved ones (always without validation data). */
  private saveIfBest(r: EvalResult | null): boolean {
    if (r && !Number.isFinite(r.perplexity)) return false;
    const best = !r || this.savedValLoss === null || r.loss < this.savedValLoss;
    if (!best) return false;
    if (r) {
      this.savedValLoss = r.loss;
      this.savedResult = r;
    }
    this.writeCheckpoint('best', null);
    return true;
  }

  /**
   * The epoch's validation, its decisions (lr decay, patience) and checkpoints. Cut short by
   * stop(), it saves the position "all `count` batches done, validation pending" instead, so the
   * resumed run validates first and decides exactly as an uninterrupted one.
   */
  private async endOfEpoch(count: number): Promise<EvalResult | null | typeof ABANDONED> {
    const r = await this.validate();
    if (r === ABANDONED) {
      this.saveLast(false, count);
      return ABANDONED;
    }
    this.refuseDivergedValidation(r);
    if (r) {
      if (this.bestValLoss === null || r.loss < this.bestValLoss) {
        this.bestValLoss = r.loss;
        this.badEpochs = 0;
      } else {
        this.badEpochs++;
        if (scheduleOf(this.s) === 'plateau' && this.s.lrDecay < 1) this.plateauFactor *= this.s.lrDecay;
      }
    }
    const best = this.saveIfBest(r);
    if (r) this.emitVal(r, best);
    this.saveLast(true, 0);
    return r;
  }

  /** A stop by budget inside an epoch: validate (it may become the saved model) and keep the position. */
  private async finalValidation(): Promise<EvalResult | null> {
    const r = await this.validate();
    if (r === ABANDONED) {
      this.saveLast(false, this.batchIndex);
      return null;
    }
    this.refuseDivergedValidation(r, { final: true });
    const best = this.saveIfBest(r);
    if (r) this.emitVal(r, best, { final: true });
    this.saveLast(false, this.batchIndex);
    return r;
  }

  /**
   * last.safetensors: at an epoch end (the next epoch starts afresh from batch 0) or inside an
   * epoch, continuing at batch `next` with the carried state kept.
   */
  private saveLast(epochEnd: boolean, next: number): void {
    this.writeCheckpoint('last', {
      state: this.trainState(epochEnd, next),
      optimizer: this.optimizer,
      tensors: epochEnd ? new Map() : this.task.carried(),
      runConfig: this.o.runConfig,
    });
  }

  private writeCheckpoint(kind: CheckpointKind, training: CheckpointTraining | null): void {
    if (!finiteWeights(this.task.model.params())) {
      this.fail('nonfinite', `the weights hold NaN or infinite values after the update of step ${this.step}; the run stopped without writing ${kind === 'best' ? 'model' : 'last'}.safetensors`, HINT);
    }
    let bytes: Uint8Array | null = null;
    const encode = () => (bytes ??= encodeCheckpoint({ ...this.o.contents(), training }));
    for (const s of this.o.sinks) s.checkpoint?.(kind, encode, this.step);
    if (kind === 'last') this.lastSavedStep = this.step;
    else this.bestSavedStep = this.step;
  }

  private trainState(epochEnd: boolean, next: number): TrainState {
    return {
      step: this.step,
      epoch: epochEnd ? this.epoch + 1 : this.epoch,
      batchIndex: epochEnd ? 0 : next,
      rng: this.rng.getState(),
      bestValLoss: this.bestValLoss,
      badEpochs: this.badEpochs,
      savedValLoss: this.savedValLoss,
      savedVal: this.savedResult,
      ...(this.bestSavedStep !== null && this.bestSavedStep !== undefined ? { savedStep: this.bestSavedStep } : {}),
      guard: this.guard.state(),
      optimizerStep: this.optimizer.step,
      optimizerSteps: this.optimizer.stepCounts(),
      lr: this.optimizer.lr,
      lrFactor: this.plateauFactor,
      options: { ...this.s },
      dataFingerprint: this.task.fingerprint,
      elapsedSeconds: this.elapsed(),
      ...(this.epochRows > 0 && !epochEnd ? { epochCorrect: this.epochCorrect, epochRows: this.epochRows } : {}),
    };
  }
}

const HINT = 'try a lower --lr or a --clip';

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
