/**
 * LSTM layer over a sequence, forward and backward through time (PyTorch's nn.LSTM):
 *
 *   [i f g o] = xw_t + h_{t-1}·W_hhᵀ + b_hh        (xw_t = x_t·W_ihᵀ + b_ih, precomputed)
 *   i, f, o = σ(·)    g = tanh(·)
 *   c_t = f ⊙ c_{t-1} + i ⊙ g
 *   h_t = o ⊙ tanh(c_t)
 *
 * Shapes (key in src/tensor.ts): xw [T,B,4H], W_hh [4H,H], hs [T,B,H], cache [T,B,5H] holding
 * the activated gates i,f,g,o and c_t per position (5·T·B·H floats: the memory cost of BPTT).
 * The backward pass writes gate pre-activation gradients into dxw[t] and reuses them as the
 * operand of both the per-step dh_{t-1} GEMM and the whole-sequence dW_hh GEMM.
 * `mm` runs every matrix product: gemm, or gemmBf16 in bf16 mode.
 */
import type { FloatArray } from '../../tensor.js';
import { gemm, type GemmFn } from './gemm.js';
import { sigmoid, tanh } from './activations.js';
import { hiddenWeightGrads } from './recurrent-common.js';

export function lstmForward(
  T: number, B: number, H: number,
  xw: FloatArray, whh: FloatArray, bhh: FloatArray, h0: FloatArray, c0: FloatArray | null,
  hs: FloatArray, cache: FloatArray | null, cT: FloatArray | null, mm: GemmFn = gemm,
): void {
  const G = 4 * H;
  const pre = new Float64Array(B * G);
  const cPrev = new Float64Array(B * H);
  const cNext = new Float64Array(B * H);
  if (c0) cPrev.set(c0.subarray(0, B * H));
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < G; j++) pre[b * G + j] = xw[(t * B + b) * G + j] + bhh[j];
    }
    if (t === 0) mm(false, true, B, G, H, 1, h0, 0, whh, 0, 1, pre, 0);
    else mm(false, true, B, G, H, 1, hs, (t - 1) * B * H, whh, 0, 1, pre, 0);
    for (let b = 0; b < B; b++) {
      const p = b * G;
      for (let j = 0; j < H; j++) {
        const i = sigmoid(pre[p + j]);
        const f = sigmoid(pre[p + H + j]);
        const g = tanh(pre[p + 2 * H + j]);
        const o = sigmoid(pre[p + 3 * H + j]);
        const c = f * cPrev[b * H + j] + i * g;
        cNext[b * H + j] = c;
        hs[(t * B + b) * H + j] = o * tanh(c);
        if (cache) {
          const k = (t * B + b) * 5 * H;
          cache[k + j] = i;
          cache[k + H + j] = f;
          cache[k + 2 * H + j] = g;
          cache[k + 3 * H + j] = o;
          cache[k + 4 * H + j] = c;
        }
      }
    }
    cPrev.set(cNext);
  }
  if (cT) for (let k = 0; k < B * H; k++) cT[k] = cPrev[k];
}

export function lstmBackward(
  T: number, B: number, H: number,
  whh: FloatArray, h0: FloatArray, c0: FloatArray | null, hs: FloatArray, cache: FloatArray,
  dhs: FloatArray, dxw: FloatArray, dwhh: FloatArray, dbhh: FloatArray,
  dh0: FloatArray | null, dc0: FloatArray | null, mm: GemmFn = gemm,
): void {
  const G = 4 * H;
  const dhNext = new Float64Array(B * H); // gradient reaching h_t from step t+1
  const dcNext = new Float64Array(B * H);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const k = (t * B + b) * 5 * H;
      const d = (t * B + b) * G;
      for (let j = 0; j < H; j++) {
        const i = cache[k + j], f = cache[k + H + j], g = cache[k + 2 * H + j], o = cache[k + 3 * H + j];
        const c = cache[k + 4 * H + j];
        const cp = t > 0 ? cache[k - 5 * B * H + 4 * H + j] : c0 ? c0[b * H + j] : 0;
        const tc = tanh(c);
        const dh = dhs[(t * B + b) * H + j] + dhNext[b * H + j];
        const dc = dcNext[b * H + j] + dh * o * (1 - tc * tc);
        dxw[d + j] = dc * g * i * (1 - i);
        dxw[d + H + j] = dc * cp * f * (1 - f);
        dxw[d + 2 * H + j] = dc * i * (1 - g * g);
        dxw[d + 3 * H + j] = dh * tc * o * (1 - o);
        dcNext[b * H + j] = dc * f;
      }
    }
    // dh_{t-1} = dgates_t · W_hh
    mm(false, false, B, H, G, 1, dxw, t * B * G, whh, 0, 0, dhNext, 0);
  }
  hiddenWeightGrads(T, B, H, G, dxw, h0, hs, dwhh, dbhh, mm);
  if (dh0) for (let k = 0; k < B * H; k++) dh0[k] = dhNext[k];
  if (dc0) for (let k = 0; k < B * H; k++) dc0[k] = dcNext[k];
}
