/**
 * GRU layer over a sequence, forward and backward through time (PyTorch's nn.GRU):
 *
 *   [r_x z_x n_x] = xw_t                 (x_t·W_ihᵀ + b_ih, precomputed)
 *   [r_h z_h hn ] = h_{t-1}·W_hhᵀ + b_hh
 *   r = σ(r_x + r_h)   z = σ(z_x + z_h)   n = tanh(n_x + r ⊙ hn)
 *   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
 *
 * Because r multiplies hn (b_hn included), the gradients w.r.t. the input and hidden
 * projections differ in the n block: dxw_n = dn_pre, dhw_n = dn_pre ⊙ r.
 * Shapes: xw [T,B,3H], W_hh [3H,H], hs [T,B,H], cache [T,B,4H] = r, z, n, hn.
 * `mm` runs every matrix product: gemm, or gemmBf16 in bf16 mode.
 */
import type { FloatArray } from '../../tensor.js';
import { gemm, type GemmFn } from './gemm.js';
import { sigmoid, tanh } from './activations.js';
import { hiddenWeightGrads } from './recurrent-common.js';

export function gruForward(
  T: number, B: number, H: number,
  xw: FloatArray, whh: FloatArray, bhh: FloatArray, h0: FloatArray,
  hs: FloatArray, cache: FloatArray | null, mm: GemmFn = gemm,
): void {
  const G = 3 * H;
  const hw = new Float64Array(B * G);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) for (let j = 0; j < G; j++) hw[b * G + j] = bhh[j];
    const hPrev = t === 0 ? h0 : hs;
    const hOff = t === 0 ? 0 : (t - 1) * B * H;
    mm(false, true, B, G, H, 1, hPrev, hOff, whh, 0, 1, hw, 0);
    for (let b = 0; b < B; b++) {
      const x = (t * B + b) * G;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(xw[x + j] + hw[b * G + j]);
        const z = sigmoid(xw[x + H + j] + hw[b * G + H + j]);
        const hn = hw[b * G + 2 * H + j];
        const n = tanh(xw[x + 2 * H + j] + r * hn);
        const hp = hPrev[hOff + b * H + j];
        hs[(t * B + b) * H + j] = (1 - z) * n + z * hp;
        if (cache) {
          const k = (t * B + b) * 4 * H;
          cache[k + j] = r;
          cache[k + H + j] = z;
          cache[k + 2 * H + j] = n;
          cache[k + 3 * H + j] = hn;
        }
      }
    }
  }
}

export function gruBackward(
  T: number, B: number, H: number,
  whh: FloatArray, h0: FloatArray, hs: FloatArray, cache: FloatArray,
  dhs: FloatArray, dxw: FloatArray, dhw: FloatArray, dwhh: FloatArray, dbhh: FloatArray,
  dh0: FloatArray | null, mm: GemmFn = gemm,
): void {
  const G = 3 * H;
  const dhNext = new Float64Array(B * H);
  const dhDirect = new Float64Array(B * H);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const k = (t * B + b) * 4 * H;
      const d = (t * B + b) * G;
      for (let j = 0; j < H; j++) {
        const r = cache[k + j], z = cache[k + H + j], n = cache[k + 2 * H + j], hn = cache[k + 3 * H + j];
        const hp = t > 0 ? hs[((t - 1) * B + b) * H + j] : h0[b * H + j];
        const dh = dhs[(t * B + b) * H + j] + dhNext[b * H + j];
        const dnPre = dh * (1 - z) * (1 - n * n);
        const drPre = dnPre * hn * r * (1 - r);
        const dzPre = dh * (hp - n) * z * (1 - z);
        dxw[d + j] = drPre;
        dxw[d + H + j] = dzPre;
        dxw[d + 2 * H + j] = dnPre;
        dhw[d + j] = drPre;
        dhw[d + H + j] = dzPre;
        dhw[d + 2 * H + j] = dnPre * r;
        dhDirect[b * H + j] = dh * z;
      }
    }
    mm(false, false, B, H, G, 1, dhw, t * B * G, whh, 0, 0, dhNext, 0);
    for (let q = 0; q < B * H; q++) dhNext[q] += dhDirect[q];
  }
  hiddenWeightGrads(T, B, H, G, dhw, h0, hs, dwhh, dbhh, mm);
  if (dh0) for (let q = 0; q < B * H; q++) dh0[q] = dhNext[q];
}
