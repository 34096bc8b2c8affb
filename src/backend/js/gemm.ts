/**
 * Reference GEMM over flat arrays: C[M,N] = alpha·op(A)·op(B) + beta·C, all row-major,
 * addressed by element offsets. Loop orders keep the innermost loop contiguous (i-k-j for
 * the N cases, dot products for A·Bᵀ), which is what V8 compiles well; speed lives in the
 * wasm and native backends, this one is the specification.
 */
import type { FloatArray } from '../../tensor.js';

export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: FloatArray, aOff: number, B: FloatArray, bOff: number,
  beta: number, C: FloatArray, cOff: number,
): void {
  if (beta === 0) C.fill(0, cOff, cOff + M * N);
  else if (beta !== 1) for (let i = cOff; i < cOff + M * N; i++) C[i] *= beta;
  if (M === 0 || N === 0 || K === 0 || alpha === 0) return;

  if (!transB) {
    // C[i,:] += alpha·A[i,k]·B[k,:]; A[i,k] is A[aOff + i*K + k], or A[aOff + k*M + i] when transposed.
    for (let i = 0; i < M; i++) {
      const ci = cOff + i * N;
      for (let k = 0; k < K; k++) {
        const a = alpha * (transA ? A[aOff + k * M + i] : A[aOff + i * K + k]);
        if (a === 0) continue;
        const bk = bOff + k * N;
        for (let j = 0; j < N; j++) C[ci + j] += a * B[bk + j];
      }
    }
    return;
  }
  // B is [N,K]: C[i,j] += alpha·Σ_k op(A)[i,k]·B[j,k]
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * N;
    for (let j = 0; j < N; j++) {
      const bj = bOff + j * K;
      let s = 0;
      if (!transA) {
        const ai = aOff + i * K;
        for (let k = 0; k < K; k++) s += A[ai + k] * B[bj + k];
      } else {
        for (let k = 0; k < K; k++) s += A[aOff + k * M + i] * B[bj + k];
      }
      C[ci + j] += alpha * s;
    }
  }
}
