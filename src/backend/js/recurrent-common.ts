import type { FloatArray } from '../../tensor.js';
import { gemm, type GemmFn } from './gemm.js';

/**
 * dW_hh += Σ_t dhw_tᵀ·h_{t-1} and db_hh += Σ_t dhw_t, as two big GEMMs after the time loop:
 * h_{t-1} is h0 for t = 0 and hs[t-1] otherwise, and hs[0..T-2] is one contiguous block.
 * T = 0 adds nothing (there is no dhw_0 to read). `mm` is the product (gemmBf16 in bf16 mode).
 */
export function hiddenWeightGrads(
  T: number, B: number, H: number, G: number,
  dhw: FloatArray, h0: FloatArray, hs: FloatArray, dwhh: FloatArray, dbhh: FloatArray, mm: GemmFn = gemm,
): void {
  if (T === 0) return;
  mm(true, false, G, H, B, 1, dhw, 0, h0, 0, 1, dwhh, 0);
  if (T > 1) mm(true, false, G, H, (T - 1) * B, 1, dhw, B * G, hs, 0, 1, dwhh, 0);
  for (let r = 0; r < T * B; r++) {
    for (let j = 0; j < G; j++) dbhh[j] += dhw[r * G + j];
  }
}
