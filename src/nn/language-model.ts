/**
 * The language model: the PyTorch module
 *
 *   embedding: nn.Embedding(V, E)       (absent when E = 0: one-hot input)
 *   rnn:       nn.LSTM | nn.GRU | nn.RNN (E or V → H, num_layers L, batch_first)
 *   decoder:   nn.Linear(H, V)           (weight shared with the embedding when tied)
 *
 * with dropout between recurrent layers and before the decoder, and the loss
 * F.cross_entropy(logits, targets, ignore_index) averaged over counted positions, built from
 * the layers in src/nn/layers/. Inputs and targets arrive batch-first [B,T] like PyTorch's;
 * the layers work time-major (shape key in src/tensor.ts), so they are transposed once on
 * the way in. The recurrent state is carried by the caller (truncated BPTT, generation).
 */
import type { Backend } from '../backend/backend.js';
import type { IntTensor, Tensor } from '../tensor.js';
import type { Rng } from '../util/rng.js';
import { cellKind, validateModelConfig, type ModelConfig } from './config.js';
import { normal, orthogonalBlock, uniform, uniformInitBound, xavierUniform } from './init.js';
import type { Act, ForwardContext } from './layer.js';
import { stateEntries } from './layer.js';
import { Dropout } from './layers/dropout.js';
import { Embedding } from './layers/embedding.js';
import { Linear } from './layers/linear.js';
import { Recurrent, type RecurrentState } from './layers/recurrent.js';
import type { Model } from './model.js';
import type { ModuleRow } from './summary.js';
import { zeroGrads, type Buffer, type Param } from './param.js';
import { Workspace } from './workspace.js';

export interface LossResult {
  /** Σ −log p(target) over counted positions (natural log). */
  nll: number;
  /** Counted (non-ignored) positions. */
  count: number;
}

export class LanguageModel implements Model {
  readonly arch = 'lm';
  readonly config: ModelConfig;
  readonly embedding: Embedding;
  readonly rnn: Recurrent;
  readonly dropout: Dropout;
  readonly decoder: Linear;
  private readonly ws: Workspace;
  private next: RecurrentState | null = null;
  private logits: Tensor | null = null;
  private lastTop: Act | null = null;
  private lastTrain = false;

  constructor(readonly backend: Backend, config: ModelConfig) {
    this.config = validateModelConfig({ ...config });
    const { vocabSize: V, embed: E, hidden: H, layers: L, dropout } = this.config;
    this.embedding = new Embedding(backend, 'embedding', V, E);
    this.rnn = new Recurrent(backend, 'rnn', cellKind(this.config), this.embedding.width, H, L, dropout);
    this.dropout = new Dropout(backend, dropout);
    this.decoder = new Linear(backend, 'decoder', H, V, { sharedWeight: this.config.tieWeights ? this.embedding.weight! : undefined });
    this.ws = new Workspace(backend);
  }

  get decoderWeight(): Param {
    return this.decoder.weight;
  }

  get decoderBias(): Param {
    return this.decoder.bias!;
  }

  /** Every distinct parameter, in state_dict order (a tied decoder weight appears once). */
  params(): Param[] {
    return [...this.embedding.params(), ...this.rnn.params(), ...this.decoder.params()];
  }

  buffers(): Buffer[] {
    return [];
  }

  /** The state_dict: names → tensors (a tied weight is listed under both names, as PyTorch does). */
  stateDict(): Map<string, Tensor> {
    const m = new Map<string, Tensor>();
    for (const layer of [this.embedding, this.rnn, this.decoder]) for (const [name, p] of stateEntries(layer)) m.set(name, p.value);
    return m;
  }

  /** The modules in order, for the model summary (src/nn/summary.ts). */
  modules(): ModuleRow[] {
    const c = this.config, name = { lstm: 'LSTM', gru: 'GRU', rnn: c.activation === 'relu' ? 'RNN(relu)' : 'RNN' }[c.cell];
    const rows: ModuleRow[] = [];
    if (c.embed > 0) rows.push({ name: 'embedding', type: `Embedding(${c.vocabSize}, ${c.embed})`, params: this.embedding.params() });
    rows.push({ name: 'rnn', type: `${name}(${c.embed > 0 ? c.embed : `${c.vocabSize} one-hot`}, ${c.hidden}, layers ${c.layers}${c.dropout > 0 ? `, dropout ${c.dropout}` : ''})`, params: this.rnn.params() });
    rows.push({ name: 'decoder', type: `Linear(${c.hidden}, ${c.vocabSize})${c.tieWeights ? ', weight tied to the embedding' : ''}`, params: this.decoder.params() });
    return rows;
  }

  parameterCount(): number {
    return this.params().reduce((s, p) => s + p.value.size, 0);
  }

  initialize(rng: Rng): void {
    const { hidden: H, init } = this.config;
    const bound = uniformInitBound(init);
    if (bound !== null) {
      for (const p of this.params()) uniform(p.value.data, rng, bound);
      return;
    }
    if (this.embedding.weight) normal(this.embedding.weight.value.data, rng, 1);
    for (const layer of this.rnn.layers) {
      if (init === 'pytorch') {
        for (const p of [layer.wih, layer.whh, layer.bih, layer.bhh]) uniform(p.value.data, rng, 1 / Math.sqrt(H));
      } else {
        const G = this.rnn.G, I = layer.wih.shape[1];
        xavierUniform(layer.wih.value.data, rng, G, I);
        for (let g = 0; g < G / H; g++) orthogonalBlock(layer.whh.value.data, rng, g * H, H);
        layer.bih.value.data.fill(0);
        layer.bhh.value.data.fill(0);
      }
    }
    if (!this.config.tieWeights) uniform(this.decoderWeight.value.data, rng, 1 / Math.sqrt(H));
    uniform(this.decoderBias.value.data, rng, 1 / Math.sqrt(H));
  }

  newState(B: number): RecurrentState {
    return this.rnn.newState(B);
  }

  freeState(s: RecurrentState): void {
    this.rnn.freeState(s);
  }

  zeroGrad(): void {
    zeroGrads(this.backend, this.params());
  }

  /**
   * Forward pass over x [B,T] (batch-first ids). With targets, returns the summed NLL and
   * count, and (train) keeps what backward needs. The final recurrent states go into
   * `state` itself when not training, and are committed to it by `commitState` after the
   * backward pass otherwise (the backward still needs the initial ones).
   */
  forward(x: Int32Array, y: Int32Array | null, B: number, T: number, state: RecurrentState, train: boolean, rng: Rng | null, ignoreIndex = -1): LossResult {
    const be = this.backend, V = this.config.vocabSize, N = B * T;
    if (state.B !== B) throw new Error(`state has ${state.B} rows, batch has ${B}`);
    const ids = this.ws.getInt('ids', N), targets = this.ws.getInt('targets', N);
    const idv = ids.data, tg = targets.data;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        idv[t * B + b] = x[b * T + t];
        if (y) tg[t * B + b] = y[b * T + t];
      }
    }
    if (train && (!this.next || this.next.B !== B)) {
      if (this.next) this.rnn.freeState(this.next);
      this.next = this.rnn.newState(B);
    }
    const ctx: ForwardContext = { train, rng };
    const input: Act = { t: null, ids, T, B, C: V, lengths: null };
    const emb = this.embedding.forward(input, ctx);
    const hs = this.rnn.run(emb, ctx, state, train ? this.next : state);
    const top = this.dropout.forward(hs, ctx);
    const logits = this.decoder.forward(top, ctx).t!;
    this.logits = logits;
    this.lastTop = top;
    this.lastTrain = train;
    if (!y) return { nll: 0, count: 0 };
    // The gradient needs the count first (mean over counted positions), so count, then fuse.
    let count = 0;
    for (let i = 0; i < N; i++) if (tg[i] !== ignoreIndex) count++;
    const r = be.crossEntropy(logits, targets as IntTensor, N, V, ignoreIndex, train ? logits : null, count > 0 ? 1 / count : 0);
    return { nll: r.loss, count: r.count };
  }

  /** Logits [N,V] (time-major) of the last forward pass without targets or in inference. */
  logitsTensor(): Tensor {
    if (!this.logits) throw new Error('logitsTensor needs a forward first');
    return this.logits;
  }

  /** Gradients of the mean loss of the last training forward, accumulated into every trained param's grad. */
  backward(dState: RecurrentState | null = null): void {
    const top = this.lastTop;
    if (!this.lastTrain || !this.logits || !top) throw new Error('backward needs a training forward first');
    // crossEntropy left the gradient of the mean loss in the logits tensor
    const dlogits: Act = { t: this.logits, T: top.T, B: top.B, C: this.config.vocabSize, lengths: null };
    const dtop = this.decoder.backward(dlogits, true)!;
    const dhs = this.dropout.backward(dtop, true);
    const embTrains = !!this.embedding.weight && !this.embedding.weight.frozen;
    const demb = this.rnn.backwardFrom(dhs, embTrains, dState);
    if (embTrains && demb) this.embedding.backward(demb, false);
  }

  /** Carry the final states of the last training forward into `state` (detached: TBPTT). */
  commitState(state: RecurrentState): void {
    const be = this.backend, n = state.B * this.config.hidden;
    for (let l = 0; l < this.config.layers; l++) {
      be.copy(state.h[l], 0, this.next!.h[l], 0, n);
      if (state.c) be.copy(state.c[l], 0, this.next!.c![l], 0, n);
    }
  }
}
