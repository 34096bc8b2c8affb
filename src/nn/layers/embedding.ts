/**
 * Token ids → vectors: nn.Embedding(V, E) (`weight` [V,E], learned or loaded and frozen), or
 * one-hot input (E = 0): no parameters, the ids pass through and the next layer multiplies
 * by the one-hot matrix without building it.
 *
 *   forward:  out[i,:] = W[ids[i],:]                    [N,E]
 *   backward: dW[ids[i],:] += dOut[i,:]                 (skipped when frozen: no scatter at all)
 */
import type { Backend } from '../../backend/backend.js';
import { RnnlabError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import type { Act, ForwardContext, Layer } from '../layer.js';
import { makeParam, type Buffer, type Param } from '../param.js';
import { Workspace } from '../workspace.js';

export class Embedding implements Layer {
  readonly weight: Param | null;
  private readonly ws: Workspace;
  private last: Act | null = null;

  constructor(
    private readonly backend: Backend,
    readonly prefix: string,
    /** Vocabulary size V. */
    readonly vocab: number,
    /** Width E; 0 for one-hot input. */
    readonly dim: number,
    opts: { frozen?: boolean } = {},
  ) {
    this.weight = dim > 0 ? makeParam(backend, `${prefix}.weight`, [vocab, dim], opts.frozen ?? false) : null;
    this.ws = new Workspace(backend);
  }

  get onehot(): boolean {
    return this.weight === null;
  }

  /** Output width: E, or V for one-hot. */
  get width(): number {
    return this.dim > 0 ? this.dim : this.vocab;
  }

  params(): Param[] {
    return this.weight ? [this.weight] : [];
  }

  buffers(): Buffer[] {
    return [];
  }

  /**
   * Pretrained vectors ([V,E] row-major, rows in vocabulary order), optionally frozen.
   * Nothing is checked beyond the size: aligning a GloVe file to the vocabulary is the
   * reader's job.
   */
  load(values: Float32Array | Float64Array, opts: { frozen: boolean }): void {
    if (!this.weight) throw new RnnlabError('a one-hot input has no embedding weights to load');
    if (values.length !== this.weight.value.size) {
      throw new RnnlabError(`pretrained embeddings have ${values.length} values, the embedding needs ${this.vocab}×${this.dim}`);
    }
    this.weight.value.data.set(values);
    this.weight.setFrozen(opts.frozen);
  }

  forward(x: Act, _ctx: ForwardContext): Act {
    if (!x.ids) throw new Error('Embedding reads token ids');
    const N = x.T * x.B;
    this.last = x;
    if (!this.weight) return { t: null, ids: x.ids, T: x.T, B: x.B, C: this.vocab, lengths: x.lengths };
    const out = this.ws.get('out', N, this.dim);
    this.backend.embeddingForward(out, x.ids, this.weight.value, N, this.dim);
    return { t: out, T: x.T, B: x.B, C: this.dim, lengths: x.lengths };
  }

  backward(dy: Act, _needInput: boolean): null {
    const x = this.last;
    if (!x) throw new Error('Embedding.backward needs a forward first');
    if (this.weight && !this.weight.frozen) {
      this.backend.embeddingBackward(this.weight.grad, x.ids!, dy.t as Tensor, x.T * x.B, this.dim);
    }
    return null;
  }
}
