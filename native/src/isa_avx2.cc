// AVX2 + FMA kernels: 6×16 register tile (12 ymm accumulators, 2 B loads and one broadcast per
// k step). Compiled with -mavx2 -mfma (binding.gyp), only called after
// __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma").
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include <cstdint>

namespace {

constexpr int MR = 6, NR = 16, KC = 256, MC = 72, NC = 1024;

alignas(32) const int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
// Lanes [0, v) set, v in [0, 8].
inline __m256i lane_mask(int v) {
  v = v < 0 ? 0 : v > 8 ? 8 : v;
  return _mm256_loadu_si256((const __m256i*)(kMaskTable + 8 - v));
}

template <bool PACKED_A>
void ukernel(long kc, const float* A, long lda, const float* B, float* C, long ldc, int m, int n, float alpha,
             float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  const float* a0 = A;
  const float* a1 = PACKED_A ? A : A + (m > 1 ? 1 : 0) * lda;
  const float* a2 = PACKED_A ? A : A + (m > 2 ? 2 : m - 1) * lda;
  const float* a3 = PACKED_A ? A : A + (m > 3 ? 3 : m - 1) * lda;
  const float* a4 = PACKED_A ? A : A + (m > 4 ? 4 : m - 1) * lda;
  const float* a5 = PACKED_A ? A : A + (m > 5 ? 5 : m - 1) * lda;
#define RNN_STEP(K_)                                                                    \
  {                                                                                     \
    const __m256 b0 = _mm256_load_ps(B + (K_) * 16);                                    \
    const __m256 b1 = _mm256_load_ps(B + (K_) * 16 + 8);                                \
    __m256 a;                                                                           \
    a = _mm256_broadcast_ss(PACKED_A ? A + (K_) * 6 + 0 : a0 + (K_));                   \
    c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);               \
    a = _mm256_broadcast_ss(PACKED_A ? A + (K_) * 6 + 1 : a1 + (K_));                   \
    c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);               \
    a = _mm256_broadcast_ss(PACKED_A ? A + (K_) * 6 + 2 : a2 + (K_));                   \
    c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);               \
    a = _mm256_broadcast_ss(PACKED_A ? A + (K_) * 6 + 3 : a3 + (K_));                   \
    c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);               \
    a = _mm256_broadcast_ss(PACKED_A ? A + (K_) * 6 + 4 : a4 + (K_));                   \
    c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);               \
    a = _mm256_broadcast_ss(PACKED_A ? A + (K_) * 6 + 5 : a5 + (K_));                   \
    c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);               \
  }
  long k = 0;
  for (; k + 4 <= kc; k += 4) {
    _mm_prefetch((const char*)(B + 16 * 8), _MM_HINT_T0);
    _mm_prefetch((const char*)(B + 16 * 12), _MM_HINT_T0);
    RNN_STEP(0) RNN_STEP(1) RNN_STEP(2) RNN_STEP(3)
    B += 4 * 16;
    if (PACKED_A) A += 4 * 6;
    else { a0 += 4; a1 += 4; a2 += 4; a3 += 4; a4 += 4; a5 += 4; }
  }
  for (; k < kc; ++k) {
    RNN_STEP(0)
    B += 16;
    if (PACKED_A) A += 6;
    else { ++a0; ++a1; ++a2; ++a3; ++a4; ++a5; }
  }
#undef RNN_STEP
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  if (n == 16) {
#define RNN_STORE(R_, X0, X1)                                                                   \
    if (m > R_) {                                                                               \
      float* cr = C + (R_) * ldc;                                                               \
      if (beta == 0.f) {                                                                        \
        _mm256_storeu_ps(cr, _mm256_mul_ps(va, X0));                                            \
        _mm256_storeu_ps(cr + 8, _mm256_mul_ps(va, X1));                                        \
      } else {                                                                                  \
        _mm256_storeu_ps(cr, _mm256_fmadd_ps(va, X0, _mm256_mul_ps(vb, _mm256_loadu_ps(cr))));  \
        _mm256_storeu_ps(cr + 8, _mm256_fmadd_ps(va, X1, _mm256_mul_ps(vb, _mm256_loadu_ps(cr + 8)))); \
      }                                                                                         \
    }
    RNN_STORE(0, c00, c01) RNN_STORE(1, c10, c11) RNN_STORE(2, c20, c21)
    RNN_STORE(3, c30, c31) RNN_STORE(4, c40, c41) RNN_STORE(5, c50, c51)
#undef RNN_STORE
    return;
  }
  // Edge tile: masked loads/stores, same arithmetic as above.
  const __m256i k0 = lane_mask(n), k1 = lane_mask(n - 8);
  const bool has1 = n > 8;
#define RNN_STORE(R_, X0, X1)                                                                          \
  if (m > R_) {                                                                                        \
    float* cr = C + (R_) * ldc;                                                                        \
    if (beta == 0.f) {                                                                                 \
      _mm256_maskstore_ps(cr, k0, _mm256_mul_ps(va, X0));                                              \
      if (has1) _mm256_maskstore_ps(cr + 8, k1, _mm256_mul_ps(va, X1));                                \
    } else {                                                                                           \
      _mm256_maskstore_ps(cr, k0, _mm256_fmadd_ps(va, X0, _mm256_mul_ps(vb, _mm256_maskload_ps(cr, k0)))); \
      if (has1) _mm256_maskstore_ps(cr + 8, k1, _mm256_fmadd_ps(va, X1, _mm256_mul_ps(vb, _mm256_maskload_ps(cr + 8, k1)))); \
    }                                                                                                  \
  }
  RNN_STORE(0, c00, c01) RNN_STORE(1, c10, c11) RNN_STORE(2, c20, c21)
  RNN_STORE(3, c30, c31) RNN_STORE(4, c40, c41) RNN_STORE(5, c50, c51)
#undef RNN_STORE
}

#include "pack_avx.h"

}  // namespace

#define RNNLAB_TABLE_FN kernels_avx2
#define RNNLAB_BF16EMU_FN gemm_bf16emu_avx2
#define RNNLAB_ISA_NAME "avx2"
#include "kernels_impl.h"

#endif
