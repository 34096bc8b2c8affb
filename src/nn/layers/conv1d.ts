/**
 * nn.Conv1d(C_in, F, K, stride, padding) over time, on the time-major layout: `weight` [F,C_in,K]
 * (PyTorch's layout, as saved), `bias` [F]. Output length per row: L' = ⌊(L + 2·padding − K)/stride⌋ + 1.
 *
 * As K shifted GEMMs: for each tap k, the input rows that output position o reads
 * (t = o·stride − padding + k) are gathered into X_k [N_out, C_in] — a row-gather with index −1
 * (a zero row) where t falls outside the row's real tokens, which is zero padding for the conv
 * and also keeps padding tokens out of every document's real outputs — and
 *
 *   Y = Σ_k X_k·W_kᵀ + b            W_k = weight[:, :, k] [F, C_in], repacked to [K, F, C_in] per call
 *   backward: dW_k += dYᵀ·X_k,  db += Σ dY,  dX = Σ_k scatter_k(dY·W_k)
 *
 * Memory: K·N_out·C_in for the gathered taps (kept for dW), N_out·F for Y.
 */
import type { Backend } from '../../backend/backend.js';
import { RnnlabError } from '../../errors.js';
import type { IntTensor } from '../../tensor.js';
import type { Act, ForwardContext, Layer } from '../layer.js';
import { dense } from '../layer.js';
import { makeParam, type Buffer, type Param } from '../param.js';
import { Workspace } from '../workspace.js';

export class Conv1d implements Layer {
  readonly weight: Param;
  readonly bias: Param;
  private readonly ws: Workspace;
  private last: { x: Act; out: Act; taps: IntTensor[] } | null = null;

  constructor(
    private readonly backend: Backend,
    readonly prefix: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel = 3,
    readonly stride = 2,
    readonly padding = 1,
  ) {
    this.weight = makeParam(backend, `${prefix}.weight`, [outChannels, inChannels, kernel]);
    this.bias = makeParam(backend, `${prefix}.bias`, [outChannels]);
    this.ws = new Workspace(backend);
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }

  buffers(): Buffer[] {
    return [];
  }

  /** The output length of a row of `length` real positions. */
  outLength(length: number): number {
    return Math.floor((length + 2 * this.padding - this.kernel) / this.stride) + 1;
  }

  /** weight [F,C,K] → packed [K,F,C] (each tap a row-major [F,C] GEMM operand). */
  private packWeight(): void {
    const { outChannels: F, inChannels: C, kernel: K } = this;
    const w = this.weight.value.data, p = this.ws.get('packed', K * F, C).data;
    for (let f = 0; f < F; f++) for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) p[(k * F + f) * C + c] = w[(f * C + c) * K + k];
  }

  forward(x: Act, _ctx: ForwardContext): Act {
    const be = this.backend, { T, B } = x, { outChannels: F, inChannels: C, kernel: K } = this;
    const src = dense(x, this.prefix);
    const To = this.outLength(T);
    if (To < 1) throw new RnnlabError(`${this.prefix}: a batch of ${T} positions is too short for a kernel of ${K}`);
    const lengths = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const L = x.lengths ? x.lengths[b] : T;
      lengths[b] = this.outLength(L);
      if (lengths[b] < 1) throw new RnnlabError(`${this.prefix}: a row of ${L} tokens is too short for a kernel of ${K}`);
    }
    this.packWeight();
    const No = To * B;
    const y = this.ws.get('y', No, F);
    const taps: IntTensor[] = [];
    for (let k = 0; k < K; k++) {
      const idx = this.ws.getInt(`tap${k}`, No);
      const iv = idx.data;
      for (let o = 0; o < To; o++) {
        const t = o * this.stride - this.padding + k;
        for (let b = 0; b < B; b++) {
          const L = x.lengths ? x.lengths[b] : T;
          iv[o * B + b] = t >= 0 && t < L ? t * B + b : -1;
        }
      }
      const xk = this.ws.get(`x${k}`, No, C);
      be.embeddingForward(xk, idx, src, No, C); // a row gather: -1 gives a zero row
      be.gemm(false, true, No, F, C, 1, xk, 0, this.ws.get('packed', K * F, C), k * F * C, k === 0 ? 0 : 1, y, 0);
      taps.push(idx);
    }
    be.addBias(y, this.bias.value, No, F);
    const out: Act = { t: y, T: To, B, C: F, lengths };
    this.last = { x, out, taps };
    return out;
  }

  backward(dy: Act, needInput: boolean): Act | null {
    const last = this.last;
    if (!last) throw new Error(`${this.prefix}: backward needs a forward first`);
    const be = this.backend, { x, out, taps } = last, { outChannels: F, inChannels: C, kernel: K } = this;
    const No = out.T * out.B, d = dense(dy, this.prefix);
    if (!this.weight.frozen) {
      const gp = this.ws.get('gradPacked', K * F, C);
      for (let k = 0; k < K; k++) be.gemm(true, false, F, C, No, 1, d, 0, this.ws.get(`x${k}`, No, C), 0, 0, gp, k * F * C);
      const g = this.weight.grad.data, p = gp.data;
      for (let f = 0; f < F; f++) for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) g[(f * C + c) * K + k] += p[(k * F + f) * C + c];
    }
    if (!this.bias.frozen) be.sumRows(this.bias.grad, d, No, F);
    if (!needInput) return null;
    const N = x.T * x.B;
    const dx = this.ws.get('dx', N, C), dxk = this.ws.get('dxk', No, C);
    be.fill(dx, 0, 0, N * C);
    for (let k = 0; k < K; k++) {
      be.gemm(false, false, No, C, F, 1, d, 0, this.ws.get('packed', K * F, C), k * F * C, 0, dxk, 0);
      be.embeddingBackward(dx, taps[k], dxk, No, C); // scatter-add back to the rows the tap read
    }
    return { t: dx, T: x.T, B: x.B, C, lengths: x.lengths };
  }
}
