/**
 * Elman RNN layer over a sequence (PyTorch's nn.RNN, nonlinearity tanh or relu):
 *
 *   h_t = act(xw_t + h_{t-1}·W_hhᵀ + b_hh)      (xw_t = x_t·W_ihᵀ + b_ih, precomputed)
 *
 * The activation's derivative is read off h_t (tanh: 1 − h², relu: h > 0), so no cache.
 * Shapes: xw [T,B,H], W_hh [H,H], hs [T,B,H].
 * `mm` runs every matrix product: gemm, or gemmBf16 in bf16 mode.
 */
import type { FloatArray } from '../../tensor.js';
import { gemm, type GemmFn } from './gemm.js';
import { hiddenWeightGrads } from './recurrent-common.js';

export function rnnForward(
  relu: boolean, T: number, B: number, H: number,
  xw: FloatArray, whh: FloatArray, bhh: FloatArray, h0: FloatArray, hs: FloatArray, mm: GemmFn = gemm,
): void {
  for (let t = 0; t < T; t++) {
    const o = t * B * H;
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) hs[o + b * H + j] = xw[o + b * H + j] + bhh[j];
    if (t === 0) mm(false, true, B, H, H, 1, h0, 0, whh, 0, 1, hs, o);
    else mm(false, true, B, H, H, 1, hs, o - B * H, whh, 0, 1, hs, o);
    for (let q = o; q < o + B * H; q++) hs[q] = relu ? (hs[q] > 0 ? hs[q] : 0) : Math.tanh(hs[q]);
  }
}

export function rnnBackward(
  relu: boolean, T: number, B: number, H: number,
  whh: FloatArray, h0: FloatArray, hs: FloatArray,
  dhs: FloatArray, dxw: FloatArray, dwhh: FloatArray, dbhh: FloatArray, dh0: FloatArray | null, mm: GemmFn = gemm,
): void {
  const dhNext = new Float64Array(B * H);
  for (let t = T - 1; t >= 0; t--) {
    const o = t * B * H;
    for (let q = 0; q < B * H; q++) {
      const h = hs[o + q];
      const dh = dhs[o + q] + dhNext[q];
      dxw[o + q] = relu ? (h > 0 ? dh : 0) : dh * (1 - h * h);
    }
    mm(false, false, B, H, H, 1, dxw, o, whh, 0, 0, dhNext, 0);
  }
  hiddenWeightGrads(T, B, H, H, dxw, h0, hs, dwhh, dbhh, mm);
  if (dh0) for (let q = 0; q < B * H; q++) dh0[q] = dhNext[q];
}
