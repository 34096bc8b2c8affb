/**
 * Language modelling as a training task: cross-entropy at every position. Two shapes of data:
 *   stream — truncated BPTT: B rows walked in windows of T, the final recurrent state of one
 *            window carried (detached) into the next, reset at each epoch;
 *   window — the same stream read as independent windows of T tokens at stride S, every row
 *            from a zero state (nothing carried), offset and order drawn per epoch from (seed, epoch);
 *   docs   — [SOS] … [EOS] documents padded per batch ([PAD] ignored in the loss), every row
 *            from a zero state, the document order shuffled per epoch from (seed, epoch).
 * Because an epoch's batches depend on (seed, epoch) only, a resume needs just the epoch and the
 * batch index (and, for stream, the carried state).
 */
import { RnnlabError } from '../errors.js';
import { documentEvaluation, streamEvaluation, type EvalResult } from '../eval/perplexity.js';
import { streamRows } from '../eval/score-corpus.js';
import type { LanguageModel } from '../nn/language-model.js';
import type { RecurrentState } from '../nn/layers/recurrent.js';
import type { Tensor } from '../tensor.js';
import { documentBatches } from '../text/batching/documents.js';
import { StreamBatcher } from '../text/batching/stream.js';
import { WindowBatcher } from '../text/batching/windows.js';
import type { TokenIds } from '../text/token-ids.js';
import { Rng } from '../util/rng.js';
import type { CorpusData } from './corpus.js';
import { fingerprint } from './fingerprint.js';
import type { StepResult, Task } from './task.js';

export interface LmBatch {
  x: Int32Array;
  y: Int32Array;
  B: number;
  T: number;
}

export interface LmTaskSettings {
  batch: number;
  seq: number;
  seed: number;
  batching: 'stream' | 'window' | 'pad' | 'bucket';
  /** window: tokens between window starts (unset or 0: seq, windows that do not overlap). */
  stride?: number;
  /** pad/bucket: longest document (0: no limit). */
  maxLen: number;
  overflow: 'split' | 'cut';
}

export class LmTask implements Task<LmBatch> {
  readonly trainTokens: number;
  readonly valTokens: number;
  readonly hasValidation: boolean;
  readonly chanceLoss: number;
  readonly fingerprint: string;
  private carriedState: RecurrentState | null = null;
  /** The zero state of one batch of windows or documents (nothing is carried). */
  private freshState: RecurrentState | null = null;
  /** Stream batching carries the recurrent state from batch to batch; window and document batching do not. */
  private readonly carries: boolean;
  private readonly windows: WindowBatcher | null;

  constructor(
    readonly model: LanguageModel,
    private readonly data: CorpusData,
    private readonly padId: number,
    private readonly s: LmTaskSettings,
  ) {
    const total = (xs: TokenIds | TokenIds[], cut = 0) => (Array.isArray(xs) ? xs.reduce((n, d) => n + (cut > 0 ? Math.min(d.length, cut) : d.length), 0) : xs.length);
    // --overflow cut drops what is past --max-len; split keeps every token
    this.trainTokens = total(data.train, s.overflow === 'cut' ? s.maxLen : 0);
    this.valTokens = total(data.val);
    this.hasValidation = Array.isArray(data.val) ? data.val.length > 0 : data.val.length >= 2;
    this.chanceLoss = Math.log(model.config.vocabSize);
    this.fingerprint = fingerprint(data);
    this.carries = data.kind === 'stream' && s.batching !== 'window';
    this.windows = null;
    if (s.batching === 'window') {
      if (data.kind !== 'stream') throw new RnnlabError('window batching reads a token stream, not documents');
      this.windows = new WindowBatcher(data.train, s.seq, s.stride || s.seq);
    }
  }

  epoch(epoch: number): { count: number; get(i: number): LmBatch } {
    const s = this.s;
    if (this.windows) {
      const e = this.windows.epoch(epochRng(s.seed, epoch), s.batch);
      return { count: e.batches, get: (i) => e.batch(i) };
    }
    if (this.data.kind === 'stream') {
      const sb = new StreamBatcher(this.data.train, s.batch, s.seq);
      return { count: sb.windows, get: (i) => sb.window(i) };
    }
    const batches = documentBatches(this.data.train, {
      batchSize: s.batch, mode: s.batching === 'bucket' ? 'bucket' : 'pad', padId: this.padId,
      maxLen: s.maxLen || undefined, overflow: s.overflow,
      shuffle: epochRng(s.seed, epoch),
    });
    return { count: batches.length, get: (i) => batches[i] };
  }

  beginEpoch(_epoch: number, index: number): void {
    if (!this.carries) return;
    if (!this.carriedState || this.carriedState.B !== this.s.batch) {
      if (this.carriedState) this.model.freeState(this.carriedState);
      this.carriedState = this.model.newState(this.s.batch);
    }
    // Each epoch starts from zeros; a resumed run mid-epoch has restored the carried state.
    if (index === 0) this.zeroCarried();
  }

  private zeroCarried(): void {
    const st = this.carriedState!;
    for (const t of [...st.h, ...(st.c ?? [])]) this.model.backend.fill(t, 0, 0, t.size);
  }

  trainStep(b: LmBatch, rng: Rng): StepResult {
    const m = this.model;
    let state: RecurrentState;
    if (this.carries) state = this.carriedState!;
    else state = this.freshState = m.newState(b.B);
    m.zeroGrad();
    const r = m.forward(b.x, b.y, b.B, b.T, state, true, rng, this.data.kind === 'stream' ? -1 : this.padId);
    m.backward();
    return { nll: r.nll, count: r.count };
  }

  afterStep(_b: LmBatch, skipped = false): void {
    if (this.carries) {
      // the state a bad batch started from or ended in is suspect: the stream goes on from zeros, as at an epoch start
      if (skipped) this.zeroCarried();
      else this.model.commitState(this.carriedState!);
    } else if (this.freshState) {
      this.model.freeState(this.freshState);
      this.freshState = null;
    }
  }

  validation(): Generator<void, EvalResult> | null {
    return heldOutEvaluation(this.model, this.data.val, this.padId, this.s);
  }

  carried(): Map<string, Tensor> {
    const m = new Map<string, Tensor>();
    const st = this.carries ? this.carriedState : null;
    if (!st) return m;
    st.h.forEach((t, l) => m.set(`state.h_l${l}`, t));
    st.c?.forEach((t, l) => m.set(`state.c_l${l}`, t));
    return m;
  }

  restoreCarried(get: (name: string) => Float32Array | Int32Array | undefined): void {
    if (!this.carries || !get('state.h_l0')) return;
    this.carriedState = this.model.newState(this.s.batch);
    for (const [name, t] of this.carried()) {
      const v = get(name);
      if (!v) throw new RnnlabError(`the checkpoint lacks the carried recurrent state ${name}`);
      if (v.length !== t.data.length) throw new RnnlabError(`the checkpoint's carried recurrent state ${name} has ${v.length} values, not ${t.data.length} (a damaged checkpoint)`);
      t.data.set(v);
    }
  }
}

/** The Rng of an epoch's batch order: a function of (seed, epoch) only, so a resumed run sees the same batches. */
function epochRng(seed: number, epoch: number): Rng {
  return new Rng((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
}

/**
 * Scores held-out data (validation, or the test file) as validation does: a stream in `batch`
 * rows (never shorter than one window) walked in windows of `seq`, documents padded per batch.
 * Null when there is nothing to predict.
 */
export function heldOutEvaluation(
  model: LanguageModel, data: TokenIds | readonly TokenIds[], padId: number, s: Pick<LmTaskSettings, 'batch' | 'seq' | 'maxLen'>,
): Generator<void, EvalResult> | null {
  if (!Array.isArray(data)) {
    const ids = data as TokenIds;
    if (ids.length < 2) return null;
    return streamEvaluation(model, ids, streamRows(ids.length, s.batch, s.seq), s.seq);
  }
  if (data.length === 0) return null;
  return documentEvaluation(model, data, s.batch, padId, s.maxLen || undefined);
}
