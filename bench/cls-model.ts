/**
 * The benchmark's sequence classifier, composed of rnnlab's layers (src/nn/layers/). The
 * PyTorch module it mirrors:
 *
 *   embedding: nn.Embedding(V, E)
 *   rnn:       nn.GRU(E, H, batch_first=True)   (any cell kind works; the bench uses GRU)
 *   out:       nn.Linear(H, C)                  applied to the last hidden state h_T
 *   loss:      F.cross_entropy(logits [B,C], labels [B])   (mean over the batch)
 *
 * i.e. Sequential(Embedding, Recurrent, LastStep, Linear) and the fused cross-entropy.
 */
import type { Backend, CellKind } from '../src/backend/backend.js';
import { normal, uniform } from '../src/nn/init.js';
import type { Act } from '../src/nn/layer.js';
import { Embedding } from '../src/nn/layers/embedding.js';
import { LastStep } from '../src/nn/layers/last-step.js';
import { Linear } from '../src/nn/layers/linear.js';
import { Recurrent } from '../src/nn/layers/recurrent.js';
import { Sequential } from '../src/nn/layers/sequential.js';
import { zeroGrads, type Param } from '../src/nn/param.js';
import { Workspace } from '../src/nn/workspace.js';
import type { Tensor } from '../src/tensor.js';
import type { Rng } from '../src/util/rng.js';

export interface ClassifierConfig {
  vocab: number;
  embed: number;
  hidden: number;
  classes: number;
  cell: CellKind;
}

export class SequenceClassifier {
  readonly net: Sequential;
  private readonly ws: Workspace;
  private logits: Tensor | null = null;
  private B = 0;

  constructor(readonly backend: Backend, readonly config: ClassifierConfig) {
    const { vocab: V, embed: E, hidden: H, classes: C, cell } = config;
    this.net = new Sequential('', [
      new Embedding(backend, 'embedding', V, E),
      new Recurrent(backend, 'rnn', cell, E, H, 1, 0),
      new LastStep(backend),
      new Linear(backend, 'out', H, C),
    ]);
    this.ws = new Workspace(backend);
  }

  params(): Param[] {
    return this.net.params();
  }

  /** PyTorch's default initialisation (in distribution). */
  initialize(rng: Rng): void {
    const k = 1 / Math.sqrt(this.config.hidden);
    const [emb, ...rest] = this.params();
    normal(emb.value.data, rng, 1);
    for (const p of rest) uniform(p.value.data, rng, k);
  }

  zeroGrad(): void {
    zeroGrads(this.backend, this.params());
  }

  /**
   * x [B,T] batch-first ids, labels [B]. Returns the summed NLL over the batch (the gradient
   * of the mean is left in place for backward when train).
   */
  forward(x: Int32Array, labels: Int32Array, B: number, T: number, train: boolean): { nll: number; count: number } {
    const be = this.backend, C = this.config.classes, N = B * T;
    const ids = this.ws.getInt('ids', N), y = this.ws.getInt('labels', B);
    const idv = ids.data;
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) idv[t * B + b] = x[b * T + t];
    y.data.set(labels.subarray(0, B));
    const input: Act = { t: null, ids, T, B, C: this.config.vocab, lengths: null };
    const logits = this.net.forward(input, { train, rng: null }).t!;
    this.logits = logits;
    this.B = B;
    const r = be.crossEntropy(logits, y, B, C, -1, train ? logits : null, 1 / B);
    return { nll: r.loss, count: r.count };
  }

  /** Gradients of the mean loss of the last training forward, accumulated into every param's grad. */
  backward(): void {
    if (!this.logits) throw new Error('backward needs a training forward first');
    this.net.backward({ t: this.logits, T: 1, B: this.B, C: this.config.classes, lengths: null }, false);
  }
}
