// Portable kernels: C++ with a 4×8 register tile (vector extensions), compiled with the target's baseline
// flags (SSE2 on x86-64, NEON on arm64 where the vectoriser uses it). The only table on
// non-x86 machines, and the fallback on x86-64 CPUs without AVX2+FMA.
#include <cstdint>

namespace {

constexpr int MR = 4, NR = 8, KC = 256, MC = 64, NC = 1024;

// GCC/Clang vector extensions: 4-float vectors lower to SSE2 on x86-64, NEON on arm64 and
// plain scalar code elsewhere (no ISA flags needed), with the same IEEE mul/add per lane.
typedef float v4 __attribute__((vector_size(16)));
inline v4 load4(const float* p) {
  v4 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

template <bool PACKED_A>
void ukernel(long kc, const float* A, long lda, const float* B, float* C, long ldc, int m, int n, float alpha,
             float beta) {
  v4 c00 = {0, 0, 0, 0}, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  // Direct A: rows past m alias the last valid row (their results are never stored).
  const float* a0 = A;
  const float* a1 = PACKED_A ? A : A + (m > 1 ? 1 : 0) * lda;
  const float* a2 = PACKED_A ? A : A + (m > 2 ? 2 : m - 1) * lda;
  const float* a3 = PACKED_A ? A : A + (m > 3 ? 3 : m - 1) * lda;
  for (long k = 0; k < kc; ++k) {
    const v4 b0 = load4(B + k * NR), b1 = load4(B + k * NR + 4);
    const float x0 = PACKED_A ? A[k * MR + 0] : a0[k];
    const float x1 = PACKED_A ? A[k * MR + 1] : a1[k];
    const float x2 = PACKED_A ? A[k * MR + 2] : a2[k];
    const float x3 = PACKED_A ? A[k * MR + 3] : a3[k];
    c00 += b0 * x0;
    c01 += b1 * x0;
    c10 += b0 * x1;
    c11 += b1 * x1;
    c20 += b0 * x2;
    c21 += b1 * x2;
    c30 += b0 * x3;
    c31 += b1 * x3;
  }
  float acc[MR][NR];
  __builtin_memcpy(acc[0], &c00, 16);
  __builtin_memcpy(acc[0] + 4, &c01, 16);
  __builtin_memcpy(acc[1], &c10, 16);
  __builtin_memcpy(acc[1] + 4, &c11, 16);
  __builtin_memcpy(acc[2], &c20, 16);
  __builtin_memcpy(acc[2] + 4, &c21, 16);
  __builtin_memcpy(acc[3], &c30, 16);
  __builtin_memcpy(acc[3] + 4, &c31, 16);
  for (int r = 0; r < m; ++r) {
    float* cr = C + r * ldc;
    if (beta == 0.f) {
      for (int c = 0; c < n; ++c) cr[c] = alpha * acc[r][c];
    } else {
      for (int c = 0; c < n; ++c) cr[c] = alpha * acc[r][c] + beta * cr[c];
    }
  }
}

}  // namespace

#define RNNLAB_TABLE_FN kernels_scalar
#define RNNLAB_BF16EMU_FN gemm_bf16emu_scalar
#define RNNLAB_ISA_NAME "scalar"
#include "kernels_impl.h"
