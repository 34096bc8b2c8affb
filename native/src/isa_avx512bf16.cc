// AVX-512 BF16 GEMM (--precision bf16): operands converted to bf16 pairs with vcvtne2ps2bf16
// (round to nearest even) as they are packed, multiplied with vdpbf16ps, which adds two
// exact bf16·bf16 products per fp32 lane. Compiled with -mavx512f -mavx512bw -mavx512vl
// -mavx512bf16 -mavx2 -mfma (binding.gyp), only called after __builtin_cpu_supports says
// avx512bf16, avx512bw and avx512vl (dispatch.cc).
//
// Layout: a "pair" is one 32-bit word holding bf16(x[k]) in its low half and bf16(x[k+1]) in
// its high half. Packed B: per K block, ceil(N/NR) panels of kp × NR pair words (kp = pairs
// in the block: ceil(kc/2), an odd kc padded with a zero k), so one zmm load is 16 columns ×
// 2 k. A: rows of op(A) as pair words, row-major (A·…) or one row of words per pair (Aᵀ·…,
// two k rows of A interleaved), so a 32-bit broadcast is one row's pair. Register tile 6×48 as the fp32 AVX-512 kernel: 18
// accumulators, 3 B loads and 6 broadcasts per 2 k, i.e. twice the flops per instruction.
//
// Loops and determinism as kernels_impl.h (jc → pc → ic → jr → ir; per element the sum runs
// over the K blocks in order, C = fma(alpha, acc, beta'·C) after each; the order depends on
// K only). Edges use masked loads (zero-filled, fault-suppressed), never a scalar path, so an
// element converts the same way whichever tile or thread packs it. Both instructions treat
// denormal inputs as zero (and vdpbf16ps flushes denormal results): the one difference from
// the emulated kernels besides summation order.
//
// Internal linkage except gemm_avx512bf16 (see the ODR note in kernels.h).
#if defined(__x86_64__) || defined(_M_X64)
#include "tile_store_avx512.h"
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace {

using rnnlab::GemmArgs;
using rnnlab::GemmKernels;

// KC is in k (even, so only the last K block can have an odd length); 512 bf16 k take the
// bytes 256 fp32 k take in the fp32 kernel.
constexpr int MR = 6, NR = 48, KC = 512, KP = KC / 2, MC = 72, NC = 960;
// Row stride (words) of a packed Aᵀ block: whole 16-word vectors, plus room for the rows past
// mc that an edge tile reads (never stored).
constexpr int ATW = (MC + 15) / 16 * 16 + 16;
static_assert(KC % 2 == 0 && NC % NR == 0 && MC % MR == 0, "blocking");

inline long lmin(long a, long b) { return a < b ? a : b; }
inline __mmask16 mask16(long v) { return v >= 16 ? (__mmask16)0xffff : v <= 0 ? (__mmask16)0 : (__mmask16)((1u << v) - 1u); }
inline __m512bh bh(__m512i x) { return (__m512bh)x; }

// 32 consecutive floats (the first v of them; the rest read as 0) → 16 pair words.
inline __m512i cvt_pairs(const float* p, long v) {
  const __m512 lo = _mm512_maskz_loadu_ps(mask16(v), p);
  const __m512 hi = _mm512_maskz_loadu_ps(mask16(v - 16), p + 16);
  return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

// Word j = (bf16(r0[j]), bf16(r1[j])): two k rows of 16 columns interleaved into pairs.
alignas(64) const uint16_t kInterleave[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                              8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
inline __m512i cvt_interleave(__m512 r0, __m512 r1) {
  const __m512i x = (__m512i)_mm512_cvtne2ps_pbh(r1, r0);  // bf16 of r0 in words 0-15, of r1 in 16-31
  return _mm512_permutexvar_epi16(_mm512_load_si512((const void*)kInterleave), x);
}

// One pair word from two floats, converted by the same instruction family as the vectors.
inline uint32_t pair_word(float a0, float a1) {
  return (uint32_t)_mm_cvtsi128_si32((__m128i)_mm_cvtneps_pbh(_mm_setr_ps(a0, a1, 0.f, 0.f)));
}

// In-register transpose of a 16×16 matrix of 32-bit words (r[i] row i → r[j] column j).
inline void transpose16(__m512i* r) {
  __m512i a[16], b[16];
  for (int i = 0; i < 8; ++i) {
    a[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    a[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // b[4i + c], 128-bit lane L: rows 4i..4i+3 of column 4L + c.
  for (int i = 0; i < 4; ++i) {
    b[4 * i + 0] = _mm512_unpacklo_epi64(a[4 * i], a[4 * i + 2]);
    b[4 * i + 1] = _mm512_unpackhi_epi64(a[4 * i], a[4 * i + 2]);
    b[4 * i + 2] = _mm512_unpacklo_epi64(a[4 * i + 1], a[4 * i + 3]);
    b[4 * i + 3] = _mm512_unpackhi_epi64(a[4 * i + 1], a[4 * i + 3]);
  }
  // Column 4L + c = lanes L of b[c], b[4 + c], b[8 + c], b[12 + c]: a 4×4 transpose of lanes.
  for (int c = 0; c < 4; ++c) {
    const __m512i y0 = _mm512_shuffle_i32x4(b[c], b[4 + c], 0x44), y1 = _mm512_shuffle_i32x4(b[c], b[4 + c], 0xEE);
    const __m512i y2 = _mm512_shuffle_i32x4(b[8 + c], b[12 + c], 0x44), y3 = _mm512_shuffle_i32x4(b[8 + c], b[12 + c], 0xEE);
    r[c] = _mm512_shuffle_i32x4(y0, y2, 0x88);
    r[4 + c] = _mm512_shuffle_i32x4(y0, y2, 0xDD);
    r[8 + c] = _mm512_shuffle_i32x4(y1, y3, 0x88);
    r[12 + c] = _mm512_shuffle_i32x4(y1, y3, 0xDD);
  }
}

// ---------------------------------------------------------------------------------------
// Micro-kernel: C[m, n] tile = alpha·(A·Bp) + beta·C over kp pairs (beta == 0 ignores C).
// PACKED_A: pair p of row r is A[p·lda + r] (a packed Aᵀ block); else row r is A + r·lda.
template <bool PACKED_A>
void ukernel(long kp, const uint32_t* A, long lda, const uint32_t* B, float* C, long ldc, int m, int n, float alpha,
             float beta) {
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
  __m512 c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
  __m512 c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
  // Direct A: rows past m alias the last valid row (their results are never stored).
  const uint32_t* a0 = A;
  const uint32_t* a1 = PACKED_A ? A : A + (m > 1 ? 1 : 0) * lda;
  const uint32_t* a2 = PACKED_A ? A : A + (m > 2 ? 2 : m - 1) * lda;
  const uint32_t* a3 = PACKED_A ? A : A + (m > 3 ? 3 : m - 1) * lda;
  const uint32_t* a4 = PACKED_A ? A : A + (m > 4 ? 4 : m - 1) * lda;
  const uint32_t* a5 = PACKED_A ? A : A + (m > 5 ? 5 : m - 1) * lda;
#define RNN_STEP(P_)                                                                               \
  {                                                                                                \
    const __m512bh b0 = bh(_mm512_loadu_si512((const void*)(B + (P_) * 48)));                      \
    const __m512bh b1 = bh(_mm512_loadu_si512((const void*)(B + (P_) * 48 + 16)));                 \
    const __m512bh b2 = bh(_mm512_loadu_si512((const void*)(B + (P_) * 48 + 32)));                 \
    __m512bh a;                                                                                    \
    a = bh(_mm512_set1_epi32((int)(PACKED_A ? A[(P_) * lda + 0] : a0[P_])));                       \
    c00 = _mm512_dpbf16_ps(c00, a, b0); c01 = _mm512_dpbf16_ps(c01, a, b1); c02 = _mm512_dpbf16_ps(c02, a, b2); \
    a = bh(_mm512_set1_epi32((int)(PACKED_A ? A[(P_) * lda + 1] : a1[P_])));                       \
    c10 = _mm512_dpbf16_ps(c10, a, b0); c11 = _mm512_dpbf16_ps(c11, a, b1); c12 = _mm512_dpbf16_ps(c12, a, b2); \
    a = bh(_mm512_set1_epi32((int)(PACKED_A ? A[(P_) * lda + 2] : a2[P_])));                       \
    c20 = _mm512_dpbf16_ps(c20, a, b0); c21 = _mm512_dpbf16_ps(c21, a, b1); c22 = _mm512_dpbf16_ps(c22, a, b2); \
    a = bh(_mm512_set1_epi32((int)(PACKED_A ? A[(P_) * lda + 3] : a3[P_])));                       \
    c30 = _mm512_dpbf16_ps(c30, a, b0); c31 = _mm512_dpbf16_ps(c31, a, b1); c32 = _mm512_dpbf16_ps(c32, a, b2); \
    a = bh(_mm512_set1_epi32((int)(PACKED_A ? A[(P_) * lda + 4] : a4[P_])));                       \
    c40 = _mm512_dpbf16_ps(c40, a, b0); c41 = _mm512_dpbf16_ps(c41, a, b1); c42 = _mm512_dpbf16_ps(c42, a, b2); \
    a = bh(_mm512_set1_epi32((int)(PACKED_A ? A[(P_) * lda + 5] : a5[P_])));                       \
    c50 = _mm512_dpbf16_ps(c50, a, b0); c51 = _mm512_dpbf16_ps(c51, a, b1); c52 = _mm512_dpbf16_ps(c52, a, b2); \
  }
  long p = 0;
  for (; p + 4 <= kp; p += 4) {
    _mm_prefetch((const char*)(B + 48 * 8), _MM_HINT_T0);
    _mm_prefetch((const char*)(B + 48 * 8 + 32), _MM_HINT_T0);
    _mm_prefetch((const char*)(B + 48 * 9), _MM_HINT_T0);
    _mm_prefetch((const char*)(B + 48 * 9 + 32), _MM_HINT_T0);
    RNN_STEP(0) RNN_STEP(1) RNN_STEP(2) RNN_STEP(3)
    B += 4 * 48;
    if (PACKED_A) A += 4 * lda;
    else { a0 += 4; a1 += 4; a2 += 4; a3 += 4; a4 += 4; a5 += 4; }
  }
  for (; p < kp; ++p) {
    RNN_STEP(0)
    B += 48;
    if (PACKED_A) A += lda;
    else { ++a0; ++a1; ++a2; ++a3; ++a4; ++a5; }
  }
#undef RNN_STEP
  const __mmask16 k0 = mask16(n), k1 = mask16(n - 16), k2 = mask16(n - 32);
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  TILE6X48_STORE(0, c00, c01, c02)
  TILE6X48_STORE(1, c10, c11, c12)
  TILE6X48_STORE(2, c20, c21, c22)
  TILE6X48_STORE(3, c30, c31, c32)
  TILE6X48_STORE(4, c40, c41, c42)
  TILE6X48_STORE(5, c50, c51, c52)
}

// ---------------------------------------------------------------------------------------
// Packing. kc k values → kp = ceil(kc/2) pairs (the missing k of an odd kc reads as 0).

// Rows of op(A) = A, contiguous in k: mc rows of kc floats (row stride lda) → pair words,
// row stride kp.
void pack_a_rows(const float* A, long lda, long mc, long kc, uint32_t* dst) {
  const long kp = (kc + 1) / 2;
  for (long r = 0; r < mc; ++r) {
    const float* s = A + r * lda;
    uint32_t* d = dst + r * kp;
    for (long k = 0; k < kc; k += 32) _mm512_mask_storeu_epi32(d + k / 2, mask16(kp - k / 2), cvt_pairs(s + k, kc - k));
  }
}

// Rows of op(A) = Aᵀ: A points at A[k0, i0] ([K, lda] storage, row k holds op(A)(·, k));
// mc ≤ MC rows of op(A) → kp rows of ATW words, word i of row p the pair of op(A) row i
// (two k rows of A interleaved; words past mc zero).
void pack_a_trans(const float* A, long lda, long kc, long mc, uint32_t* dst) {
  const long kp = (kc + 1) / 2;
  for (long p = 0; p < kp; ++p) {
    const float* r0 = A + 2 * p * lda;
    const bool has1 = 2 * p + 1 < kc;
    for (long i = 0; i < ATW; i += 16) {
      const __mmask16 mk = mask16(mc - i);
      const __m512 x0 = _mm512_maskz_loadu_ps(mk, r0 + i);
      const __m512 x1 = has1 ? _mm512_maskz_loadu_ps(mk, r0 + lda + i) : _mm512_setzero_ps();
      _mm512_storeu_si512((void*)(dst + p * ATW + i), cvt_interleave(x0, x1));
    }
  }
}

// Columns [0, count) of a row-major X (row stride ld, X at the block's first k and column)
// → ceil(count/NR) panels of kp × NR words, columns past count zero. op(B) = B.
void pack_b_rows(const float* X, long ld, long kc, long count, uint32_t* dst) {
  const long kp = (kc + 1) / 2;
  for (long c = 0; c < count; c += NR) {
    uint32_t* d = dst + (c / NR) * kp * NR;
    const __mmask16 m0 = mask16(count - c), m1 = mask16(count - c - 16), m2 = mask16(count - c - 32);
    for (long p = 0; p < kp; ++p) {
      const float* r0 = X + 2 * p * ld + c;
      const float* r1 = r0 + ld;
      const __m512 z = _mm512_setzero_ps();
      const bool has1 = 2 * p + 1 < kc;
      uint32_t* dp = d + p * NR;
      _mm512_storeu_si512((void*)dp, cvt_interleave(_mm512_maskz_loadu_ps(m0, r0), has1 ? _mm512_maskz_loadu_ps(m0, r1) : z));
      _mm512_storeu_si512((void*)(dp + 16),
                          cvt_interleave(_mm512_maskz_loadu_ps(m1, r0 + 16), has1 ? _mm512_maskz_loadu_ps(m1, r1 + 16) : z));
      _mm512_storeu_si512((void*)(dp + 32),
                          cvt_interleave(_mm512_maskz_loadu_ps(m2, r0 + 32), has1 ? _mm512_maskz_loadu_ps(m2, r1 + 32) : z));
    }
  }
}

// One panel whose column c < ncv is contiguous in k at src[c] (op(B) = Bᵀ): 16 columns ×
// 16 pairs at a time, converted per column and transposed in registers.
void pack_panel_t(const float* const* src, long kc, int ncv, uint32_t* d) {
  const long kp = (kc + 1) / 2;
  for (int g = 0; g < NR / 16; ++g) {
    for (long p0 = 0; p0 < kp; p0 += 16) {
      const long np = lmin(16, kp - p0);
      if (g * 16 >= ncv) {
        for (long pp = 0; pp < np; ++pp) _mm512_storeu_si512((void*)(d + (p0 + pp) * NR + g * 16), _mm512_setzero_si512());
        continue;
      }
      __m512i r[16];
      for (int j = 0; j < 16; ++j) {
        const int c = g * 16 + j;
        r[j] = c < ncv ? cvt_pairs(src[c] + 2 * p0, kc - 2 * p0) : _mm512_setzero_si512();
      }
      transpose16(r);
      for (long pp = 0; pp < np; ++pp) _mm512_storeu_si512((void*)(d + (p0 + pp) * NR + g * 16), r[pp]);
    }
  }
}

// A panel of arbitrary columns of a row-major B (a column map without transposition):
// gathered two k rows at a time, converted as vectors.
void pack_panel_strided(const float* const* src, long ld, long kc, int ncv, uint32_t* d) {
  const long kp = (kc + 1) / 2;
  alignas(64) float t0[NR], t1[NR];
  for (long p = 0; p < kp; ++p) {
    const long k = 2 * p;
    for (int c = 0; c < NR; ++c) {
      t0[c] = c < ncv ? src[c][k * ld] : 0.f;
      t1[c] = c < ncv && k + 1 < kc ? src[c][(k + 1) * ld] : 0.f;
    }
    for (int g = 0; g < NR / 16; ++g)
      _mm512_storeu_si512((void*)(d + p * NR + g * 16), cvt_interleave(_mm512_load_ps(t0 + g * 16), _mm512_load_ps(t1 + g * 16)));
  }
}

// Columns [n0, n0+nc) of op(B), k rows [k0, k0+kc), into ceil(nc/NR) panels.
void pack_b_block(int transB, const float* B, long ldb, long k0, long kc, long n0, long nc, uint32_t* dst) {
  if (!transB) {
    pack_b_rows(B + k0 * ldb + n0, ldb, kc, nc, dst);
    return;
  }
  const long kp = (kc + 1) / 2;
  const float* src[NR];
  for (long p = 0; p < nc; p += NR) {
    const int ncv = (int)lmin(NR, nc - p);
    for (int c = 0; c < ncv; ++c) src[c] = B + (n0 + p + c) * ldb + k0;
    pack_panel_t(src, kc, ncv, dst + (p / NR) * kp * NR);
  }
}

// One (kc × nc) block of packed B against rows [i0, i0+mc) of op(A).
void macro_block(int transA, const float* A, long lda, long k0, long kc, long i0, long mc, const uint32_t* pb, long nc,
                 float alpha, float beta, float* C, long ldc, uint32_t* bufA) {
  const long kp = (kc + 1) / 2;
  if (transA) pack_a_trans(A + k0 * lda + i0, lda, kc, mc, bufA);
  else pack_a_rows(A + i0 * lda + k0, lda, mc, kc, bufA);
  for (long jr = 0; jr < nc; jr += NR) {
    const int n = (int)lmin(NR, nc - jr);
    const uint32_t* bp = pb + (jr / NR) * kp * NR;
    for (long ir = 0; ir < mc; ir += MR) {
      const int m = (int)lmin(MR, mc - ir);
      if (transA) ukernel<true>(kp, bufA + ir, ATW, bp, C + ir * ldc + jr, ldc, m, n, alpha, beta);
      else ukernel<false>(kp, bufA + ir * kp, kp, bp, C + ir * ldc + jr, ldc, m, n, alpha, beta);
    }
  }
}

// Scratch in floats (4-byte words): packed B block + packed A block.
size_t gemm_work_floats() { return (size_t)KP * NC + (size_t)KP * ATW + 64; }

void gemm_rect(const GemmArgs* g, long m0, long m1, long n0, long n1, float* work) {
  uint32_t* bufB = (uint32_t*)work;
  uint32_t* bufA = bufB + (size_t)KP * NC;
  for (long jc = n0; jc < n1; jc += NC) {
    const long nc = lmin(NC, n1 - jc);
    for (long pc = 0; pc < g->K; pc += KC) {
      const long kc = lmin(KC, g->K - pc);
      const float beff = pc == 0 ? g->beta : 1.f;
      pack_b_block(g->transB, g->B, g->ldb, pc, kc, jc, nc, bufB);
      for (long ic = m0; ic < m1; ic += MC) {
        const long mc = lmin(MC, m1 - ic);
        macro_block(g->transA, g->A, g->lda, pc, kc, ic, mc, bufB, nc, g->alpha, beff, g->C + ic * g->ldc + jc, g->ldc, bufA);
      }
    }
  }
}

// Pre-packed B: K blocks of KC one after the other; block pc starts at word (pc/2)·npan·NR.
size_t packed_b_floats(long K, long ncols) { return (size_t)((K + 1) / 2) * (size_t)((ncols + NR - 1) / NR) * NR; }

void pack_b(int transB, const float* B, long ldb, long K, long ncols, const int32_t* colmap, float* dstf) {
  uint32_t* dst = (uint32_t*)dstf;
  const long npan = (ncols + NR - 1) / NR;
  const float* src[NR];
  for (long pc = 0; pc < K; pc += KC) {
    const long kc = lmin(KC, K - pc), kp = (kc + 1) / 2;
    uint32_t* blk = dst + (pc / 2) * npan * NR;
    if (!colmap && !transB) {
      pack_b_rows(B + pc * ldb, ldb, kc, ncols, blk);
      continue;
    }
    for (long p = 0; p < npan; ++p) {
      const int ncv = (int)lmin(NR, ncols - p * NR);
      for (int c = 0; c < ncv; ++c) {
        const long col = colmap ? colmap[p * NR + c] : p * NR + c;
        src[c] = transB ? B + col * ldb + pc : B + pc * ldb + col;
      }
      if (transB) pack_panel_t(src, kc, ncv, blk + p * kp * NR);
      else pack_panel_strided(src, ldb, kc, ncv, blk + p * kp * NR);
    }
  }
}

void gemm_packed(int transA, long M, long ncols, long K, float alpha, const float* A, long lda, const float* pbf,
                 float beta, float* C, long ldc, float* work) {
  const uint32_t* pb = (const uint32_t*)pbf;
  const long npan = (ncols + NR - 1) / NR;
  if (K == 0) {
    for (long i = 0; i < M; ++i)
      for (long j = 0; j < ncols; ++j) C[i * ldc + j] = beta == 0.f ? 0.f : beta * C[i * ldc + j];
    return;
  }
  uint32_t* bufA = (uint32_t*)work + (size_t)KP * NC;
  for (long pc = 0; pc < K; pc += KC) {
    const long kc = lmin(KC, K - pc);
    const float beff = pc == 0 ? beta : 1.f;
    const uint32_t* blk = pb + (pc / 2) * npan * NR;
    for (long ic = 0; ic < M; ic += MC) {
      const long mc = lmin(MC, M - ic);
      macro_block(transA, A, lda, pc, kc, ic, mc, blk, ncols, alpha, beff, C + ic * ldc, ldc, bufA);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Small-M products without packing (see kernels_impl.h). Per element the order depends on K
// (and on how rows are grouped by 4) only.

inline float store_ab(float r, float alpha, float beta, float c) { return beta == 0.f ? alpha * r : alpha * r + beta * c; }

// C[m, n] = alpha·Σ_k A[m, k]·W[n, k] + beta·C: both rows contiguous in k, converted 32 k at
// a time; two accumulators per row (even and odd 32-k chunks), then a fixed reduction.
// A's rows are converted once per call, into a stack buffer (up to kDotBufK; longer rows are
// converted again for every output column, the same conversion, so the same result).
constexpr long kDotBufK = 4096;

template <int R, bool Pre>
void dot_rows_impl(long N, long K, const float* const* a, const __m512i (*abuf)[kDotBufK / 32], const float* W, long ldw,
                   float alpha, float beta, float* C, long ldc) {
  const auto av = [&](int r, long k) { return bh(Pre ? abuf[r][k / 32] : cvt_pairs(a[r] + k, K - k)); };
  for (long n = 0; n < N; ++n) {
    const float* w = W + n * ldw;
    __m512 s0[R], s1[R];
    for (int r = 0; r < R; ++r) s0[r] = s1[r] = _mm512_setzero_ps();
    for (long k = 0; k < K; k += 64) {
      const __m512bh w0 = bh(cvt_pairs(w + k, K - k));
      for (int r = 0; r < R; ++r) s0[r] = _mm512_dpbf16_ps(s0[r], av(r, k), w0);
      if (k + 32 < K) {
        const __m512bh w1 = bh(cvt_pairs(w + k + 32, K - k - 32));
        for (int r = 0; r < R; ++r) s1[r] = _mm512_dpbf16_ps(s1[r], av(r, k + 32), w1);
      }
    }
    for (int r = 0; r < R; ++r)
      C[r * ldc + n] = store_ab(_mm512_reduce_add_ps(_mm512_add_ps(s0[r], s1[r])), alpha, beta, C[r * ldc + n]);
  }
}
template <int R>
void dot_rows(long N, long K, const float* const* a, const float* W, long ldw, float alpha, float beta, float* C, long ldc) {
  if (K > kDotBufK || N < 2) return dot_rows_impl<R, false>(N, K, a, nullptr, W, ldw, alpha, beta, C, ldc);
  __m512i abuf[R][kDotBufK / 32];
  for (int r = 0; r < R; ++r)
    for (long k = 0; k < K; k += 32) abuf[r][k / 32] = cvt_pairs(a[r] + k, K - k);
  dot_rows_impl<R, true>(N, K, a, abuf, W, ldw, alpha, beta, C, ldc);
}
void dot_nt(long M, long N, long K, float alpha, const float* A, long lda, const float* W, long ldw, float beta, float* C,
            long ldc) {
  for (long m0 = 0; m0 < M; m0 += 4) {
    const long mr = lmin(4, M - m0);
    const float* a[4] = {A + m0 * lda, A + (m0 + 1) * lda, A + (m0 + 2) * lda, A + (m0 + 3) * lda};
    float* c = C + m0 * ldc;
    if (mr == 4) dot_rows<4>(N, K, a, W, ldw, alpha, beta, c, ldc);
    else if (mr == 3) dot_rows<3>(N, K, a, W, ldw, alpha, beta, c, ldc);
    else if (mr == 2) dot_rows<2>(N, K, a, W, ldw, alpha, beta, c, ldc);
    else dot_rows<1>(N, K, a, W, ldw, alpha, beta, c, ldc);
  }
}

// C[m, n0:n1] = alpha·Σ_k A(m, k)·B[k, n] + beta·C, A(m, k) = A[m·rsA + k·csA]: two rows of B
// at a time interleaved into pairs, 64 columns per block.
template <int R>
void axpy_rows(long n0, long n1, long K, const float* A, long rsA, long csA, const float* B, long ldb, float alpha,
               float beta, float* C, long ldc) {
  const long kp = (K + 1) / 2;
  const __m512 z = _mm512_setzero_ps();
  for (long j0 = n0; j0 < n1; j0 += 64) {
    __mmask16 mk[4];
    for (int q = 0; q < 4; ++q) mk[q] = mask16(n1 - j0 - 16 * q);
    __m512 acc[R][4];
    for (int r = 0; r < R; ++r)
      for (int q = 0; q < 4; ++q) acc[r][q] = z;
    for (long p = 0; p < kp; ++p) {
      const long k = 2 * p;
      const bool has1 = k + 1 < K;
      const float* b0 = B + k * ldb + j0;
      __m512bh bw[4];
      for (int q = 0; q < 4; ++q)
        bw[q] = bh(cvt_interleave(_mm512_maskz_loadu_ps(mk[q], b0 + 16 * q), has1 ? _mm512_maskz_loadu_ps(mk[q], b0 + ldb + 16 * q) : z));
      for (int r = 0; r < R; ++r) {
        const float x0 = A[r * rsA + k * csA], x1 = has1 ? A[r * rsA + (k + 1) * csA] : 0.f;
        const __m512bh av = bh(_mm512_set1_epi32((int)pair_word(x0, x1)));
        for (int q = 0; q < 4; ++q) acc[r][q] = _mm512_dpbf16_ps(acc[r][q], av, bw[q]);
      }
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int r = 0; r < R; ++r)
      for (int q = 0; q < 4; ++q) {
        if (!mk[q]) continue;
        float* c = C + r * ldc + j0 + 16 * q;
        const __m512 v = beta == 0.f ? _mm512_mul_ps(va, acc[r][q])
                                     : _mm512_fmadd_ps(va, acc[r][q], _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(mk[q], c)));
        _mm512_mask_storeu_ps(c, mk[q], v);
      }
  }
}
void gemv_n(long M, long n0, long n1, long K, float alpha, const float* A, long rsA, long csA, const float* B, long ldb,
            float beta, float* C, long ldc) {
  for (long m0 = 0; m0 < M; m0 += 4) {
    const long mr = lmin(4, M - m0);
    const float* a = A + m0 * rsA;
    float* c = C + m0 * ldc;
    if (mr == 4) axpy_rows<4>(n0, n1, K, a, rsA, csA, B, ldb, alpha, beta, c, ldc);
    else if (mr == 3) axpy_rows<3>(n0, n1, K, a, rsA, csA, B, ldb, alpha, beta, c, ldc);
    else if (mr == 2) axpy_rows<2>(n0, n1, K, a, rsA, csA, B, ldb, alpha, beta, c, ldc);
    else axpy_rows<1>(n0, n1, K, a, rsA, csA, B, ldb, alpha, beta, c, ldc);
  }
}

const GemmKernels kGemm = {
    "avx512bf16", MR, NR, KC, MC, NC,
    gemm_work_floats, gemm_rect, packed_b_floats, pack_b, gemm_packed, dot_nt, gemv_n,
};

}  // namespace

namespace rnnlab {
const GemmKernels* gemm_avx512bf16() { return &kGemm; }
}  // namespace rnnlab

#endif
