/**
 * Reference GEMM over flat arrays: C[M,N] = alpha·op(A)·op(B) + beta·C, all row-major,
 * addressed by element offsets and row strides (lda, ldb, ldc: elements between the starts of
 * two stored rows; the packed widths when omitted). Loop orders keep the innermost loop
 * contiguous (i-k-j for the N cases, dot products for A·Bᵀ), which is what V8 compiles well;
 * speed lives in the wasm and native backends, this one is the specification.
 */
import type { FloatArray } from '../../tensor.js';
import { roundBf16Into } from '../bf16.js';

export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: FloatArray, aOff: number, B: FloatArray, bOff: number,
  beta: number, C: FloatArray, cOff: number,
  lda = transA ? M : K, ldb = transB ? K : N, ldc = N,
): void {
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * ldc;
    if (beta === 0) C.fill(0, ci, ci + N);
    else if (beta !== 1) for (let j = ci; j < ci + N; j++) C[j] *= beta;
  }
  if (M === 0 || N === 0 || K === 0 || alpha === 0) return;

  if (!transB) {
    // C[i,:] += alpha·A[i,k]·B[k,:]; A[i,k] is A[aOff + i*lda + k], or A[aOff + k*lda + i] when transposed.
    for (let i = 0; i < M; i++) {
      const ci = cOff + i * ldc;
      for (let k = 0; k < K; k++) {
        const a = alpha * (transA ? A[aOff + k * lda + i] : A[aOff + i * lda + k]);
        if (a === 0) continue;
        const bk = bOff + k * ldb;
        for (let j = 0; j < N; j++) C[ci + j] += a * B[bk + j];
      }
    }
    return;
  }
  // B is [N,K]: C[i,j] += alpha·Σ_k op(A)[i,k]·B[j,k]
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * ldc;
    for (let j = 0; j < N; j++) {
      const bj = bOff + j * ldb;
      let s = 0;
      if (!transA) {
        const ai = aOff + i * lda;
        for (let k = 0; k < K; k++) s += A[ai + k] * B[bj + k];
      } else {
        for (let k = 0; k < K; k++) s += A[aOff + k * lda + i] * B[bj + k];
      }
      C[ci + j] += alpha * s;
    }
  }
}

/**
 * gemm in bf16 mode: both operands rounded to bfloat16 (src/backend/bf16.ts), the products
 * summed as gemm sums them. The rows gemm reads of A and B are rounded into copies first (with
 * their strides, so the same offsets address them), which keeps gemm itself — and fp32 mode —
 * untouched. C, alpha and beta are not rounded.
 */
export function gemmBf16(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: FloatArray, aOff: number, B: FloatArray, bOff: number,
  beta: number, C: FloatArray, cOff: number,
  lda = transA ? M : K, ldb = transB ? K : N, ldc = N,
): void {
  const a = roundedSpan(A, aOff, transA ? K : M, transA ? M : K, lda);
  const b = roundedSpan(B, bOff, transB ? N : K, transB ? K : N, ldb);
  gemm(transA, transB, M, N, K, alpha, a, 0, b, 0, beta, C, cOff, lda, ldb, ldc);
}

/** The elements from `off` through the last one of `rows` stored rows of `cols`, rounded to bf16. */
function roundedSpan(X: FloatArray, off: number, rows: number, cols: number, ld: number): Float64Array {
  const n = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  const out = new Float64Array(n);
  roundBf16Into(out, 0, X, off, n);
  return out;
}

/** The matrix product a kernel runs: gemm (fp32) or gemmBf16. */
export type GemmFn = typeof gemm;
