/**
 * A bidirectional stack (nn.LSTM / nn.GRU / nn.RNN with bidirectional=True) with PyTorch's
 * packed-sequence semantics: the reverse direction of each row starts at the row's last real
 * token, never in its padding. Parameters per layer l, in state_dict order: weight_ih_l{l},
 * weight_hh_l{l}, bias_ih_l{l}, bias_hh_l{l}, then the same with `_reverse`. Layer l > 0 reads
 * the 2H-wide output of the layer below. Every row starts from a zero state.
 *
 * Per layer, with rev the row-wise reversal of each row's real positions (an index table for a
 * row gather; padding positions map to −1, a zero row):
 *   forward:  hs_f = recurrent(X·W_ih_fᵀ + b)                       the forward direction
 *             hs_r = rev(recurrent(rev(X)·W_ih_rᵀ + b))              the reverse direction
 *             out  = [hs_f | hs_r]  [T,B,2H]   (dropout between layers)
 *   backward: dhs_f, dhs_r = the halves of dout; the reverse direction's gradient is reversed
 *             into its own time order and back; dX = dxw_f·W_ih_f + rev(dxw_r)·W_ih_r.
 * At padding positions the forward direction's outputs are whatever the padding produced:
 * nothing reads them (pooling and last-token selection see real positions only).
 */
import { cacheWidth, gates, type Backend, type CellKind } from '../../backend/backend.js';
import type { IntTensor, Tensor } from '../../tensor.js';
import type { Act, ForwardContext, Layer } from '../layer.js';
import { dense } from '../layer.js';
import type { Buffer, Param } from '../param.js';
import { Workspace } from '../workspace.js';
import { recurrentLayerParams, type RecurrentLayerParams } from './recurrent.js';

interface Direction extends RecurrentLayerParams {
  suffix: '' | '_reverse';
}

export class BidirectionalRecurrent implements Layer {
  readonly layers: [Direction, Direction][] = [];
  readonly G: number;
  private readonly ws: Workspace;
  private last: { x: Act; rev: IntTensor; seeds: number[] } | null = null;

  constructor(
    private readonly backend: Backend,
    readonly prefix: string,
    readonly cell: CellKind,
    readonly inputSize: number,
    readonly H: number,
    readonly L: number,
    readonly dropout: number,
  ) {
    this.G = gates(cell) * H;
    this.ws = new Workspace(backend);
    for (let l = 0; l < L; l++) {
      const I = l === 0 ? inputSize : 2 * H;
      const dir = (suffix: '' | '_reverse'): Direction => ({ suffix, ...recurrentLayerParams(backend, prefix, l, suffix, this.G, I, H) });
      this.layers.push([dir(''), dir('_reverse')]);
    }
  }

  params(): Param[] {
    return this.layers.flatMap(([f, r]) => [f.wih, f.whh, f.bih, f.bhh, r.wih, r.whh, r.bih, r.bhh]);
  }

  buffers(): Buffer[] {
    return [];
  }

  private inputWidth(l: number): number {
    return l === 0 ? this.inputSize : 2 * this.H;
  }

  /** The index table of the row-wise reversal: position t of row b ↔ lengths[b] − 1 − t. */
  private reversal(x: Act): IntTensor {
    const { T, B } = x, idx = this.ws.getInt('rev', T * B), v = idx.data;
    for (let b = 0; b < B; b++) {
      const L = x.lengths ? x.lengths[b] : T;
      for (let t = 0; t < T; t++) v[t * B + b] = t < L ? (L - 1 - t) * B + b : -1;
    }
    return idx;
  }

  private zeros(B: number): { h0: Tensor; c0: Tensor | null } {
    const h0 = this.ws.get('h0', B, this.H);
    this.backend.fill(h0, 0, 0, B * this.H);
    let c0: Tensor | null = null;
    if (this.cell === 'lstm') {
      c0 = this.ws.get('c0', B, this.H);
      this.backend.fill(c0, 0, 0, B * this.H);
    }
    return { h0, c0 };
  }

  forward(x: Act, ctx: ForwardContext): Act {
    const be = this.backend, { T, B } = x, N = T * B, H = this.H, G = this.G, train = ctx.train;
    const rev = this.reversal(x);
    const { h0, c0 } = this.zeros(B);
    const seeds: number[] = [];
    let input = dense(x, this.prefix);
    for (let l = 0; l < this.L; l++) {
      const I = this.inputWidth(l), [fw, bw] = this.layers[l];
      const xr = this.ws.get(`xr${l}`, N, I);
      be.embeddingForward(xr, rev, input, N, I); // the input in each row's reverse order
      const out = this.ws.get(`out${l}`, N, 2 * H);
      for (const [d, src, k] of [[fw, input, 'f'], [bw, xr, 'r']] as const) {
        const xw = this.ws.get(`xw${l}${k}`, N, G), hs = this.ws.get(`hs${l}${k}`, N, H);
        be.gemm(false, true, N, G, I, 1, src, 0, d.wih.value, 0, 0, xw, 0);
        be.addBias(xw, d.bih.value, N, G);
        be.recurrentForward({
          cell: this.cell, T, B, H, xw, whh: d.whh.value, bhh: d.bhh.value, h0, c0, hs,
          cache: train ? this.ws.get(`cache${l}${k}`, 1, N * cacheWidth(this.cell, H)) : null, cT: null,
        });
      }
      const hsr = this.ws.get(`hsr${l}`, N, H);
      be.embeddingForward(hsr, rev, this.ws.get(`hs${l}r`, N, H), N, H); // back to the original order
      be.copyRows(out, 0, 2 * H, this.ws.get(`hs${l}f`, N, H), 0, H, N, H);
      be.copyRows(out, H, 2 * H, hsr, 0, H, N, H);
      input = out;
      if (train && this.dropout > 0 && l < this.L - 1) {
        const seed = ctx.rng ? ctx.rng.nextU32() : 0;
        seeds.push(seed);
        const drop = this.ws.get(`drop${l}`, N, 2 * H);
        be.dropoutForward(drop, out, N * 2 * H, this.dropout, seed);
        input = drop;
      }
    }
    this.last = train ? { x, rev, seeds } : null;
    return { t: input, T, B, C: 2 * H, lengths: x.lengths };
  }

  backward(dy: Act, needInput: boolean): Act | null {
    const last = this.last;
    if (!last) throw new Error(`${this.prefix}: backward needs a training forward first`);
    const be = this.backend, { x, rev } = last, { T, B } = x, N = T * B, H = this.H, G = this.G;
    const { h0, c0 } = this.zeros(B);
    let dout = dense(dy, this.prefix);
    let dInput: Act | null = null;
    for (let l = this.L - 1; l >= 0; l--) {
      const I = this.inputWidth(l), [fw, bw] = this.layers[l];
      if (this.dropout > 0 && l < this.L - 1) be.dropoutBackward(dout, dout, N * 2 * H, this.dropout, last.seeds[l]);
      const dhsf = this.ws.get('dhsf', N, H), dhsrOrig = this.ws.get('dhsrOrig', N, H), dhsr = this.ws.get('dhsr', N, H);
      be.copyRows(dhsf, 0, H, dout, 0, 2 * H, N, H);
      be.copyRows(dhsrOrig, 0, H, dout, H, 2 * H, N, H);
      be.embeddingForward(dhsr, rev, dhsrOrig, N, H); // into the reverse direction's own order
      const below = l === 0 ? dense(x, this.prefix) : this.layerInput(l);
      const xr = this.ws.get(`xr${l}`, N, I);
      for (const [d, dhs, src, k] of [[fw, dhsf, below, 'f'], [bw, dhsr, xr, 'r']] as const) {
        const dxw = this.ws.get(`xw${l}${k}`, N, G);
        const dhw = this.cell === 'gru' ? this.ws.get(`dhw${k}`, N, G) : dxw;
        be.recurrentBackward({
          cell: this.cell, T, B, H, whh: d.whh.value, h0, c0, hs: this.ws.get(`hs${l}${k}`, N, H),
          cache: this.ws.get(`cache${l}${k}`, 1, N * cacheWidth(this.cell, H)), dhs, dxw, dhw,
          dwhh: this.gradOrScratch(d.whh), dbhh: this.gradOrScratch(d.bhh), dh0: null, dc0: null,
        });
        if (!d.bih.frozen) be.sumRows(d.bih.grad, dxw, N, G);
        if (!d.wih.frozen) be.gemm(true, false, G, I, N, 1, dxw, 0, src, 0, 1, d.wih.grad, 0);
      }
      if (l === 0 && !needInput) break;
      // dX = dxw_f·W_ih_f + rev(dxw_r)·W_ih_r (a row gather commutes with the right product)
      const dx = this.ws.get(l === 0 ? 'dInput' : `dx${l}`, N, I);
      be.gemm(false, false, N, I, G, 1, this.ws.get(`xw${l}f`, N, G), 0, fw.wih.value, 0, 0, dx, 0);
      const dxwrOrig = this.ws.get('dxwrOrig', N, G);
      be.embeddingForward(dxwrOrig, rev, this.ws.get(`xw${l}r`, N, G), N, G);
      be.gemm(false, false, N, I, G, 1, dxwrOrig, 0, bw.wih.value, 0, 1, dx, 0);
      if (l === 0) dInput = { t: dx, T, B, C: I, lengths: x.lengths };
      else dout = dx;
    }
    return dInput;
  }

  /** The input layer l read in the forward pass: the output of layer l − 1, after its dropout. */
  private layerInput(l: number): Tensor {
    const N = this.last!.x.T * this.last!.x.B;
    return this.dropout > 0 ? this.ws.get(`drop${l - 1}`, N, 2 * this.H) : this.ws.get(`out${l - 1}`, N, 2 * this.H);
  }

  private gradOrScratch(p: Param): Tensor {
    return p.frozen ? this.ws.get(`scratch:${p.name}`, 1, p.value.size) : p.grad;
  }
}
