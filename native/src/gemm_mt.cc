// Threaded GEMM: splits C into items that never share an output element, each computed by
// the serial kernels of kernels.h in an order fixed by the shapes (KC blocking), so results
// are identical for any thread count. Small M (a few rows: sampling, a batch of one) takes
// an unpacked path bound by reading B once.
#include "gemm_mt.h"

#include "parallel.h"

namespace rnnlab {
namespace {

void scale_rows(const KernelTable* kt, float* C, long M, long N, long ldc, float beta, int threads) {
  for_ranges(threads, M, 1, (double)M * N, 65536, [&](long r0, long r1, int) {
    for (long r = r0; r < r1; ++r) {
      if (beta == 0.f) kt->fill(C + r * ldc, N, 0.f);
      else kt->scale(C + r * ldc, N, beta);
    }
  });
}

// M ≤ kSmallM: no packing; B is read once per call (it dominates: M·K ≪ K·N). Threads split
// the columns. op(B) = Bᵀ: dot products along K (rows of op(A) copied contiguous first when
// transA); op(B) = B: rows of B streamed into row accumulators.
constexpr long kSmallM = 4;
void gemm_small_m(const KernelTable* kt, const GemmArgs& g, int threads) {
  const float* A = g.A;
  long lda = g.lda;
  if (g.transB && g.transA) {  // op(A) rows are strided: gather them (M·K floats)
    float* at = (float*)t_arena[kReductionArena].get(sizeof(float) * g.M * g.K);
    for (long m = 0; m < g.M; ++m)
      for (long k = 0; k < g.K; ++k) at[m * g.K + k] = g.A[k * g.lda + m];
    A = at;
    lda = g.K;
  }
  const double work = 2.0 * g.M * g.N * g.K;
  if (g.transB) {
    for_ranges(threads, g.N, 16, work, 1.0e6, [&](long lo, long hi, int) {
      kt->dot_nt(g.M, hi - lo, g.K, g.alpha, A, lda, g.B + lo * g.ldb, g.ldb, g.beta, g.C + lo, g.ldc);
    });
  } else {
    const long rsA = g.transA ? 1 : g.lda, csA = g.transA ? g.lda : 1;
    for_ranges(threads, g.N, 64, work, 1.0e6, [&](long lo, long hi, int) {
      kt->gemv_n(g.M, lo, hi, g.K, g.alpha, g.A, rsA, csA, g.B, g.ldb, g.beta, g.C, g.ldc);
    });
  }
}

}  // namespace

void gemm_mt(const KernelTable* kt, const GemmArgs& g, int threads) {
  if (g.M <= 0 || g.N <= 0) return;
  if (g.K <= 0 || g.alpha == 0.f) {
    if (g.beta != 1.f) scale_rows(kt, g.C, g.M, g.N, g.ldc, g.beta, threads);
    return;
  }
  if (g.M <= kSmallM) {
    gemm_small_m(kt, g, threads);
    return;
  }
  const long tn = ceil_div(g.N, kt->nr), tm = ceil_div(g.M, kt->mr);
  int want = threads_for(threads, 2.0 * g.M * g.N * g.K, 2.0e6);
  want = (int)std::min<long>(want, std::max(tn, tm));
  Lease lease(want);
  const int nt = lease.nt;
  const size_t wf = kt->gemm_work_floats();
  if (nt == 1) {
    float* work = (float*)t_arena[kGemmArena].get(sizeof(float) * wf);
    kt->gemm_rect(&g, 0, g.M, 0, g.N, work);
    return;
  }
  // Items are groups of whole NR column panels (each item packs its own columns of B), or,
  // when there are too few panels, groups of MR row tiles against a B packed once up front.
  // A column item converts all of A (bf16): there, columns only when C is wider than tall.
  const bool byCols = kt->converts_a ? tn >= tm : tn >= nt || tn >= tm;
  const size_t pbf = byCols ? 0 : kt->packed_b_floats(g.K, g.N);
  float* work = (float*)t_arena[kGemmArena].get(sizeof(float) * (wf * nt + pbf + 16));
  float* pb = work + wf * nt;
  if (byCols) {
    const long per = std::max(1L, ceil_div(tn, 4L * nt)) * kt->nr;
    lease.run(ceil_div(g.N, per), [&](long i, int tid) {
      const long lo = i * per, hi = std::min(g.N, lo + per);
      kt->gemm_rect(&g, 0, g.M, lo, hi, work + wf * tid);
    });
  } else {
    kt->pack_b(g.transB, g.B, g.ldb, g.K, g.N, nullptr, pb);
    const long per = std::max(1L, ceil_div(tm, 4L * nt)) * kt->mr;
    lease.run(ceil_div(g.M, per), [&](long i, int tid) {
      const long lo = i * per, hi = std::min(g.M, lo + per);
      const float* A = g.transA ? g.A + lo : g.A + lo * g.lda;
      kt->gemm_packed(g.transA, hi - lo, g.N, g.K, g.alpha, A, g.lda, pb, g.beta, g.C + lo * g.ldc, g.ldc, work + wf * tid);
    });
  }
}

}  // namespace rnnlab
