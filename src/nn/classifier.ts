/**
 * The text classifier: token ids → a class, as the PyTorch modules
 *
 *   cnn:  embedding: nn.Embedding(V, E)
 *         features:  L × [Conv1d(·, F, kernel, stride, padding 1), BatchNorm1d(F), ReLU()]   (features.0, .1, .2, .3, …)
 *         pool:      max (AdaptiveMaxPool1d(1)) or mean over each row's real positions
 *   rnn / gru / lstm:
 *         embedding: nn.Embedding(V, E)
 *         rnn:       nn.RNN(tanh) | nn.GRU | nn.LSTM(E, H, num_layers L, bidirectional)
 *         pool:      last (each row's last real token; the reverse direction's end at position 0),
 *                    max or mean over real positions
 *   then   dropout:   nn.Dropout(p)
 *          fc:        nn.Linear(F or H·directions, C)
 *
 * with the loss F.cross_entropy(logits, labels), the mean over the batch. Inputs arrive
 * batch-first [B,T] with each row's real length; the layers work time-major and see the
 * lengths, so padding changes no document's logits (the recurrent layers behave as with
 * pack_padded_sequence, and BatchNorm's batch statistics count real positions only).
 */
import type { Backend, CellKind } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Rng } from '../util/rng.js';
import { uniform, normal } from './init.js';
import type { Act, Layer } from './layer.js';
import { stateEntries } from './layer.js';
import { BatchNorm1d } from './layers/batchnorm.js';
import { BidirectionalRecurrent } from './layers/bidirectional.js';
import { Conv1d } from './layers/conv1d.js';
import { Dropout } from './layers/dropout.js';
import { Embedding } from './layers/embedding.js';
import { LastStep } from './layers/last-step.js';
import { Linear } from './layers/linear.js';
import { TimePool } from './layers/pooling.js';
import { Recurrent } from './layers/recurrent.js';
import { ReLU } from './layers/relu.js';
import { Sequential } from './layers/sequential.js';
import type { Model } from './model.js';
import type { ModuleRow } from './summary.js';
import { zeroGrads, type Buffer, type Param } from './param.js';
import { Workspace } from './workspace.js';

export type ClassifierKind = 'cnn' | 'rnn' | 'gru' | 'lstm';
export type PoolKind = 'last' | 'max' | 'mean';

export interface ClassifierConfig {
  vocabSize: number;
  classes: number;
  model: ClassifierKind;
  /** Embedding width E. */
  embed: number;
  /** CNN: channels F of every conv block; recurrent: hidden units H per direction. */
  hidden: number;
  /** Conv blocks, or recurrent layers. */
  layers: number;
  bidirectional: boolean;
  pool: PoolKind;
  /** Before the output layer, and between recurrent layers. */
  dropout: number;
  /** CNN kernel width and stride (padding 1). */
  kernel: number;
  stride: number;
}

export function validateClassifierConfig(c: ClassifierConfig): ClassifierConfig {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new RnnlabError(`${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int(c.vocabSize, 'vocabulary size', 1);
  int(c.classes, 'the number of classes', 2);
  int(c.embed, '--embed', 1);
  int(c.hidden, '--hidden', 1);
  int(c.layers, '--layers', 1);
  int(c.kernel, 'kernel', 1);
  int(c.stride, 'stride', 1);
  if (!['cnn', 'rnn', 'gru', 'lstm'].includes(c.model)) throw new RnnlabError(`--model must be cnn, rnn, gru or lstm, got ${c.model}`);
  if (!['last', 'max', 'mean'].includes(c.pool)) throw new RnnlabError(`--pool must be last, max or mean, got ${c.pool}`);
  if (c.model === 'cnn' && c.pool === 'last') throw new RnnlabError('--pool last needs a recurrent --model (a CNN pools with max or mean)');
  if (c.model === 'cnn' && c.bidirectional) throw new RnnlabError('--bidirectional needs a recurrent --model (rnn, gru or lstm)');
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RnnlabError(`--dropout must be in [0, 1), got ${c.dropout}`);
  return c;
}

export interface ClassifierOutput {
  /** Σ cross-entropy over the batch (natural log). */
  nll: number;
  count: number;
  /** Rows whose most likely class is the label. */
  correct: number;
}

const CELL: Record<Exclude<ClassifierKind, 'cnn'>, CellKind> = { rnn: 'rnn_tanh', gru: 'gru', lstm: 'lstm' };

export class Classifier implements Model {
  readonly arch = 'classifier';
  readonly config: ClassifierConfig;
  readonly embedding: Embedding;
  /** The conv blocks (cnn) or the recurrent stack. */
  readonly body: Layer;
  readonly pool: Layer;
  readonly dropout: Dropout;
  readonly fc: Linear;
  private readonly net: Sequential;
  private readonly ws: Workspace;
  private lastLogits: Act | null = null;

  constructor(readonly backend: Backend, config: ClassifierConfig) {
    this.config = validateClassifierConfig({ ...config });
    const c = this.config, be = backend;
    this.embedding = new Embedding(be, 'embedding', c.vocabSize, c.embed);
    let width: number;
    if (c.model === 'cnn') {
      const blocks: Layer[] = [];
      for (let i = 0; i < c.layers; i++) {
        blocks.push(
          new Conv1d(be, `features.${3 * i}`, i === 0 ? c.embed : c.hidden, c.hidden, c.kernel, c.stride, 1),
          new BatchNorm1d(be, `features.${3 * i + 1}`, c.hidden),
          new ReLU(be),
        );
      }
      this.body = new Sequential('features', blocks);
      width = c.hidden;
      this.pool = new TimePool(be, c.pool as 'max' | 'mean');
    } else {
      const cell = CELL[c.model];
      const dropout = c.layers > 1 ? c.dropout : 0;
      this.body = c.bidirectional
        ? new BidirectionalRecurrent(be, 'rnn', cell, c.embed, c.hidden, c.layers, dropout)
        : new Recurrent(be, 'rnn', cell, c.embed, c.hidden, c.layers, dropout);
      width = c.hidden * (c.bidirectional ? 2 : 1);
      this.pool = c.pool === 'last' ? new LastStep(be, c.bidirectional ? c.hidden : null) : new TimePool(be, c.pool);
    }
    this.dropout = new Dropout(be, c.dropout);
    this.fc = new Linear(be, 'fc', width, c.classes);
    this.net = new Sequential('', [this.embedding, this.body, this.pool, this.dropout, this.fc]);
    this.ws = new Workspace(backend);
  }

  params(): Param[] {
    return this.net.params();
  }

  buffers(): Buffer[] {
    return this.net.buffers();
  }

  stateDict(): Map<string, Tensor> {
    return new Map(stateEntries(this.net).map(([n, p]) => [n, p.value]));
  }

  parameterCount(): number {
    return this.params().reduce((s, p) => s + p.value.size, 0);
  }

  /** The modules in order, for the model summary (src/nn/summary.ts). */
  modules(): ModuleRow[] {
    const c = this.config;
    const rows: ModuleRow[] = [{ name: 'embedding', type: `Embedding(${c.vocabSize}, ${c.embed})`, params: this.embedding.params() }];
    if (this.body instanceof Sequential) {
      for (const l of this.body.layers) {
        if (l instanceof Conv1d) rows.push({ name: l.prefix, type: `Conv1d(${l.inChannels}, ${l.outChannels}, kernel ${l.kernel}, stride ${l.stride}, padding ${l.padding})`, params: l.params() });
        else if (l instanceof BatchNorm1d) rows.push({ name: l.prefix, type: `BatchNorm1d(${l.features})`, params: l.params() });
      }
    } else {
      const name = { rnn: 'RNN', gru: 'GRU', lstm: 'LSTM' }[c.model as Exclude<ClassifierKind, 'cnn'>];
      rows.push({ name: 'rnn', type: `${name}(${c.embed}, ${c.hidden}, layers ${c.layers}${c.bidirectional ? ', bidirectional' : ''})`, params: this.body.params() });
    }
    rows.push({ name: 'pool', type: c.pool === 'last' ? 'last real token' : `${c.pool} over real tokens`, params: [] });
    rows.push({ name: 'fc', type: `Linear(${this.fc.inFeatures}, ${c.classes})`, params: this.fc.params() });
    return rows;
  }

  /** PyTorch's default initialisation (in distribution): Embedding N(0,1); Conv1d, Linear and recurrent weights U(±1/√fan_in) (recurrent: ±1/√H); BatchNorm γ = 1, β = 0. */
  initialize(rng: Rng): void {
    if (this.embedding.weight) normal(this.embedding.weight.value.data, rng, 1);
    if (this.body instanceof Sequential) {
      for (const l of this.body.layers) {
        if (l instanceof Conv1d) {
          const bound = 1 / Math.sqrt(l.inChannels * l.kernel);
          uniform(l.weight.value.data, rng, bound);
          uniform(l.bias.value.data, rng, bound);
        } else if (l instanceof BatchNorm1d) l.reset();
      }
    } else {
      for (const p of this.body.params()) uniform(p.value.data, rng, 1 / Math.sqrt(this.config.hidden));
    }
    const bound = 1 / Math.sqrt(this.fc.inFeatures);
    uniform(this.fc.weight.value.data, rng, bound);
    uniform(this.fc.bias!.value.data, rng, bound);
  }

  zeroGrad(): void {
    zeroGrads(this.backend, this.params());
  }

  /**
   * Forward over x [B,T] (batch-first ids; row b real for its first lengths[b] tokens). With
   * labels: the summed loss and the rows classified right, and (train) the gradient of the mean
   * loss kept for backward. The logits [B,C] stay readable (logits()) until the next forward;
   * in training the fused loss overwrites them with their gradient.
   */
  forward(x: Int32Array, lengths: Int32Array, B: number, T: number, labels: Int32Array | null, train: boolean, rng: Rng | null): ClassifierOutput {
    const be = this.backend, C = this.config.classes, N = B * T;
    for (let b = 0; b < B; b++) {
      if (!(lengths[b] >= 1 && lengths[b] <= T)) throw new RnnlabError(`row ${b} has length ${lengths[b]}; a document needs at least one token`);
    }
    const ids = this.ws.getInt('ids', N), iv = ids.data;
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) iv[t * B + b] = x[b * T + t];
    const out = this.net.forward({ t: null, ids, T, B, C: this.config.vocabSize, lengths: lengths.slice(0, B) }, { train, rng });
    this.lastLogits = out;
    if (!labels) return { nll: 0, count: 0, correct: 0 };
    const logits = out.t!.data;
    let correct = 0;
    for (let b = 0; b < B; b++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (logits[b * C + c] > logits[b * C + best]) best = c;
      if (best === labels[b]) correct++;
    }
    const y = this.ws.getInt('labels', B);
    y.data.set(labels.subarray(0, B));
    const r = be.crossEntropy(out.t!, y, B, C, -1, train ? out.t : null, 1 / B);
    return { nll: r.loss, count: r.count, correct };
  }

  /** Logits [B,C] of the last forward (before a training forward's loss overwrote them). */
  logits(): Float32Array {
    const out = this.lastLogits;
    if (!out) throw new Error('logits needs a forward first');
    return Float32Array.from(out.t!.data.subarray(0, out.B * this.config.classes));
  }

  /** Gradients of the mean loss of the last training forward, accumulated into every trained param's grad. */
  backward(): void {
    const out = this.lastLogits;
    if (!out) throw new Error('backward needs a training forward first');
    this.net.backward(out, false);
  }
}
