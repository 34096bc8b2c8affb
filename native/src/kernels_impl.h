// Shared body of the per-ISA kernel tables. Included once by each of isa_avx512.cc,
// isa_avx2.cc, isa_scalar.cc, after that file has defined, inside an anonymous namespace:
//
//   constexpr int MR, NR, KC, MC, NC;     register tile and cache blocking (NC % NR == 0)
//   template <bool PACKED_A> void ukernel(long kc, const float* A, long lda, const float* Bp,
//                                          float* C, long ldc, int m, int n, float alpha, float beta);
//       C[m,n] tile = alpha·(A·Bp) + beta·C, beta == 0 ignoring C. Bp: kc×NR packed panel.
//       PACKED_A: A is a kc×MR packed panel (A[k·MR + r]); else row r of A is A + r·lda,
//       contiguous in k (rows ≥ m must not be read).
//   #define RNNLAB_TABLE_FN kernels_xxx, RNNLAB_BF16EMU_FN gemm_bf16emu_xxx, RNNLAB_ISA_NAME "xxx"
//
// Everything here has internal linkage (anonymous namespace), only RNNLAB_TABLE_FN and
// RNNLAB_BF16EMU_FN are exported: see the ODR note in kernels.h.
//
// The GEMM functions are templates on RB ("round to bf16"): RB = false is the fp32 table;
// RB = true is the emulated bf16 GEMM (kernels.h, GemmKernels), which rounds both operands
// to bf16 as it packs them and then runs the same micro-kernels. A product of two bf16 values
// is exact in fp32, so this differs from a vdpbf16ps kernel only in summation order (and in
// denormals, which vdpbf16ps treats as zero).
//
// No standard-library headers beyond <cstdint>, <cstddef> (the ODR note again); math goes
// through __builtin_*.
//
// Numerics: the elementwise code is written so that the vectoriser can widen it (the TUs are
// built with -O3 -ffp-contract=off), and is evaluated in float except where the reference
// backend's float64 arithmetic is cheap to mirror exactly (optimizers, scale, dropout).
// fp-contract=off also keeps vector bodies and scalar tails bit-identical, so results do
// not depend on where a thread's slice starts.

#include "kernels.h"

namespace {

using rnnlab::AdamParams;
using rnnlab::GemmArgs;
using rnnlab::GemmKernels;
using rnnlab::KernelTable;

static_assert(NC % NR == 0, "NC must be a multiple of NR");

inline long lmin(long a, long b) { return a < b ? a : b; }

// float → bf16 → float, round to nearest even; NaN stays NaN (made quiet), ±Inf stays,
// finite values above the largest bf16 become ±Inf, denormals are kept (as the js backend's
// emulation does; vdpbf16ps would flush them).
inline float rb16(float x) {
  uint32_t u;
  __builtin_memcpy(&u, &x, 4);
  const uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  const uint32_t q = (u | 0x00400000u) & 0xffff0000u;
  u = (u & 0x7fffffffu) > 0x7f800000u ? q : r;
  float y;
  __builtin_memcpy(&y, &u, 4);
  return y;
}
template <bool RB>
inline float rbx(float x) { return RB ? rb16(x) : x; }
void round_bf16(float* __restrict p, long n) {
  for (long i = 0; i < n; ++i) p[i] = rb16(p[i]);
}

// ---------------------------------------------------------------------------------------
// GEMM: BLIS-style loops jc (NC) → pc (KC) → ic (MC) → jr (NR) → ir (MR).
// B is always packed (kc×NR panels, zero-padded columns). A is packed only for Aᵀ·… (its
// rows are strided there); for A·… the micro-kernel reads A's rows in place.
// Each element's sum runs over the KC blocks in order: acc = Σ_k in block, C = alpha·acc + beta'·C
// with beta' = beta for the first block and 1 after. That order depends only on K, never on
// the rectangle a thread owns, which is what makes threaded GEMMs deterministic.

// One kc×NR panel of op(B): column c (c < ncv) starts at src[c] and steps by `step` per k.
void pack_panel(const float* const* src, long step, long kc, int ncv, float* dst) {
  if (step == 1) {
    // op(B) = Bᵀ: each column is contiguous in memory; blocks of 8 k keep the writes local.
    long k0 = 0;
    for (; k0 + 8 <= kc; k0 += 8) {
      int c0 = 0;
#ifdef RNNLAB_HAVE_PACK_T8
      for (; c0 + 8 <= ncv; c0 += 8) {
        const float* s8[8];
        for (int c = 0; c < 8; ++c) s8[c] = src[c0 + c] + k0;
        pack_t8(s8, dst + k0 * NR + c0, NR);
      }
#endif
      for (int c = c0; c < ncv; ++c) {
        const float* s = src[c] + k0;
        float* d = dst + k0 * NR + c;
        for (int kk = 0; kk < 8; ++kk) d[kk * NR] = s[kk];
      }
      for (int c = ncv; c < NR; ++c)
        for (int kk = 0; kk < 8; ++kk) dst[(k0 + kk) * NR + c] = 0.f;
    }
    for (; k0 < kc; ++k0) {
      for (int c = 0; c < ncv; ++c) dst[k0 * NR + c] = src[c][k0];
      for (int c = ncv; c < NR; ++c) dst[k0 * NR + c] = 0.f;
    }
  } else {
    for (long k = 0; k < kc; ++k) {
      float* d = dst + k * NR;
      const long o = k * step;
      for (int c = 0; c < ncv; ++c) d[c] = src[c][o];
      for (int c = ncv; c < NR; ++c) d[c] = 0.f;
    }
  }
}

// W-wide panels of a row-major X [K, ld]: columns [c0, c0+count), rows [k0, k0+kc), each panel
// kc×W with zero-padded columns. Both operands whose packed dimension is contiguous use it:
// op(B) = B (W = NR) and op(A) = Aᵀ (W = MR).
template <int W>
void pack_contiguous(const float* X, long ld, long k0, long kc, long c0, long count, float* dst) {
  for (long p = 0; p < count; p += W) {
    const int w = (int)lmin(W, count - p);
    float* d = dst + (p / W) * kc * W;
    const float* s = X + k0 * ld + c0 + p;
    if (w == W) {
      for (long k = 0; k < kc; ++k) __builtin_memcpy(d + k * W, s + k * ld, sizeof(float) * W);
    } else {
      for (long k = 0; k < kc; ++k) {
        for (int c = 0; c < w; ++c) d[k * W + c] = s[k * ld + c];
        for (int c = w; c < W; ++c) d[k * W + c] = 0.f;
      }
    }
  }
}

// Columns [n0, n0+nc) of op(B), k rows [k0, k0+kc), into ceil(nc/NR) panels.
void pack_b_block(int transB, const float* B, long ldb, long k0, long kc, long n0, long nc, float* dst) {
  if (!transB) {
    pack_contiguous<NR>(B, ldb, k0, kc, n0, nc, dst);
    return;
  }
  const float* src[NR];
  for (long p = 0; p < nc; p += NR) {
    const int ncv = (int)lmin(NR, nc - p);
    for (int c = 0; c < ncv; ++c) src[c] = B + (n0 + p + c) * ldb + k0;
    pack_panel(src, 1, kc, ncv, dst + (p / NR) * kc * NR);
  }
}

// One (KC × nc) block of packed B against rows [i0, i0+mc) of op(A) (k offset k0).
// RB: A's block is rounded to bf16 into bufA (packed for Aᵀ, row copies for A).
template <bool RB>
void macro_block(int transA, const float* A, long lda, long k0, long kc, long i0, long mc,
                 const float* pb, long nc, float alpha, float beta, float* C, long ldc, float* bufA) {
  if (transA) {
    pack_contiguous<MR>(A, lda, k0, kc, i0, mc, bufA); // rows [i0, i0+mc) of op(A) = Aᵀ
    if (RB) round_bf16(bufA, kc * ((mc + MR - 1) / MR) * MR);
    for (long jr = 0; jr < nc; jr += NR) {
      const int n = (int)lmin(NR, nc - jr);
      const float* bp = pb + (jr / NR) * kc * NR;
      for (long ir = 0; ir < mc; ir += MR) {
        const int m = (int)lmin(MR, mc - ir);
        ukernel<true>(kc, bufA + (ir / MR) * kc * MR, 0, bp, C + ir * ldc + jr, ldc, m, n, alpha, beta);
      }
    }
  } else {
    const float* a = A + i0 * lda + k0;
    long la = lda;
    if (RB) {  // mc ≤ MC rows of kc ≤ KC: fits bufA
      for (long r = 0; r < mc; ++r)
        for (long k = 0; k < kc; ++k) bufA[r * kc + k] = rb16(a[r * lda + k]);
      a = bufA;
      la = kc;
    }
    for (long jr = 0; jr < nc; jr += NR) {
      const int n = (int)lmin(NR, nc - jr);
      const float* bp = pb + (jr / NR) * kc * NR;
      for (long ir = 0; ir < mc; ir += MR) {
        const int m = (int)lmin(MR, mc - ir);
        ukernel<false>(kc, a + ir * la, la, bp, C + ir * ldc + jr, ldc, m, n, alpha, beta);
      }
    }
  }
}

size_t gemm_work_floats() { return (size_t)KC * NC + (size_t)KC * (MC + MR) + 64; }

template <bool RB>
void gemm_rect(const GemmArgs* g, long m0, long m1, long n0, long n1, float* work) {
  float* bufB = work;
  float* bufA = work + (size_t)KC * NC;
  for (long jc = n0; jc < n1; jc += NC) {
    const long nc = lmin(NC, n1 - jc);
    for (long pc = 0; pc < g->K; pc += KC) {
      const long kc = lmin(KC, g->K - pc);
      const float beff = pc == 0 ? g->beta : 1.f;
      pack_b_block(g->transB, g->B, g->ldb, pc, kc, jc, nc, bufB);
      if (RB) round_bf16(bufB, kc * ((nc + NR - 1) / NR) * NR);
      for (long ic = m0; ic < m1; ic += MC) {
        const long mc = lmin(MC, m1 - ic);
        macro_block<RB>(g->transA, g->A, g->lda, pc, kc, ic, mc, bufB, nc, g->alpha, beff,
                    g->C + ic * g->ldc + jc, g->ldc, bufA);
      }
    }
  }
}

size_t packed_b_floats(long K, long ncols) { return (size_t)K * (size_t)((ncols + NR - 1) / NR) * NR; }

template <bool RB>
void pack_b(int transB, const float* B, long ldb, long K, long ncols, const int32_t* colmap, float* dst) {
  const long npan = (ncols + NR - 1) / NR;
  const float* src[NR];
  for (long pc = 0; pc < K; pc += KC) {
    const long kc = lmin(KC, K - pc);
    float* blk = dst + pc * npan * NR;
    if (!colmap && !transB) {
      pack_contiguous<NR>(B, ldb, pc, kc, 0, ncols, blk);
      continue;
    }
    for (long p = 0; p < npan; ++p) {
      const int ncv = (int)lmin(NR, ncols - p * NR);
      for (int c = 0; c < ncv; ++c) {
        const long col = colmap ? colmap[p * NR + c] : p * NR + c;
        src[c] = transB ? B + col * ldb + pc : B + pc * ldb + col;
      }
      pack_panel(src, transB ? 1 : ldb, kc, ncv, blk + p * kc * NR);
    }
  }
  if (RB) round_bf16(dst, (long)packed_b_floats(K, ncols));
}

template <bool RB>
void gemm_packed(int transA, long M, long ncols, long K, float alpha, const float* A, long lda,
                 const float* pb, float beta, float* C, long ldc, float* work) {
  const long npan = (ncols + NR - 1) / NR;
  if (K == 0) {
    for (long i = 0; i < M; ++i)
      for (long j = 0; j < ncols; ++j) C[i * ldc + j] = beta == 0.f ? 0.f : beta * C[i * ldc + j];
    return;
  }
  float* bufA = work + (size_t)KC * NC;
  for (long pc = 0; pc < K; pc += KC) {
    const long kc = lmin(KC, K - pc);
    const float beff = pc == 0 ? beta : 1.f;
    const float* blk = pb + pc * npan * NR;
    for (long ic = 0; ic < M; ic += MC) {
      const long mc = lmin(MC, M - ic);
      macro_block<RB>(transA, A, lda, pc, kc, ic, mc, blk, ncols, alpha, beff, C + ic * ldc, ldc, bufA);
    }
  }
}

// Small-M products without packing (M ≤ 4: a token at a time, batch-1 generation), where
// packing B would cost more than the product itself. Both keep, per element, an order fixed
// by K alone, so splitting the columns over threads does not change results.
inline float store_ab(float r, float alpha, float beta, float c) {
  return beta == 0.f ? alpha * r : alpha * r + beta * c;
}

// C[m, n] = alpha·Σ_k A[m, k]·W[n, k] + beta·C[m, n]: A rows contiguous (lda), W rows
// contiguous (ldw). Each element is an L-lane dot product (L = 64 / rows, ≥ 16, so there are
// enough independent add chains), folded by a fixed pairwise tree: the order depends on K
// and on M (how rows are grouped by 4), never on the columns a thread owns.
template <int R, int L, bool RB>
void dot_rows(long N, long K, const float* const* a, const float* W, long ldw, float alpha, float beta, float* C,
              long ldc) {
  for (long n = 0; n < N; ++n) {
    const float* __restrict w = W + n * ldw;
    float s[R][L];
    for (int r = 0; r < R; ++r)
      for (int l = 0; l < L; ++l) s[r][l] = 0.f;
    long k = 0;
    for (; k + L <= K; k += L)
      for (int l = 0; l < L; ++l) {
        const float wv = rbx<RB>(w[k + l]);
        for (int r = 0; r < R; ++r) s[r][l] += rbx<RB>(a[r][k + l]) * wv;
      }
    for (long kk = k; kk < K; ++kk)
      for (int r = 0; r < R; ++r) s[r][kk - k] += rbx<RB>(a[r][kk]) * rbx<RB>(w[kk]);
    for (int r = 0; r < R; ++r) {
      for (int wd = L / 2; wd >= 1; wd /= 2)
        for (int l = 0; l < wd; ++l) s[r][l] += s[r][l + wd];
      C[r * ldc + n] = store_ab(s[r][0], alpha, beta, C[r * ldc + n]);
    }
  }
}
template <bool RB>
void dot_nt(long M, long N, long K, float alpha, const float* A, long lda, const float* W, long ldw, float beta,
            float* C, long ldc) {
  for (long m0 = 0; m0 < M; m0 += 4) {
    const long mr = lmin(4, M - m0);
    const float* a[4] = {A + m0 * lda, A + (m0 + 1) * lda, A + (m0 + 2) * lda, A + (m0 + 3) * lda};
    float* c = C + m0 * ldc;
    if (mr == 4) dot_rows<4, 16, RB>(N, K, a, W, ldw, alpha, beta, c, ldc);
    else if (mr == 3) dot_rows<3, 16, RB>(N, K, a, W, ldw, alpha, beta, c, ldc);
    else if (mr == 2) dot_rows<2, 32, RB>(N, K, a, W, ldw, alpha, beta, c, ldc);
    else dot_rows<1, 64, RB>(N, K, a, W, ldw, alpha, beta, c, ldc);
  }
}

// C[m, n0:n1] = alpha·Σ_k A(m, k)·B[k, n] + beta·C for m < M ≤ 4, B row-major (ldb);
// A(m, k) = A[m·rsA + k·csA]. Rows of B are streamed once per 4 rows of A, in column blocks.
template <int R, bool RB>
void axpy_rows(long n0, long n1, long K, const float* A, long rsA, long csA, const float* B, long ldb, float alpha,
               float beta, float* C, long ldc) {
  constexpr long NB = 512;
  float acc[R][NB];
  for (long j0 = n0; j0 < n1; j0 += NB) {
    const long nb = lmin(NB, n1 - j0);
    for (int r = 0; r < R; ++r)
      for (long j = 0; j < nb; ++j) acc[r][j] = 0.f;
    for (long k = 0; k < K; ++k) {
      const float* __restrict b = B + k * ldb + j0;
      for (int r = 0; r < R; ++r) {
        const float av = rbx<RB>(A[r * rsA + k * csA]);
        float* __restrict ar = acc[r];
        for (long j = 0; j < nb; ++j) ar[j] += av * rbx<RB>(b[j]);
      }
    }
    for (int r = 0; r < R; ++r) {
      float* __restrict c = C + r * ldc + j0;
      for (long j = 0; j < nb; ++j) c[j] = store_ab(acc[r][j], alpha, beta, c[j]);
    }
  }
}
template <bool RB>
void gemv_n(long M, long n0, long n1, long K, float alpha, const float* A, long rsA, long csA, const float* B,
            long ldb, float beta, float* C, long ldc) {
  for (long m0 = 0; m0 < M; m0 += 4) {
    const long mr = lmin(4, M - m0);
    const float* a = A + m0 * rsA;
    float* c = C + m0 * ldc;
    if (mr == 4) axpy_rows<4, RB>(n0, n1, K, a, rsA, csA, B, ldb, alpha, beta, c, ldc);
    else if (mr == 3) axpy_rows<3, RB>(n0, n1, K, a, rsA, csA, B, ldb, alpha, beta, c, ldc);
    else if (mr == 2) axpy_rows<2, RB>(n0, n1, K, a, rsA, csA, B, ldb, alpha, beta, c, ldc);
    else axpy_rows<1, RB>(n0, n1, K, a, rsA, csA, B, ldb, alpha, beta, c, ldc);
  }
}

// ---------------------------------------------------------------------------------------
// Activations. tanh: Eigen's float rational approximation (odd 13th / even 6th degree),
// input clamped to ±7.9053 (where it reaches ±1 in float), identity below 4e-4;
// max abs error ≈ 3e-7 vs tanh. sigmoid(x) = ½·tanh(x/2) + ½. Branch-free (selects), so the
// loops around them vectorise. NaN propagates (all comparisons false).
inline float tanh_r(float x) {
  const float lim = 7.90531110763549805f;
  float xc = x > lim ? lim : x;
  xc = xc < -lim ? -lim : xc;
  const float x2 = xc * xc;
  float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * xc;
  float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  const float r = p / q;
  const bool tiny = x < 0.0004f && x > -0.0004f;
  return tiny ? x : r;
}
inline float sigm_r(float x) { return 0.5f * tanh_r(0.5f * x) + 0.5f; }

// exp for x ≤ ~88 (Cephes expf: Cody-Waite reduction, degree-6 polynomial, ≈ 1 ulp);
// exactly 0 below −87.33 (where float exp underflows to denormals anyway).
inline float exp_r(float x) {
  const float hi = 88.3762626647949f, lo = -87.3365478515625f;
  float xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  // round(x·log2 e) with the 1.5·2²³ trick (exact without -ffast-math)
  const float t = xc * 1.44269504088896341f + 12582912.f;
  const float n = t - 12582912.f;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * (r * r) + r + 1.f;
  const int32_t e = ((int32_t)n + 127) << 23;
  float s;
  __builtin_memcpy(&s, &e, 4);
  const float y = p * s;
  return x < lo ? 0.f : y;
}

// ---------------------------------------------------------------------------------------
// Recurrent cells (one batch row, nu units). Two loop versions where an optional output
// would otherwise sit inside the loop.

template <bool CACHE>
void lstm_fwd_t(long nu, long H, const float* __restrict pre, long ps, const float* __restrict xw,
                const float* __restrict bhh, float* __restrict c, float* __restrict h, float* __restrict cache) {
  for (long j = 0; j < nu; ++j) {
    const float i = sigm_r(xw[j] + bhh[j] + pre[j]);
    const float f = sigm_r(xw[H + j] + bhh[H + j] + pre[ps + j]);
    const float g = tanh_r(xw[2 * H + j] + bhh[2 * H + j] + pre[2 * ps + j]);
    const float o = sigm_r(xw[3 * H + j] + bhh[3 * H + j] + pre[3 * ps + j]);
    const float cn = f * c[j] + i * g;
    c[j] = cn;
    h[j] = o * tanh_r(cn);
    if (CACHE) {
      cache[j] = i;
      cache[H + j] = f;
      cache[2 * H + j] = g;
      cache[3 * H + j] = o;
      cache[4 * H + j] = cn;
    }
  }
}
void lstm_fwd(long nu, long H, const float* pre, long ps, const float* xw, const float* bhh, float* c, float* h,
              float* cache) {
  if (cache) lstm_fwd_t<true>(nu, H, pre, ps, xw, bhh, c, h, cache);
  else lstm_fwd_t<false>(nu, H, pre, ps, xw, bhh, c, h, nullptr);
}

template <bool CACHE>
void gru_fwd_t(long nu, long H, const float* __restrict pre, long ps, const float* __restrict xw,
               const float* __restrict bhh, const float* hprev, float* h, float* __restrict cache) {
  for (long j = 0; j < nu; ++j) {
    const float r = sigm_r(xw[j] + (bhh[j] + pre[j]));
    const float z = sigm_r(xw[H + j] + (bhh[H + j] + pre[ps + j]));
    const float hn = bhh[2 * H + j] + pre[2 * ps + j];
    const float n = tanh_r(xw[2 * H + j] + r * hn);
    h[j] = (1.f - z) * n + z * hprev[j];
    if (CACHE) {
      cache[j] = r;
      cache[H + j] = z;
      cache[2 * H + j] = n;
      cache[3 * H + j] = hn;
    }
  }
}
void gru_fwd(long nu, long H, const float* pre, long ps, const float* xw, const float* bhh, const float* hprev,
             float* h, float* cache) {
  if (cache) gru_fwd_t<true>(nu, H, pre, ps, xw, bhh, hprev, h, cache);
  else gru_fwd_t<false>(nu, H, pre, ps, xw, bhh, hprev, h, nullptr);
}

void rnn_fwd(long nu, int relu, const float* __restrict pre, const float* __restrict xw,
             const float* __restrict bhh, float* __restrict h) {
  if (relu) {
    for (long j = 0; j < nu; ++j) {
      const float v = xw[j] + bhh[j] + pre[j];
      h[j] = v > 0.f ? v : 0.f;
    }
  } else {
    for (long j = 0; j < nu; ++j) h[j] = tanh_r(xw[j] + bhh[j] + pre[j]);
  }
}

template <bool CP>
void lstm_bwd_t(long nu, long H, const float* __restrict cache, const float* __restrict cprev,
                const float* __restrict dhs, const float* __restrict dhnext, float* __restrict dcnext,
                float* __restrict dxw) {
  for (long j = 0; j < nu; ++j) {
    const float i = cache[j], f = cache[H + j], g = cache[2 * H + j], o = cache[3 * H + j];
    const float c = cache[4 * H + j];
    const float cp = CP ? cprev[j] : 0.f;
    const float tc = tanh_r(c);
    const float dh = dhs[j] + dhnext[j];
    const float dc = dcnext[j] + dh * o * (1.f - tc * tc);
    dxw[j] = dc * g * i * (1.f - i);
    dxw[H + j] = dc * cp * f * (1.f - f);
    dxw[2 * H + j] = dc * i * (1.f - g * g);
    dxw[3 * H + j] = dh * tc * o * (1.f - o);
    dcnext[j] = dc * f;
  }
}
void lstm_bwd(long nu, long H, const float* cache, const float* cprev, const float* dhs, const float* dhnext,
              float* dcnext, float* dxw) {
  if (cprev) lstm_bwd_t<true>(nu, H, cache, cprev, dhs, dhnext, dcnext, dxw);
  else lstm_bwd_t<false>(nu, H, cache, nullptr, dhs, dhnext, dcnext, dxw);
}

void gru_bwd(long nu, long H, const float* __restrict cache, const float* __restrict hprev,
             const float* __restrict dhs, const float* __restrict dhnext, float* __restrict dxw,
             float* dhw, float* __restrict dhdirect) {
  if (dhw == dxw) {  // allowed by the interface only for LSTM/RNN, but stay well-defined
    for (long j = 0; j < nu; ++j) {
      const float r = cache[j], z = cache[H + j], n = cache[2 * H + j], hn = cache[3 * H + j];
      const float dh = dhs[j] + dhnext[j];
      const float dnPre = dh * (1.f - z) * (1.f - n * n);
      dxw[j] = dnPre * hn * r * (1.f - r);
      dxw[H + j] = dh * (hprev[j] - n) * z * (1.f - z);
      dxw[2 * H + j] = dnPre * r;
      dhdirect[j] = dh * z;
    }
    return;
  }
  float* __restrict dw = dhw;
  for (long j = 0; j < nu; ++j) {
    const float r = cache[j], z = cache[H + j], n = cache[2 * H + j], hn = cache[3 * H + j];
    const float hp = hprev[j];
    const float dh = dhs[j] + dhnext[j];
    const float dnPre = dh * (1.f - z) * (1.f - n * n);
    const float drPre = dnPre * hn * r * (1.f - r);
    const float dzPre = dh * (hp - n) * z * (1.f - z);
    dxw[j] = drPre;
    dxw[H + j] = dzPre;
    dxw[2 * H + j] = dnPre;
    dw[j] = drPre;
    dw[H + j] = dzPre;
    dw[2 * H + j] = dnPre * r;
    dhdirect[j] = dh * z;
  }
}

void rnn_bwd(long nu, int relu, const float* __restrict h, const float* __restrict dhs,
             const float* __restrict dhnext, float* __restrict dxw) {
  if (relu) {
    for (long j = 0; j < nu; ++j) {
      const float dh = dhs[j] + dhnext[j];
      dxw[j] = h[j] > 0.f ? dh : 0.f;
    }
  } else {
    for (long j = 0; j < nu; ++j) {
      const float dh = dhs[j] + dhnext[j];
      dxw[j] = dh * (1.f - h[j] * h[j]);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Softmax family. Row reductions use 16 independent lanes (one zmm, two ymm, four xmm) that
// the vectoriser maps onto registers; lanes are combined in a fixed order.
constexpr int LANES = 16;

float row_max(const float* __restrict x, long V) {
  float m[LANES];
  for (int l = 0; l < LANES; ++l) m[l] = -__builtin_inff();
  long j = 0;
  for (; j + LANES <= V; j += LANES)
    for (int l = 0; l < LANES; ++l) m[l] = x[j + l] > m[l] ? x[j + l] : m[l];
  float mx = -__builtin_inff();
  for (int l = 0; l < LANES; ++l) mx = m[l] > mx ? m[l] : mx;
  for (; j < V; ++j) mx = x[j] > mx ? x[j] : mx;
  return mx;
}

// Σ exp((x − mx)·s), optionally storing the terms.
template <bool STORE>
double row_expsum(const float* __restrict x, float* __restrict out, long V, float mx, float s) {
  float acc[LANES];
  for (int l = 0; l < LANES; ++l) acc[l] = 0.f;
  long j = 0;
  for (; j + LANES <= V; j += LANES) {
    for (int l = 0; l < LANES; ++l) {
      const float e = exp_r((x[j + l] - mx) * s);
      if (STORE) out[j + l] = e;
      acc[l] += e;
    }
  }
  double sum = 0;
  for (int l = 0; l < LANES; ++l) sum += acc[l];
  for (; j < V; ++j) {
    const float e = exp_r((x[j] - mx) * s);
    if (STORE) out[j] = e;
    sum += e;
  }
  return sum;
}

double ce_row(const float* logits, long V, long y, float* dl, float gradScale) {
  const float mx = row_max(logits, V);
  const double sum = row_expsum<false>(logits, nullptr, V, mx, 1.f);
  const double logZ = (double)mx + __builtin_log(sum);
  const double loss = logZ - (double)logits[y];
  if (dl) {
    const float k = (float)((double)gradScale / sum);
    // dl may alias logits: element j is read before it is written, in the same iteration.
    long j = 0;
    for (; j + LANES <= V; j += LANES) {
      float t[LANES];
      for (int l = 0; l < LANES; ++l) t[l] = exp_r(logits[j + l] - mx) * k;
      for (int l = 0; l < LANES; ++l) dl[j + l] = t[l];
    }
    for (; j < V; ++j) dl[j] = exp_r(logits[j] - mx) * k;
    dl[y] -= gradScale;
  }
  return loss;
}

// ---------------------------------------------------------------------------------------
// Elementwise.

inline uint32_t dropout_hash(uint32_t seed, uint32_t i) {  // src/util/rng.ts dropoutHash, bit-exact
  uint32_t x = seed ^ (i * 0x9e3779b9u);
  x ^= x >> 16;
  x *= 0x21f0aaadu;
  x ^= x >> 15;
  x *= 0x735a2d97u;
  x ^= x >> 15;
  return x;
}

// Kept iff hash ≥ threshold (threshold = ceil(p·2³²), 2³² = drop all); y = x·scale in float64.
// The select is done on bits (and-mask) so the loop vectorises; y may equal x.
inline float keep_or_zero(float v, uint32_t keep) {
  uint32_t b;
  __builtin_memcpy(&b, &v, 4);
  b &= keep;
  float r;
  __builtin_memcpy(&r, &b, 4);
  return r;
}
void dropout_inplace(float* y, long i0, long i1, uint32_t thr, double scale, uint32_t seed) {
  for (long i = i0; i < i1; ++i) {
    const float v = (float)((double)y[i] * scale);
    y[i] = keep_or_zero(v, dropout_hash(seed, (uint32_t)i) >= thr ? 0xffffffffu : 0u);
  }
}
void dropout(float* y, const float* x, long i0, long i1, uint64_t threshold, double scale, uint32_t seed) {
  if (threshold > 0xffffffffull) {
    for (long i = i0; i < i1; ++i) y[i] = 0.f;
    return;
  }
  const uint32_t thr = (uint32_t)threshold;
  if (y == x) {
    dropout_inplace(y, i0, i1, thr, scale, seed);
    return;
  }
  float* __restrict yr = y;
  const float* __restrict xr = x;
  for (long i = i0; i < i1; ++i) {
    const float v = (float)((double)xr[i] * scale);
    yr[i] = keep_or_zero(v, dropout_hash(seed, (uint32_t)i) >= thr ? 0xffffffffu : 0u);
  }
}

void adam(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, long n,
          const AdamParams* a) {
  const double b1 = a->beta1, b2 = a->beta2, c1 = 1 - a->beta1, c2 = 1 - a->beta2;
  const double ss = a->stepSize, bc2 = a->bc2Sqrt, eps = a->eps, wd = a->weightDecay;
  for (long i = 0; i < n; ++i) {
    const double gi = wd != 0 ? (double)g[i] + wd * (double)p[i] : (double)g[i];
    const float mi = (float)(b1 * (double)m[i] + c1 * gi);
    const float vi = (float)(b2 * (double)v[i] + c2 * gi * gi);
    m[i] = mi;
    v[i] = vi;
    p[i] = (float)((double)p[i] - (ss * (double)mi) / (__builtin_sqrt((double)vi) / bc2 + eps));
  }
}

void sgd(float* __restrict p, const float* __restrict g, float* __restrict buf, long n, double lr, double mom,
         double wd) {
  if (mom != 0 && buf) {
    for (long i = 0; i < n; ++i) {
      const double d = wd != 0 ? (double)g[i] + wd * (double)p[i] : (double)g[i];
      const float b = (float)(mom * (double)buf[i] + d);
      buf[i] = b;
      p[i] = (float)((double)p[i] - lr * (double)b);
    }
  } else {
    for (long i = 0; i < n; ++i) {
      const double d = wd != 0 ? (double)g[i] + wd * (double)p[i] : (double)g[i];
      p[i] = (float)((double)p[i] - lr * d);
    }
  }
}

void scale(float* x, long n, double alpha) {
  for (long i = 0; i < n; ++i) x[i] = (float)((double)x[i] * alpha);
}
double sumsq(const float* __restrict x, long n) {
  double acc[LANES];
  for (int l = 0; l < LANES; ++l) acc[l] = 0;
  long i = 0;
  for (; i + LANES <= n; i += LANES)
    for (int l = 0; l < LANES; ++l) acc[l] += (double)x[i + l] * (double)x[i + l];
  double s = 0;
  for (int l = 0; l < LANES; ++l) s += acc[l];
  for (; i < n; ++i) s += (double)x[i] * (double)x[i];
  return s;
}
void fill(float* x, long n, float v) {
  for (long i = 0; i < n; ++i) x[i] = v;
}
void add_rows(float* __restrict y, const float* __restrict b, long rows, long cols, long ldy) {
  for (long r = 0; r < rows; ++r) {
    float* __restrict yr = y + r * ldy;
    for (long c = 0; c < cols; ++c) yr[c] += b[c];
  }
}
void sum_rows(float* __restrict db, const float* __restrict dy, long rows, long cols, long ldy) {
  for (long r = 0; r < rows; ++r) {
    const float* __restrict yr = dy + r * ldy;
    for (long c = 0; c < cols; ++c) db[c] += yr[c];
  }
}
void add(float* __restrict y, const float* __restrict x, long n) {
  for (long i = 0; i < n; ++i) y[i] += x[i];
}

const KernelTable kTable = {
    RNNLAB_ISA_NAME, MR, NR, KC, MC, NC,
    gemm_work_floats, gemm_rect<false>, packed_b_floats, pack_b<false>, gemm_packed<false>, dot_nt<false>, gemv_n<false>,
    lstm_fwd, gru_fwd, rnn_fwd, lstm_bwd, gru_bwd, rnn_bwd,
    ce_row,
    dropout, adam, sgd, scale, sumsq, fill, add_rows, sum_rows, add,
    0,
};

const GemmKernels kBf16Emu = {
    "emulated", MR, NR, KC, MC, NC,
    gemm_work_floats, gemm_rect<true>, packed_b_floats, pack_b<true>, gemm_packed<true>, dot_nt<true>, gemv_n<true>,
};

}  // namespace

namespace rnnlab {
const KernelTable* RNNLAB_TABLE_FN() { return &kTable; }
const GemmKernels* RNNLAB_BF16EMU_FN() { return &kBf16Emu; }
}  // namespace rnnlab
