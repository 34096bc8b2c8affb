/**
 * The language-model training loop. A step is: forward with cross-entropy at every position,
 * backward through time, global-norm clipping, optimizer update, and (stream batching) the
 * final recurrent state carried into the next window, detached. Validation runs at the end of
 * every epoch; model.safetensors keeps the best weights by validation loss, last.safetensors
 * everything needed to continue exactly (weights, optimizer, RNG, data position, carried state).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { LanguageModel } from '../nn/language-model.js';
import type { RecurrentState } from '../nn/recurrent.js';
import { clipGradNorm } from '../optim/clip.js';
import { Optimizer, type OptimizerName } from '../optim/optimizer.js';
import { documentBatches, type DocBatch } from '../text/batching/documents.js';
import { StreamBatcher } from '../text/batching/stream.js';
import type { Tokenizer } from '../text/tokenizers/tokenizer.js';
import type { Vocab } from '../text/vocab.js';
import { Rng } from '../util/rng.js';
import { evaluateDocs, evaluateStream, type EvalResult } from '../eval/perplexity.js';
import { saveCheckpoint, type LoadedModel, type TrainState } from './checkpoint.js';
import { fingerprint, type CorpusData } from './corpus.js';

export interface TrainOptions {
  batch: number;
  seq: number;
  epochs: number;
  /** Stop after this many optimizer steps in total (0: no limit). */
  maxSteps: number;
  /** Stop after this much training time in this process, seconds (0: no limit). */
  maxSeconds: number;
  lr: number;
  optimizer: OptimizerName;
  momentum: number;
  weightDecay: number;
  /** Global gradient-norm limit (0: off). */
  clip: number;
  seed: number;
  /** stream: TBPTT windows over one token stream; pad / bucket: whole documents per row. */
  batching: 'stream' | 'pad' | 'bucket';
  /** pad / bucket: documents longer than this many tokens are split or cut (0: no limit). */
  maxLen: number;
  overflow: 'split' | 'cut';
  /** Multiply the learning rate by this when validation loss does not improve (1: never). */
  lrDecay: number;
  /** Stop after this many epochs without validation improvement (0: never). */
  patience: number;
}

export interface StepEvent { step: number; epoch: number; batch: number; batches: number; loss: number; gradNorm: number; tokensPerSec: number; lr: number; elapsed: number }
export interface ValEvent { step: number; epoch: number; result: EvalResult; best: boolean; untrained?: boolean }

export interface TrainEvents {
  start?(info: { totalSteps: number; stepsPerEpoch: number; startStep: number; params: number; trainTokens: number; valTokens: number; maxSeconds: number }): void;
  step?(e: StepEvent): void;
  validation?(e: ValEvent): void;
  saved?(path: string): void;
}

export interface TrainSummary {
  steps: number;
  epochs: number;
  best: EvalResult | null;
  last: EvalResult | null;
  stoppedBy: 'epochs' | 'max-steps' | 'time' | 'interrupt' | 'early-stopping';
  elapsed: number;
  tokensPerSec: number;
}

export class LmTrainer {
  private readonly opt: Optimizer;
  private readonly rng: Rng;
  private step = 0;
  private epoch = 0;
  private batchIndex = 0;
  private bestValLoss: number | null = null;
  private badEpochs = 0;
  private elapsedBefore = 0;
  private carried: RecurrentState | null = null;
  private stopRequested = false;
  private readonly fp: string;

  constructor(
    private readonly backend: Backend,
    private readonly model: LanguageModel,
    private readonly vocab: Vocab,
    private readonly tokenizer: Tokenizer,
    private readonly data: CorpusData,
    private readonly o: TrainOptions,
    private readonly out: string | null,
    private readonly events: TrainEvents = {},
    resume?: LoadedModel,
  ) {
    this.rng = new Rng(o.seed);
    this.opt = new Optimizer(backend, model.params(), { name: o.optimizer, lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
    this.fp = fingerprint(data);
    if (out) mkdirSync(out, { recursive: true });
    if (resume) this.restore(resume);
    else model.initialize(this.rng);
  }

  /** Finish the current step, save, and return (SIGINT). */
  requestStop(): void {
    this.stopRequested = true;
  }

  private padId(): number {
    return this.vocab.pad;
  }

  private epochBatches(epoch: number): { count: number; get: (i: number) => { x: Int32Array; y: Int32Array; B: number; T: number; tokens: number } } {
    const o = this.o;
    if (this.data.kind === 'stream') {
      const sb = new StreamBatcher(this.data.train, o.batch, o.seq);
      return { count: sb.windows, get: (i) => { const w = sb.window(i); return { ...w, tokens: w.B * w.T }; } };
    }
    // The document order of epoch e depends on (seed, e) only, so a resumed run sees the same batches.
    const batches: DocBatch[] = documentBatches(this.data.train, {
      batchSize: o.batch, mode: this.mode(), padId: this.padId(), maxLen: o.maxLen || undefined, overflow: o.overflow,
      shuffle: new Rng((o.seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0),
    });
    return { count: batches.length, get: (i) => batches[i] };
  }

  private mode(): 'pad' | 'bucket' {
    return this.o.batching === 'bucket' ? 'bucket' : 'pad';
  }

  validate(): EvalResult | null {
    if (this.data.kind === 'stream') {
      if (this.data.val.length < 2) return null;
      return evaluateStream(this.model, this.data.val, Math.min(this.o.batch, Math.max(1, Math.floor((this.data.val.length - 1) / this.o.seq)) || 1), this.o.seq);
    }
    if (this.data.val.length === 0) return null;
    return evaluateDocs(this.model, this.data.val, this.o.batch, this.padId(), this.o.maxLen || undefined);
  }

  async run(): Promise<TrainSummary> {
    const o = this.o, be = this.backend, model = this.model;
    const perEpoch = this.epochBatches(0).count;
    const total = o.maxSteps > 0 ? Math.min(o.maxSteps, perEpoch * o.epochs) : perEpoch * o.epochs;
    if (perEpoch === 0) throw new RnnlabError('the training data gives no batch (too little data for --batch and --seq)');
    const trainTokens = this.data.kind === 'stream' ? this.data.train.length : this.data.train.reduce((s, d) => s + d.length, 0);
    const valTokens = this.data.kind === 'stream' ? this.data.val.length : this.data.val.reduce((s, d) => s + d.length, 0);
    this.events.start?.({ totalSteps: total, stepsPerEpoch: perEpoch, startStep: this.step, params: model.parameterCount(), trainTokens, valTokens, maxSeconds: o.maxSeconds });
    if (this.step === 0) {
      // Sanity line: an untrained model should score about the vocabulary size.
      const r = this.validate();
      if (r) this.events.validation?.({ step: 0, epoch: 0, result: r, best: false, untrained: true });
    }
    const t0 = performance.now();
    let tokensDone = 0;
    let stoppedBy: TrainSummary['stoppedBy'] = 'epochs';
    let lastVal: EvalResult | null = null;
    let validatedAtStep = -1;
    let recentTok = 0, recentT = performance.now();
    let tps = 0;
    outer: for (; this.epoch < o.epochs; this.epoch++) {
      const batches = this.epochBatches(this.epoch);
      if (this.data.kind === 'stream' && (this.batchIndex === 0 || !this.carried)) {
        if (!this.carried || this.carried.B !== o.batch) this.carried = model.newState(o.batch);
        if (this.batchIndex === 0) for (const t of [...this.carried.h, ...(this.carried.c ?? [])]) be.fill(t, 0, 0, t.size);
      }
      for (; this.batchIndex < batches.count; this.batchIndex++) {
        if (o.maxSteps > 0 && this.step >= o.maxSteps) { stoppedBy = 'max-steps'; break outer; }
        if (this.stopRequested) { stoppedBy = 'interrupt'; break outer; }
        if (o.maxSeconds > 0 && performance.now() - t0 > o.maxSeconds * 1000) { stoppedBy = 'time'; break outer; }
        const b = batches.get(this.batchIndex);
        const state = this.data.kind === 'stream' ? this.carried! : model.newState(b.B);
        model.zeroGrad();
        const r = model.forward(b.x, b.y, b.B, b.T, state, true, this.rng, this.data.kind === 'stream' ? -1 : this.padId());
        model.backward();
        const norm = clipGradNorm(be, model.params(), o.clip);
        this.opt.apply();
        if (this.data.kind === 'stream') model.commitState(state);
        else model.freeState(state);
        this.step++;
        tokensDone += r.count;
        recentTok += r.count;
        const now = performance.now();
        if (now - recentT > 1000 || tps === 0) {
          tps = (recentTok / (now - recentT)) * 1000;
          recentTok = 0;
          recentT = now;
        }
        const loss = r.count > 0 ? r.nll / r.count : 0;
        if (!Number.isFinite(loss)) throw new RnnlabError(`training diverged at step ${this.step} (loss ${loss}); lower --lr or enable --clip`);
        const e: StepEvent = { step: this.step, epoch: this.epoch, batch: this.batchIndex + 1, batches: batches.count, loss, gradNorm: norm, tokensPerSec: tps, lr: this.opt.lr, elapsed: this.elapsed(t0) };
        this.metric({ type: 'step', step: e.step, epoch: e.epoch, loss, grad_norm: norm, lr: this.opt.lr, tokens: r.count, tokens_per_sec: Math.round(tps), elapsed: +e.elapsed.toFixed(3) });
        this.events.step?.(e);
      }
      this.batchIndex = 0;
      lastVal = this.endOfEpoch(t0);
      validatedAtStep = this.step;
      if (o.patience > 0 && this.badEpochs >= o.patience) { stoppedBy = 'early-stopping'; this.epoch++; break; }
    }
    if (validatedAtStep !== this.step) lastVal = this.endOfEpoch(t0, false);
    const elapsed = this.elapsed(t0);
    return {
      steps: this.step, epochs: this.epoch, best: this.bestResult, last: lastVal, stoppedBy, elapsed,
      tokensPerSec: tokensDone / Math.max(1e-9, (performance.now() - t0) / 1000),
    };
  }

  private bestResult: EvalResult | null = null;

  private elapsed(t0: number): number {
    return this.elapsedBefore + (performance.now() - t0) / 1000;
  }

  /** Validate, keep the best weights, write last.safetensors; `complete` is false for a mid-epoch stop. */
  private endOfEpoch(t0: number, complete = true): EvalResult | null {
    // What a resumed run continues from: a mid-epoch validation (a stop before the epoch ends)
    // is one the uninterrupted run never makes, so it must not move the best loss it compares to.
    const resumeFrom = { bestValLoss: this.bestValLoss, badEpochs: this.badEpochs };
    const r = this.validate();
    let best = false;
    if (r) {
      best = this.bestValLoss === null || r.loss < this.bestValLoss;
      if (best) {
        this.bestValLoss = r.loss;
        this.bestResult = r;
        this.badEpochs = 0;
      } else if (complete) {
        this.badEpochs++;
        if (this.o.lrDecay < 1) this.opt.lr *= this.o.lrDecay;
      }
      this.metric({ type: 'val', step: this.step, epoch: this.epoch, loss: r.loss, perplexity: r.perplexity, bits_per_token: r.bitsPerToken, tokens: r.tokens, best });
      this.events.validation?.({ step: this.step, epoch: this.epoch, result: r, best });
    }
    if (this.out) {
      if (best || !r) {
        const p = join(this.out, 'model.safetensors');
        saveCheckpoint(p, this.model, this.vocab, this.tokenizer, null, this.o.batching);
        this.events.saved?.(p);
      }
      const p = join(this.out, 'last.safetensors');
      saveCheckpoint(p, this.model, this.vocab, this.tokenizer, {
        state: this.trainState(t0, complete, complete ? undefined : resumeFrom), optimizer: this.opt, carried: this.data.kind === 'stream' && !complete ? this.carried : null,
      }, this.o.batching);
      this.events.saved?.(p);
    }
    return r;
  }

  private trainState(t0: number, complete: boolean, kept?: { bestValLoss: number | null; badEpochs: number }): TrainState {
    return {
      step: this.step,
      epoch: complete ? this.epoch + 1 : this.epoch,
      batchIndex: complete ? 0 : this.batchIndex,
      rng: this.rng.getState(),
      bestValLoss: kept ? kept.bestValLoss : this.bestValLoss,
      badEpochs: kept ? kept.badEpochs : this.badEpochs,
      optimizerStep: this.opt.step,
      lr: this.opt.lr,
      options: { ...this.o },
      dataFingerprint: this.fp,
      elapsedSeconds: this.elapsed(t0),
    };
  }

  private restore(r: LoadedModel): void {
    const s = r.trainState;
    if (!s) throw new RnnlabError('the checkpoint holds no training state (resume from last.safetensors)');
    if (s.dataFingerprint !== this.fp) throw new RnnlabError('the training data differs from the run being resumed (same --data and settings are needed)');
    // weights were loaded with the model; the rest of the state:
    for (const [name, t] of this.opt.stateTensors()) {
      const st = r.extra.get(`optimizer.${name}`);
      if (!st) throw new RnnlabError(`the checkpoint lacks optimizer state ${name} (was it trained with another --optimizer?)`);
      t.data.set(st.data);
    }
    this.opt.step = s.optimizerStep;
    this.opt.lr = s.lr;
    this.rng.setState(s.rng);
    this.step = s.step;
    this.epoch = s.epoch;
    this.batchIndex = s.batchIndex;
    this.bestValLoss = s.bestValLoss;
    this.badEpochs = s.badEpochs ?? 0;
    this.elapsedBefore = s.elapsedSeconds;
    if (r.extra.has('state.h_l0')) {
      this.carried = this.model.newState(this.o.batch);
      this.carried.h.forEach((t, l) => t.data.set(r.extra.get(`state.h_l${l}`)!.data));
      this.carried.c?.forEach((t, l) => t.data.set(r.extra.get(`state.c_l${l}`)!.data));
    }
    if (this.out) this.truncateMetrics(s.step, s.batchIndex === 0 && s.step > 0);
  }

  /**
   * A resumed run rewrites history from its checkpoint on: lines after that step are dropped,
   * and so is a validation at that step unless the checkpoint ends an epoch (then the first
   * validation line at that step is the epoch's own, which the uninterrupted run has too).
   */
  private truncateMetrics(step: number, epochEnd: boolean): void {
    const f = join(this.out!, 'metrics.jsonl');
    if (!existsSync(f)) return;
    let epochVal = epochEnd;
    const keep = readFileSync(f, 'utf8').split('\n').filter((l) => {
      if (!l.trim()) return false;
      try {
        const m = JSON.parse(l) as { step: number; type: string };
        if (m.step === step && m.type === 'val' && epochVal) {
          epochVal = false;
          return true;
        }
        return m.step < step || (m.step === step && m.type === 'step');
      } catch {
        return false;
      }
    });
    writeFileAtomic(f, keep.map((l) => l + '\n').join(''));
  }

  private metric(m: Record<string, unknown>): void {
    if (this.out) appendFileSync(join(this.out, 'metrics.jsonl'), JSON.stringify(m) + '\n');
  }
}
