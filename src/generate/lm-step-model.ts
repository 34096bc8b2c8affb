/**
 * The StepModel contract for a trained LanguageModel: one batched forward of T = 1 per step,
 * the recurrent state carried between calls, so generating n tokens costs n steps whatever
 * the prefix length (the prime itself is one T = len forward).
 */
import { LanguageModel } from '../nn/language-model.js';
import type { RecurrentState } from '../nn/layers/recurrent.js';
import type { Model } from '../nn/model.js';
import { RnnlabError } from '../errors.js';
import type { DecodeState, StepModel } from './step-model.js';

class LmDecodeState implements DecodeState {
  /** Set once the tensors are freed: a heap block may be reused, so a second free or a later use would corrupt a live tensor. */
  released = false;
  constructor(readonly batch: number, readonly rs: RecurrentState) {}
}

function live(state: DecodeState): LmDecodeState {
  const s = state as LmDecodeState;
  if (s.released) throw new RnnlabError('this decoding state was already released (or replaced by reorder)');
  return s;
}

export class LmStepModel implements StepModel {
  readonly vocabSize: number;
  private readonly model: LanguageModel;

  /** `model` must be a language model (a decoded checkpoint may hold another kind). */
  constructor(model: Model) {
    if (!(model instanceof LanguageModel)) throw new RnnlabError(`generation needs a language model, not a model of kind "${model.arch}"`);
    this.model = model;
    this.vocabSize = model.config.vocabSize;
  }

  initState(batch: number): DecodeState {
    return new LmDecodeState(batch, this.model.newState(batch));
  }

  step(state: DecodeState, tokens: Int32Array): Float32Array {
    const s = live(state);
    this.model.forward(tokens, null, s.batch, 1, s.rs, false, null);
    return Float32Array.from(this.model.logitsTensor().data.subarray(0, s.batch * this.vocabSize));
  }

  prime(state: DecodeState, tokens: Int32Array): Float32Array {
    const s = live(state), B = s.batch, T = tokens.length, V = this.vocabSize;
    const x = new Int32Array(B * T);
    for (let b = 0; b < B; b++) x.set(tokens, b * T);
    this.model.forward(x, null, B, T, s.rs, false, null);
    // time-major logits: the last step's B rows are contiguous
    return Float32Array.from(this.model.logitsTensor().data.subarray((T - 1) * B * V, T * B * V));
  }

  reorder(state: DecodeState, indices: Int32Array): DecodeState {
    const s = live(state), be = this.model.backend, H = this.model.config.hidden;
    const next = this.model.newState(indices.length);
    for (let l = 0; l < s.rs.h.length; l++) {
      for (let i = 0; i < indices.length; i++) {
        be.copy(next.h[l], i * H, s.rs.h[l], indices[i] * H, H);
        if (next.c && s.rs.c) be.copy(next.c[l], i * H, s.rs.c[l], indices[i] * H, H);
      }
    }
    // Decoders replace their state with the result, so the old one can go.
    this.release(s);
    return new LmDecodeState(indices.length, next);
  }

  release(state: DecodeState): void {
    const s = state as LmDecodeState;
    if (s.released) return;
    s.released = true;
    this.model.freeState(s.rs);
  }
}
