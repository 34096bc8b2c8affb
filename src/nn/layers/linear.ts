/**
 * nn.Linear(I, O): y = x·Wᵀ + b over every position, W [O,I] (PyTorch layout), b [O].
 *
 *   forward:  y [N,O] = x [N,I]·Wᵀ + b                 one GEMM
 *   backward: dW += dyᵀ·x,  db += Σ_rows dy,  dx = dy·W  (dx only when something below trains)
 *
 * The weight may be another layer's (weight tying: a decoder sharing the embedding); it is
 * then trained once, through both uses, and listed in the state_dict under both names.
 */
import type { Backend } from '../../backend/backend.js';
import type { Act, ForwardContext, Layer } from '../layer.js';
import { dense, like } from '../layer.js';
import { makeParam, type Buffer, type Param } from '../param.js';
import { Workspace } from '../workspace.js';

export interface LinearOptions {
  bias?: boolean;
  /** Use this [O,I] parameter as the weight (tying) instead of a new one. */
  sharedWeight?: Param;
}

export class Linear implements Layer {
  readonly weight: Param;
  readonly bias: Param | null;
  readonly tied: boolean;
  private readonly ws: Workspace;
  private lastInput: Act | null = null;

  constructor(
    private readonly backend: Backend,
    readonly prefix: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    const shared = opts.sharedWeight;
    if (shared && (shared.shape[0] !== outFeatures || shared.shape[1] !== inFeatures)) {
      throw new Error(`${prefix}: a shared weight must be [${outFeatures}, ${inFeatures}], got [${shared.shape}]`);
    }
    this.tied = !!shared;
    this.weight = shared ?? makeParam(backend, `${prefix}.weight`, [outFeatures, inFeatures]);
    this.bias = opts.bias === false ? null : makeParam(backend, `${prefix}.bias`, [outFeatures]);
    this.ws = new Workspace(backend);
  }

  /** Its own parameters (a tied weight belongs to the layer that owns it). */
  params(): Param[] {
    return [...(this.tied ? [] : [this.weight]), ...(this.bias ? [this.bias] : [])];
  }

  buffers(): Buffer[] {
    return [];
  }

  /** state_dict entries: a tied weight appears here under this layer's name too, as PyTorch lists it. */
  state(): [string, Param][] {
    const out: [string, Param][] = [[`${this.prefix}.weight`, this.weight]];
    if (this.bias) out.push([this.bias.name, this.bias]);
    return out;
  }

  forward(x: Act, _ctx: ForwardContext): Act {
    const be = this.backend, N = x.T * x.B, O = this.outFeatures, I = this.inFeatures;
    const y = this.ws.get('y', N, O);
    be.gemm(false, true, N, O, I, 1, dense(x, this.prefix), 0, this.weight.value, 0, 0, y, 0);
    if (this.bias) be.addBias(y, this.bias.value, N, O);
    this.lastInput = x;
    return like(x, y, O);
  }

  backward(dy: Act, needInput: boolean): Act | null {
    const x = this.lastInput;
    if (!x) throw new Error(`${this.prefix}: backward needs a forward first`);
    const be = this.backend, N = x.T * x.B, O = this.outFeatures, I = this.inFeatures, d = dense(dy, this.prefix);
    if (!this.weight.frozen) be.gemm(true, false, O, I, N, 1, d, 0, dense(x, this.prefix), 0, 1, this.weight.grad, 0);
    if (this.bias && !this.bias.frozen) be.sumRows(this.bias.grad, d, N, O);
    if (!needInput) return null;
    const dx = this.ws.get('dx', N, I);
    be.gemm(false, false, N, I, O, 1, d, 0, this.weight.value, 0, 0, dx, 0);
    return like(x, dx, I);
  }
}
