/**
 * The training loop, with no file system and no console: batches → steps → events and
 * checkpoint bytes for its sinks. A step is the task's forward and backward, global-norm
 * clipping and the optimizer update. Validation runs at every epoch end, and once more when a
 * budget (--max-steps, --max-time) stops the run inside an epoch. The loop gives the event loop
 * a turn at least every ~50 ms (during validation too), so a signal handler, a server or a
 * browser tab keeps running, and stop() takes effect after the current step.
 *
 * What a checkpoint decides:
 *   model.safetensors  the weights of the best validation so far (any validation);
 *   last.safetensors   everything to continue exactly: weights, optimizer state and step counts,
 *                      RNG, data position, the carried recurrent state, the run configuration.
 * --lr-decay and --patience count epoch-end validations only, so a run stopped inside an epoch
 * and resumed makes the same decisions as one never stopped.
 */
import { RnnlabError } from '../errors.js';
import type { EvalResult } from '../eval/perplexity.js';
import { countParameters } from '../nn/model.js';
import type { Param } from '../nn/param.js';
import { clipGradNorm } from '../optim/clip.js';
import { Optimizer } from '../optim/optimizer.js';
import type { TrainingSettings } from '../run/config.js';
import { Rng } from '../util/rng.js';
import { YieldClock } from '../util/runtime.js';
import type { CheckpointContents, CheckpointTraining, LoadedModel, TrainState } from './checkpoint-format.js';
import { encodeCheckpoint } from './checkpoint-format.js';
import type { CheckpointKind, RunEvent, RunSink, StopReason, ValEvent } from './events.js';
import type { Task } from './task.js';

export interface TrainSummary {
  steps: number;
  /** Epochs completed. */
  epochs: number;
  /** The validation of model.safetensors, and the last validation of this session. */
  best: EvalResult | null;
  last: EvalResult | null;
  stoppedBy: StopReason;
  /** Training seconds over the whole run (validation excluded). */
  elapsed: number;
  /** Tokens per second of training time in this session. */
  tokensPerSec: number;
}

export interface TrainLoopOptions {
  task: Task;
  settings: TrainingSettings;
  sinks: readonly RunSink[];
  /** The model, vocabulary and tokenizer part of a checkpoint (the loop adds the training part). */
  contents: () => Omit<CheckpointContents, 'training'>;
  /** Saved in last.safetensors so a resume needs nothing typed again. */
  runConfig?: Record<string, unknown>;
  /** The RNG of the run: a fresh run has already drawn the initial weights from it. */
  rng: Rng;
  /** A last.safetensors to continue from (its weights are already in the model). */
  resume?: LoadedModel | null;
  /** Parameters --freeze-embedding freezes. */
  embeddingParams?: readonly Param[];
}

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
  private savedValLoss: number | null = null;
  private savedResult: EvalResult | null = null;
  private elapsedBefore = 0;
  private trainSeconds = 0;
  private stopRequested = false;
  private readonly clock = new YieldClock(50);

  constructor(private readonly o: TrainLoopOptions) {
    this.task = o.task;
    this.s = o.settings;
    this.rng = o.rng;
    this.applyFreezeSchedule(o.resume?.trainState?.step ?? 0);
    const params = o.task.model.params();
    this.optimizer = new Optimizer(o.task.model.backend, params, { name: this.s.optimizer, lr: this.s.lr, momentum: this.s.momentum, weightDecay: this.s.weightDecay });
    if (o.resume) this.restore(o.resume);
  }

  /** Finish the current step, write last.safetensors, and return (Ctrl-C, a stop button). */
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
    const n = this.s.freezeEmbedding;
    if (!n) return;
    const frozen = n < 0 || stepsDone < n;
    for (const p of this.o.embeddingParams ?? []) p.setFrozen(frozen);
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
      t.data.set(st.data);
    }
    this.optimizer.step = s.optimizerStep;
    this.optimizer.setStepCounts(s.optimizerSteps ?? null, s.optimizerStep);
    this.optimizer.lr = s.lr;
    this.rng.setState(s.rng);
    this.step = s.step;
    this.epoch = s.epoch;
    this.batchIndex = s.batchIndex;
    this.bestValLoss = s.bestValLoss;
    this.badEpochs = s.badEpochs ?? 0;
    this.savedValLoss = s.savedValLoss !== undefined ? s.savedValLoss : s.bestValLoss;
    this.savedResult = s.savedVal ?? null;
    this.elapsedBefore = s.elapsedSeconds;
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
      train_tokens: task.trainTokens, val_tokens: task.valTokens, max_time: s.maxTime, elapsed: this.elapsed(),
    });
    if (this.step === 0 && !this.o.resume) {
      // Sanity line: an untrained model should score about the vocabulary size.
      const r = await this.validate();
      if (r) this.emitVal(r, false, { untrained: true });
    }
    let sessionTokens = 0;
    let stoppedBy: StopReason = 'epochs';
    let lastVal: EvalResult | null = null;
    let validatedAt = -1;
    let recentTokens = 0, recentSeconds = 0, rate = 0;
    outer: for (; this.epoch < s.epochs; this.epoch++) {
      const batches = task.epoch(this.epoch);
      task.beginEpoch(this.epoch, this.batchIndex);
      for (; this.batchIndex < batches.count; this.batchIndex++) {
        const stop = this.budgetStop();
        if (stop) {
          stoppedBy = stop;
          break outer;
        }
        this.applyFreezeSchedule(this.step);
        const b = batches.get(this.batchIndex);
        const t0 = performance.now();
        const r = task.trainStep(b, this.rng);
        const norm = clipGradNorm(task.model.backend, task.model.params(), s.clip);
        this.optimizer.apply();
        task.afterStep(b);
        const dt = (performance.now() - t0) / 1000;
        this.trainSeconds += dt;
        this.step++;
        sessionTokens += r.count;
        recentTokens += r.count;
        recentSeconds += dt;
        if (recentSeconds > 1 || rate === 0) {
          rate = recentTokens / Math.max(recentSeconds, 1e-9);
          recentTokens = 0;
          recentSeconds = 0;
        }
        const loss = r.count > 0 ? r.nll / r.count : 0;
        if (!Number.isFinite(loss)) throw new RnnlabError(`training diverged at step ${this.step} (loss ${loss}); lower --lr or enable --clip`);
        this.emit({
          type: 'step', step: this.step, epoch: this.epoch, batch: this.batchIndex + 1, batches: batches.count, loss,
          grad_norm: norm, lr: this.optimizer.lr, tokens: r.count, tokens_per_sec: Math.round(rate), elapsed: round3(this.elapsed()),
        });
        // (the epoch's last batch is followed by the epoch-end checkpoint anyway)
        if (s.saveEvery > 0 && this.step % s.saveEvery === 0 && this.batchIndex + 1 < batches.count) this.saveLast(false, this.batchIndex + 1);
        await this.clock.maybeYield();
      }
      this.batchIndex = 0;
      lastVal = await this.endOfEpoch();
      validatedAt = this.step;
      if (s.patience > 0 && this.badEpochs >= s.patience) {
        stoppedBy = 'early-stopping';
        this.epoch++;
        break;
      }
    }
    // A stop inside an epoch (an epoch end has just written everything): an interrupt only
    // saves the position, quickly; a budget stop validates first.
    if (validatedAt !== this.step) {
      if (stoppedBy === 'interrupt') this.saveLast(false, this.batchIndex);
      else lastVal = await this.finalValidation();
    }
    this.emit({
      type: 'end', step: this.step, epoch: this.epoch, stopped_by: stoppedBy, elapsed: round3(this.elapsed()),
      tokens_per_sec: Math.round(sessionTokens / Math.max(this.trainSeconds, 1e-9)), best_loss: this.savedValLoss,
    });
    return {
      steps: this.step, epochs: this.epoch, best: this.savedResult, last: lastVal, stoppedBy, elapsed: this.elapsed(),
      tokensPerSec: sessionTokens / Math.max(this.trainSeconds, 1e-9),
    };
  }

  private async validate(): Promise<EvalResult | null> {
    const g = this.task.validation();
    if (!g) return null;
    for (;;) {
      const r = g.next();
      if (r.done) return r.value;
      await this.clock.maybeYield();
    }
  }

  private emitVal(r: EvalResult, best: boolean, extra: Pick<ValEvent, 'untrained' | 'final'> = {}): void {
    this.emit({
      type: 'val', step: this.step, epoch: this.epoch, loss: r.loss, perplexity: r.perplexity, bits_per_token: r.bitsPerToken,
      tokens: r.tokens, best, ...extra,
    });
  }

  /** Keeps the weights as model.safetensors when they validate better than the saved ones (always without validation data). */
  private saveIfBest(r: EvalResult | null): boolean {
    const best = !r || this.savedValLoss === null || r.loss < this.savedValLoss;
    if (!best) return false;
    if (r) {
      this.savedValLoss = r.loss;
      this.savedResult = r;
    }
    this.writeCheckpoint('best', null);
    return true;
  }

  private async endOfEpoch(): Promise<EvalResult | null> {
    const r = await this.validate();
    if (r) {
      if (this.bestValLoss === null || r.loss < this.bestValLoss) {
        this.bestValLoss = r.loss;
        this.badEpochs = 0;
      } else {
        this.badEpochs++;
        if (this.s.lrDecay < 1) this.optimizer.lr *= this.s.lrDecay;
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
    let bytes: Uint8Array | null = null;
    const encode = () => (bytes ??= encodeCheckpoint({ ...this.o.contents(), training }));
    for (const s of this.o.sinks) s.checkpoint?.(kind, encode, this.step);
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
      optimizerStep: this.optimizer.step,
      optimizerSteps: this.optimizer.stepCounts(),
      lr: this.optimizer.lr,
      options: { ...this.s },
      dataFingerprint: this.task.fingerprint,
      elapsedSeconds: this.elapsed(),
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
