// Portable kernels: plain C++ with a 4×8 register tile, compiled with the target's baseline
// flags (SSE2 on x86-64, NEON on arm64 where the vectoriser uses it). The only table on
// non-x86 machines, and the fallback on x86-64 CPUs without AVX2+FMA.
#include <cstdint>

namespace {

constexpr int MR = 4, NR = 8, KC = 256, MC = 64, NC = 1024;

template <bool PACKED_A>
void ukernel(long kc, const float* A, long lda, const float* B, float* C, long ldc, int m, int n, float alpha,
             float beta) {
  float acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) acc[r][c] = 0.f;
  const float* ar[MR];
  for (int r = 0; r < MR; ++r) ar[r] = PACKED_A ? A : A + (r < m ? r : m - 1) * lda;
  for (long k = 0; k < kc; ++k) {
    const float* b = B + k * NR;
    for (int r = 0; r < MR; ++r) {
      const float a = PACKED_A ? A[k * MR + r] : ar[r][k];
      for (int c = 0; c < NR; ++c) acc[r][c] += a * b[c];
    }
  }
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
#define RNNLAB_ISA_NAME "scalar"
#include "kernels_impl.h"
