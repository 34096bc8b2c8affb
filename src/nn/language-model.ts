/**
 * The language model: the PyTorch module
 *
 *   embedding: nn.Embedding(V, E)       (absent when E = 0: one-hot input)
 *   rnn:       nn.LSTM | nn.GRU | nn.RNN (E or V → H, num_layers L, batch_first)
 *   decoder:   nn.Linear(H, V)           (weight shared with the embedding when tied)
 *
 * with dropout between recurrent layers and before the decoder, and the loss
 * F.cross_entropy(logits, targets, ignore_index) averaged over counted positions.
 * Inputs and targets arrive batch-first [B,T] like PyTorch's; the engine works time-major
 * (shape key in src/tensor.ts), so they are transposed once on the way in.
 */
import type { Backend } from '../backend/backend.js';
import type { IntTensor, Tensor } from '../tensor.js';
import type { Rng } from '../util/rng.js';
import { cellKind, validateModelConfig, type ModelConfig } from './config.js';
import { makeParam, zeroGrads, type Param } from './param.js';
import { RecurrentStack, type RecurrentState } from './recurrent.js';
import { normal, orthogonalBlock, uniform, xavierUniform } from './init.js';

export interface LossResult {
  /** Σ −log p(target) over counted positions (natural log). */
  nll: number;
  /** Counted (non-ignored) positions. */
  count: number;
}

export class LanguageModel {
  readonly config: ModelConfig;
  readonly embedding: Param | null;
  readonly rnn: RecurrentStack;
  readonly decoderWeight: Param;
  readonly decoderBias: Param;
  private ids: IntTensor | null = null;
  private targets: IntTensor | null = null;
  private emb: Tensor | null = null;
  private top: Tensor | null = null; // dropout output feeding the decoder [N,H]
  private lastTop: Tensor | null = null; // what the decoder read in the last forward (top or the stack's hs)
  private logits: Tensor | null = null; // [N,V]; holds dlogits after backward
  private dtop: Tensor | null = null;
  private demb: Tensor | null = null;
  private capacity = 0;
  private topSeed = 0;
  private lastN = 0;
  private lastTrain = false;
  private next: RecurrentState | null = null;

  constructor(readonly backend: Backend, config: ModelConfig) {
    this.config = validateModelConfig({ ...config });
    const { vocabSize: V, embed: E, hidden: H, layers: L } = this.config;
    this.embedding = E > 0 ? makeParam(backend, 'embedding.weight', [V, E]) : null;
    this.rnn = new RecurrentStack(backend, cellKind(this.config), E > 0 ? E : V, H, L, this.config.dropout, E === 0);
    this.decoderWeight = this.config.tieWeights ? this.embedding! : makeParam(backend, 'decoder.weight', [V, H]);
    this.decoderBias = makeParam(backend, 'decoder.bias', [V]);
  }

  /** Every distinct trainable tensor, in state_dict order (a tied decoder weight appears once). */
  params(): Param[] {
    const ps: Param[] = [];
    if (this.embedding) ps.push(this.embedding);
    ps.push(...this.rnn.params());
    if (!this.config.tieWeights) ps.push(this.decoderWeight);
    ps.push(this.decoderBias);
    return ps;
  }

  /** The state_dict: names → tensors (a tied weight is listed under both names, as PyTorch does). */
  stateDict(): Map<string, Tensor> {
    const m = new Map<string, Tensor>();
    for (const p of this.params()) m.set(p.name, p.value);
    if (this.config.tieWeights) m.set('decoder.weight', this.decoderWeight.value);
    return new Map([...m].sort((a, b) => stateDictOrder(a[0]) - stateDictOrder(b[0])));
  }

  parameterCount(): number {
    return this.params().reduce((s, p) => s + p.value.size, 0);
  }

  initialize(rng: Rng): void {
    const { hidden: H, init } = this.config;
    if (this.embedding) normal(this.embedding.value.data, rng, 1);
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

  private ensure(N: number): void {
    if (N <= this.capacity) return;
    const be = this.backend, { vocabSize: V, embed: E, hidden: H } = this.config;
    for (const t of [this.ids, this.targets, this.emb, this.top, this.logits, this.dtop, this.demb]) if (t) be.free(t);
    this.ids = be.allocInt(N);
    this.targets = be.allocInt(N);
    this.emb = E > 0 ? be.alloc([N, E]) : null;
    this.demb = E > 0 ? be.alloc([N, E]) : null;
    this.top = this.config.dropout > 0 ? be.alloc([N, H]) : null;
    this.dtop = be.alloc([N, H]);
    this.logits = be.alloc([N, V]);
    this.capacity = N;
  }

  /**
   * Forward pass over x [B,T] (batch-first ids). With targets, returns the summed NLL and
   * count, and (train) keeps what backward needs. The final recurrent states go into
   * `state` itself when not training, and are committed to it by `commitState` after the
   * backward pass otherwise (the backward still needs the initial ones).
   */
  forward(x: Int32Array, y: Int32Array | null, B: number, T: number, state: RecurrentState, train: boolean, rng: Rng | null, ignoreIndex = -1): LossResult {
    const be = this.backend, { vocabSize: V, hidden: H } = this.config, N = B * T;
    if (state.B !== B) throw new Error(`state has ${state.B} rows, batch has ${B}`);
    this.ensure(N);
    const ids = this.ids!.data, tg = this.targets!.data;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        ids[t * B + b] = x[b * T + t];
        if (y) tg[t * B + b] = y[b * T + t];
      }
    }
    if (this.embedding) be.embeddingForward(this.emb!, this.ids!, this.embedding.value, N, this.config.embed);
    const rand = () => (rng ? rng.nextU32() : 0);
    if (train && !this.next) this.next = this.rnn.newState(B);
    if (train && this.next!.B !== B) {
      this.rnn.freeState(this.next!);
      this.next = this.rnn.newState(B);
    }
    let top = this.rnn.forward(T, state, this.emb, this.ids, train, train ? this.next : state, rand);
    if (train && this.config.dropout > 0) {
      this.topSeed = rand();
      be.dropoutForward(this.top!, top, N * H, this.config.dropout, this.topSeed);
      top = this.top!;
    }
    be.gemm(false, true, N, V, H, 1, top, 0, this.decoderWeight.value, 0, 0, this.logits!, 0);
    be.addBias(this.logits!, this.decoderBias.value, N, V);
    this.lastN = N;
    this.lastTrain = train;
    this.lastTop = top;
    if (!y) return { nll: 0, count: 0 };
    // The gradient needs the count first (mean over counted positions), so count, then fuse.
    let count = 0;
    for (let i = 0; i < N; i++) if (tg[i] !== ignoreIndex) count++;
    const r = be.crossEntropy(this.logits!, this.targets!, N, V, ignoreIndex, train ? this.logits! : null, count > 0 ? 1 / count : 0);
    return { nll: r.loss, count: r.count };
  }

  /** Logits [N,V] (time-major) of the last forward pass without targets or in inference. */
  logitsTensor(): Tensor {
    return this.logits!;
  }

  /** Gradients of the mean loss of the last training forward, accumulated into every param's grad. */
  backward(dState: RecurrentState | null = null): void {
    if (!this.lastTrain) throw new Error('backward needs a training forward first');
    const be = this.backend, { vocabSize: V, hidden: H, embed: E } = this.config, N = this.lastN;
    const dlogits = this.logits!;
    be.gemm(true, false, V, H, N, 1, dlogits, 0, this.lastTop!, 0, 1, this.decoderWeight.grad, 0);
    be.sumRows(this.decoderBias.grad, dlogits, N, V);
    be.gemm(false, false, N, H, V, 1, dlogits, 0, this.decoderWeight.value, 0, 0, this.dtop!, 0);
    if (this.config.dropout > 0) be.dropoutBackward(this.dtop!, this.dtop!, N * H, this.config.dropout, this.topSeed);
    this.rnn.backward(this.dtop!, this.embedding ? this.demb : null, dState);
    if (this.embedding) be.embeddingBackward(this.embedding.grad, this.ids!, this.demb!, N, E);
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

function stateDictOrder(name: string): number {
  if (name.startsWith('embedding.')) return 0;
  if (name.startsWith('rnn.')) {
    const m = /_l(\d+)$/.exec(name)!;
    const kind = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].findIndex((k) => name.includes(k));
    return 1 + Number(m[1]) * 4 + kind;
  }
  return name === 'decoder.weight' ? 1e6 : 1e6 + 1;
}
