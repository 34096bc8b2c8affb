/**
 * A sequence classifier built directly from the backend ops (rnnlab has no classifier module
 * yet). The PyTorch module it mirrors:
 *
 *   embedding: nn.Embedding(V, E)
 *   rnn:       nn.GRU(E, H, batch_first=True)   (any cell kind works; the bench uses GRU)
 *   out:       nn.Linear(H, C)                  applied to the last hidden state h_T
 *   loss:      F.cross_entropy(logits [B,C], labels [B])   (mean over the batch)
 *
 * Forward: embeddingForward → gemm x·W_ihᵀ + addBias → recurrentForward → hs[T-1] → gemm to C
 * logits + addBias → crossEntropy (fused gradient). Backward goes through the same ops:
 * gemm for the output layer, recurrentBackward with dhs zero except at the last step, gemms for
 * W_ih and the embedding gradient, embeddingBackward.
 */
import { cacheWidth, gates, type Backend, type CellKind } from '../src/backend/backend.js';
import { makeParam, zeroGrads, type Param } from '../src/nn/param.js';
import { normal, uniform } from '../src/nn/init.js';
import type { IntTensor, Tensor } from '../src/tensor.js';
import type { Rng } from '../src/util/rng.js';

export interface ClassifierConfig {
  vocab: number;
  embed: number;
  hidden: number;
  classes: number;
  cell: CellKind;
}

export class SequenceClassifier {
  readonly embedding: Param;
  readonly wih: Param;
  readonly whh: Param;
  readonly bih: Param;
  readonly bhh: Param;
  readonly outW: Param;
  readonly outB: Param;
  private readonly G: number;
  private B = 0;
  private T = 0;
  private ids!: IntTensor; // [N] time-major
  private labels!: IntTensor; // [B]
  private emb!: Tensor; // [N,E]; holds dEmb during backward
  private xw!: Tensor; // [N,G]; holds dxw during backward
  private hs!: Tensor; // [N,H]
  private cache!: Tensor; // [N,cacheWidth]
  private dhw: Tensor | null = null; // [N,G] (GRU)
  private dhs!: Tensor; // [N,H]
  private h0!: Tensor; // [B,H] zeros
  private c0: Tensor | null = null; // [B,H] zeros (LSTM)
  private logits!: Tensor; // [B,C]; holds dlogits after forward(train)

  constructor(readonly backend: Backend, readonly config: ClassifierConfig) {
    const { vocab: V, embed: E, hidden: H, classes: C, cell } = config;
    this.G = gates(cell) * H;
    this.embedding = makeParam(backend, 'embedding.weight', [V, E]);
    this.wih = makeParam(backend, 'rnn.weight_ih_l0', [this.G, E]);
    this.whh = makeParam(backend, 'rnn.weight_hh_l0', [this.G, H]);
    this.bih = makeParam(backend, 'rnn.bias_ih_l0', [this.G]);
    this.bhh = makeParam(backend, 'rnn.bias_hh_l0', [this.G]);
    this.outW = makeParam(backend, 'out.weight', [C, H]);
    this.outB = makeParam(backend, 'out.bias', [C]);
  }

  params(): Param[] {
    return [this.embedding, this.wih, this.whh, this.bih, this.bhh, this.outW, this.outB];
  }

  /** PyTorch's default initialisation (in distribution). */
  initialize(rng: Rng): void {
    const k = 1 / Math.sqrt(this.config.hidden);
    normal(this.embedding.value.data, rng, 1);
    for (const p of [this.wih, this.whh, this.bih, this.bhh, this.outW, this.outB]) uniform(p.value.data, rng, k);
  }

  zeroGrad(): void {
    zeroGrads(this.backend, this.params());
  }

  private ensure(B: number, T: number): void {
    if (B === this.B && T === this.T) return;
    const be = this.backend, { embed: E, hidden: H, classes: C, cell } = this.config, N = B * T, G = this.G;
    if (this.B) {
      for (const t of [this.ids, this.labels, this.emb, this.xw, this.hs, this.cache, this.dhw, this.dhs, this.h0, this.c0, this.logits]) {
        if (t) be.free(t);
      }
    }
    this.ids = be.allocInt(N);
    this.labels = be.allocInt(B);
    this.emb = be.alloc([N, E]);
    this.xw = be.alloc([N, G]);
    this.hs = be.alloc([N, H]);
    this.cache = be.alloc([Math.max(1, N * cacheWidth(cell, H))]);
    this.dhw = cell === 'gru' ? be.alloc([N, G]) : null;
    this.dhs = be.alloc([N, H]);
    this.h0 = be.alloc([B, H]);
    this.c0 = cell === 'lstm' ? be.alloc([B, H]) : null;
    this.logits = be.alloc([B, C]);
    this.B = B;
    this.T = T;
  }

  /**
   * x [B,T] batch-first ids, labels [B]. Returns the summed NLL over the batch (the gradient
   * of the mean is left in place for backward when train).
   */
  forward(x: Int32Array, labels: Int32Array, B: number, T: number, train: boolean): { nll: number; count: number } {
    this.ensure(B, T);
    const be = this.backend, { embed: E, hidden: H, classes: C, cell } = this.config, N = B * T, G = this.G;
    const ids = this.ids.data;
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) ids[t * B + b] = x[b * T + t];
    this.labels.data.set(labels.subarray(0, B));
    be.embeddingForward(this.emb, this.ids, this.embedding.value, N, E);
    be.gemm(false, true, N, G, E, 1, this.emb, 0, this.wih.value, 0, 0, this.xw, 0);
    be.addBias(this.xw, this.bih.value, N, G);
    be.recurrentForward({
      cell, T, B, H, xw: this.xw, whh: this.whh.value, bhh: this.bhh.value, h0: this.h0, c0: this.c0,
      hs: this.hs, cache: train ? this.cache : null, cT: null,
    });
    // logits = h_T·W_outᵀ + b_out
    be.gemm(false, true, B, C, H, 1, this.hs, (T - 1) * B * H, this.outW.value, 0, 0, this.logits, 0);
    be.addBias(this.logits, this.outB.value, B, C);
    const r = be.crossEntropy(this.logits, this.labels, B, C, -1, train ? this.logits : null, 1 / B);
    return { nll: r.loss, count: r.count };
  }

  /** Gradients of the mean loss of the last training forward, accumulated into every param's grad. */
  backward(): void {
    const be = this.backend, { embed: E, hidden: H, classes: C, cell } = this.config, B = this.B, T = this.T, N = B * T, G = this.G;
    const last = (T - 1) * B * H, dlogits = this.logits;
    be.gemm(true, false, C, H, B, 1, dlogits, 0, this.hs, last, 1, this.outW.grad, 0);
    be.sumRows(this.outB.grad, dlogits, B, C);
    // dhs: zero except the last step, which gets dlogits·W_out
    be.fill(this.dhs, 0, 0, last);
    be.gemm(false, false, B, H, C, 1, dlogits, 0, this.outW.value, 0, 0, this.dhs, last);
    const dxw = this.xw; // the forward no longer needs xw: the cache holds the activations
    be.recurrentBackward({
      cell, T, B, H, whh: this.whh.value, h0: this.h0, c0: this.c0, hs: this.hs, cache: this.cache,
      dhs: this.dhs, dxw, dhw: this.dhw ?? dxw, dwhh: this.whh.grad, dbhh: this.bhh.grad, dh0: null, dc0: null,
    });
    be.sumRows(this.bih.grad, dxw, N, G);
    be.gemm(true, false, G, E, N, 1, dxw, 0, this.emb, 0, 1, this.wih.grad, 0);
    const demb = this.emb; // the embedding output is no longer needed either
    be.gemm(false, false, N, E, G, 1, dxw, 0, this.wih.value, 0, 0, demb, 0);
    be.embeddingBackward(this.embedding.grad, this.ids, demb, N, E);
  }
}
