// AVX-512F kernels: 6×48 register tile (18 zmm accumulators, 3 B loads and one broadcast per
// k step). Compiled with -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma -mavx2 (binding.gyp),
// only ever called after __builtin_cpu_supports("avx512f").
#if defined(__x86_64__) || defined(_M_X64)
#include "tile_store_avx512.h"
#include <immintrin.h>
#include <cstdint>

namespace {

constexpr int MR = 6, NR = 48, KC = 256, MC = 72, NC = 960;

inline __mmask16 col_mask(int n, int chunk) {
  const int v = n - 16 * chunk;
  return v >= 16 ? (__mmask16)0xffff : v <= 0 ? (__mmask16)0 : (__mmask16)((1u << v) - 1u);
}

template <bool PACKED_A>
void ukernel(long kc, const float* A, long lda, const float* B, float* C, long ldc, int m, int n, float alpha,
             float beta) {
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
  __m512 c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
  __m512 c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
  // Direct A: rows past m alias the last valid row (their results are never stored).
  const float* a0 = A;
  const float* a1 = PACKED_A ? A : A + (m > 1 ? 1 : 0) * lda;
  const float* a2 = PACKED_A ? A : A + (m > 2 ? 2 : m - 1) * lda;
  const float* a3 = PACKED_A ? A : A + (m > 3 ? 3 : m - 1) * lda;
  const float* a4 = PACKED_A ? A : A + (m > 4 ? 4 : m - 1) * lda;
  const float* a5 = PACKED_A ? A : A + (m > 5 ? 5 : m - 1) * lda;
#define RNN_STEP(K_)                                                                  \
  {                                                                                   \
    const __m512 b0 = _mm512_load_ps(B + (K_) * 48);                                  \
    const __m512 b1 = _mm512_load_ps(B + (K_) * 48 + 16);                             \
    const __m512 b2 = _mm512_load_ps(B + (K_) * 48 + 32);                             \
    __m512 a;                                                                         \
    a = _mm512_set1_ps(PACKED_A ? A[(K_) * 6 + 0] : a0[K_]);                          \
    c00 = _mm512_fmadd_ps(a, b0, c00); c01 = _mm512_fmadd_ps(a, b1, c01); c02 = _mm512_fmadd_ps(a, b2, c02); \
    a = _mm512_set1_ps(PACKED_A ? A[(K_) * 6 + 1] : a1[K_]);                          \
    c10 = _mm512_fmadd_ps(a, b0, c10); c11 = _mm512_fmadd_ps(a, b1, c11); c12 = _mm512_fmadd_ps(a, b2, c12); \
    a = _mm512_set1_ps(PACKED_A ? A[(K_) * 6 + 2] : a2[K_]);                          \
    c20 = _mm512_fmadd_ps(a, b0, c20); c21 = _mm512_fmadd_ps(a, b1, c21); c22 = _mm512_fmadd_ps(a, b2, c22); \
    a = _mm512_set1_ps(PACKED_A ? A[(K_) * 6 + 3] : a3[K_]);                          \
    c30 = _mm512_fmadd_ps(a, b0, c30); c31 = _mm512_fmadd_ps(a, b1, c31); c32 = _mm512_fmadd_ps(a, b2, c32); \
    a = _mm512_set1_ps(PACKED_A ? A[(K_) * 6 + 4] : a4[K_]);                          \
    c40 = _mm512_fmadd_ps(a, b0, c40); c41 = _mm512_fmadd_ps(a, b1, c41); c42 = _mm512_fmadd_ps(a, b2, c42); \
    a = _mm512_set1_ps(PACKED_A ? A[(K_) * 6 + 5] : a5[K_]);                          \
    c50 = _mm512_fmadd_ps(a, b0, c50); c51 = _mm512_fmadd_ps(a, b1, c51); c52 = _mm512_fmadd_ps(a, b2, c52); \
  }
  long k = 0;
  for (; k + 4 <= kc; k += 4) {
    _mm_prefetch((const char*)(B + 48 * 8), _MM_HINT_T0);
    _mm_prefetch((const char*)(B + 48 * 8 + 32), _MM_HINT_T0);
    _mm_prefetch((const char*)(B + 48 * 9), _MM_HINT_T0);
    _mm_prefetch((const char*)(B + 48 * 9 + 32), _MM_HINT_T0);
    RNN_STEP(0) RNN_STEP(1) RNN_STEP(2) RNN_STEP(3)
    B += 4 * 48;
    if (PACKED_A) A += 4 * 6;
    else { a0 += 4; a1 += 4; a2 += 4; a3 += 4; a4 += 4; a5 += 4; }
  }
  for (; k < kc; ++k) {
    RNN_STEP(0)
    B += 48;
    if (PACKED_A) A += 6;
    else { ++a0; ++a1; ++a2; ++a3; ++a4; ++a5; }
  }
#undef RNN_STEP
  const __mmask16 k0 = col_mask(n, 0), k1 = col_mask(n, 1), k2 = col_mask(n, 2);
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  TILE6X48_STORE(0, c00, c01, c02)
  TILE6X48_STORE(1, c10, c11, c12)
  TILE6X48_STORE(2, c20, c21, c22)
  TILE6X48_STORE(3, c30, c31, c32)
  TILE6X48_STORE(4, c40, c41, c42)
  TILE6X48_STORE(5, c50, c51, c52)
}

#include "pack_avx.h"

}  // namespace

#define RNNLAB_TABLE_FN kernels_avx512
#define RNNLAB_BF16EMU_FN gemm_bf16emu_avx512
#define RNNLAB_ISA_NAME "avx512"
#include "kernels_impl.h"

#endif
