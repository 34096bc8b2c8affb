// Recurrent layers, arranged as src/backend/js/recurrent-common.ts: xw = x·W_ihᵀ + b_ih
// precomputed by the caller; per step h_{t-1}·W_hhᵀ plus fused gate math; after the time loop
// dW_hh by two big Aᵀ·B GEMMs and db_hh by column sums.
//
// The hidden units are cut into chunks; chunk c owns its gate columns of
// h_{t-1}·W_hhᵀ (W_hh packed once per call, chunk by chunk), the gate math of its units and
// their c state. Each timestep is one parallel region over the chunks (the region's end is
// the step barrier: h_t complete before the next step's GEMM). Backward: item c of a region
// computes dh_{t+1→t}[:, c] = dgates_{t+1}·W_hh[:, c] and then the gate gradients of step t
// for chunk c, which need nothing but that slice. Chunk sizes are multiples of both
// NR/gcd(NR, gates) (a chunk's gate columns fill whole NR panels) and 16 (no false sharing).
#include "recurrent_mt.h"

#include <cstring>

#include "gemm_mt.h"
#include "parallel.h"

namespace rnnlab {
namespace {

using op::kGru;
using op::kLstm;
using op::kRnnRelu;

inline long gate_count(int cell) { return cell == kLstm ? 4 : cell == kGru ? 3 : 1; }

struct Chunks {
  int nt;
  long cu, n;  // units per chunk, number of chunks
};
Chunks recurrent_chunks(const KernelTable* kt, long H, long ng, int granted) {
  if (granted <= 1) return {1, H, 1};
  long g = kt->nr, a = ng;
  while (a) {  // gcd(NR, ng)
    const long t = g % a;
    g = a;
    a = t;
  }
  // Whole NR panels per chunk, and whole 64-byte lines (16 floats) of every row a chunk
  // writes (hs, cache, c state): chunks on different cores must not share cache lines.
  long base = kt->nr / g;
  while (base % 16) base += kt->nr / g;
  const long cu = std::max(round_up(32, base), round_up(ceil_div(H, 4L * granted), base));
  return {granted, cu, ceil_div(H, cu)};
}
int recurrent_threads(int threads, long B, long G, long H) {
  // ≥ 1 MFLOP per thread and step, ≥ 16 units per thread.
  int nt = threads_for(threads, 2.0 * B * G * H, 1.0e6);
  return (int)std::max<long>(1, std::min<long>(nt, H / 16));
}

}  // namespace

void recurrent_forward(const KernelTable* kt, const op::RecurrentForward& a, int threads) {
  const long T = a.T, B = a.B, H = a.H, ng = gate_count(a.cell), G = ng * H;
  const bool lstm = a.cell == kLstm, gru = a.cell == kGru;
  if (H == 0 || B == 0) return;
  Lease lease(recurrent_threads(threads, B, G, H));
  const Chunks ch = recurrent_chunks(kt, H, ng, lease.nt);
  const long cw = lstm ? 5 * H : 4 * H;  // cache row width
  const long ncMax = ng * ch.cu;

  // Packing W_hh costs about as much as T·B ≈ 30 rows of products with it: for shorter work
  // (token-by-token generation) multiply with the unpacked rows instead.
  const bool direct = T * B <= 32;
  Layout L;
  const size_t pbStride = direct ? 0 : kt->packed_b_floats(H, ncMax);
  const size_t oPb = L.add(sizeof(float) * pbStride * ch.n);
  const size_t oPre = L.add(sizeof(float) * B * ncMax * ch.n);
  const size_t oMap = L.add(sizeof(int32_t) * ncMax * ch.n);
  const size_t oWork = L.add(sizeof(float) * kt->gemm_work_floats() * ch.nt);
  const size_t oC = lstm ? L.add(sizeof(float) * B * H) : 0;
  L.commit(t_arena[kRecurrentArena]);
  float* cstate = lstm ? L.at<float>(oC) : nullptr;
  if (lstm) {
    if (a.c0) std::memcpy(cstate, a.c0, sizeof(float) * B * H);
    else std::memset(cstate, 0, sizeof(float) * B * H);
  }

  for (long t = 0; t < T; ++t) {
    const float* hprev = t == 0 ? a.h0 : a.hs + (t - 1) * B * H;
    lease.run(ch.n, [&](long c, int tid) {
      const long u0 = c * ch.cu, n = std::min(ch.cu, H - u0), nc = ng * n;
      float* pb = L.at<float>(oPb) + pbStride * c;
      float* pre = L.at<float>(oPre) + B * ncMax * c;
      if (direct) {  // a few rows: dot products straight from W_hh, no packing
        for (long g = 0; g < ng; ++g)
          kt->dot_nt(B, n, H, 1.f, hprev, H, a.whh + (g * H + u0) * H, H, 0.f, pre + g * n, nc);
      } else {
        if (t == 0) {  // pack this chunk's gate rows of W_hh (columns of op(B) = W_hhᵀ)
          int32_t* map = L.at<int32_t>(oMap) + ncMax * c;
          for (long g = 0; g < ng; ++g)
            for (long j = 0; j < n; ++j) map[g * n + j] = (int32_t)(g * H + u0 + j);
          kt->pack_b(1, a.whh, H, H, nc, map, pb);
        }
        float* work = L.at<float>(oWork) + kt->gemm_work_floats() * tid;
        kt->gemm_packed(0, B, nc, H, 1.f, hprev, H, pb, 0.f, pre, nc, work);
      }
      for (long b = 0; b < B; ++b) {
        const long row = t * B + b;
        const float* xw = a.xw + row * G + u0;
        float* h = a.hs + row * H + u0;
        const float* p = pre + b * nc;
        if (lstm) {
          kt->lstm_fwd(n, H, p, n, xw, a.bhh + u0, cstate + b * H + u0, h, a.cache ? a.cache + row * cw + u0 : nullptr);
        } else if (gru) {
          kt->gru_fwd(n, H, p, n, xw, a.bhh + u0, hprev + b * H + u0, h, a.cache ? a.cache + row * cw + u0 : nullptr);
        } else {
          kt->rnn_fwd(n, a.cell == kRnnRelu, p, xw, a.bhh + u0, h);
        }
      }
    });
  }
  if (lstm && a.cT) std::memcpy(a.cT, cstate, sizeof(float) * B * H);
}


void recurrent_backward(const KernelTable* kt, const op::RecurrentBackward& a, int threads) {
  const long T = a.T, B = a.B, H = a.H, ng = gate_count(a.cell), G = ng * H;
  const bool lstm = a.cell == kLstm, gru = a.cell == kGru;
  const long cw = lstm ? 5 * H : 4 * H;
  float* dproj = gru ? a.dhw : a.dxw;  // gradient w.r.t. h_{t-1}·W_hhᵀ + b_hh
  if (H > 0 && B > 0) {
    Lease lease(recurrent_threads(threads, B, G, H));
    const Chunks ch = recurrent_chunks(kt, H, 1, lease.nt);
    Layout L;
    const size_t pbStride = kt->packed_b_floats(G, ch.cu);
    const size_t oPb = L.add(sizeof(float) * pbStride * ch.n);
    const size_t oWork = L.add(sizeof(float) * kt->gemm_work_floats() * ch.nt);
    const size_t oDh = L.add(sizeof(float) * B * H);
    const size_t oDc = lstm ? L.add(sizeof(float) * B * H) : 0;
    const size_t oDd = gru ? L.add(sizeof(float) * B * H) : 0;
    L.commit(t_arena[kRecurrentArena]);
    float* dhNext = L.at<float>(oDh);
    float* dcNext = lstm ? L.at<float>(oDc) : nullptr;
    float* dhDirect = gru ? L.at<float>(oDd) : nullptr;
    std::memset(dhNext, 0, sizeof(float) * B * H);
    if (lstm) std::memset(dcNext, 0, sizeof(float) * B * H);

    // Region r = T .. 0, item c: for r < T, dh reaching h_r: dhNext[:, c] = dproj_{r+1}·W_hh[:, c]
    // (+ z·dh for GRU); then for r > 0 the gate gradients of step r − 1 for chunk c; at r = 0
    // the gradients w.r.t. h0/c0.
    for (long r = T; r >= 0; --r) {
      lease.run(ch.n, [&](long c, int tid) {
        const long u0 = c * ch.cu, n = std::min(ch.cu, H - u0);
        float* pb = L.at<float>(oPb) + pbStride * c;
        if (r == T) kt->pack_b(0, a.whh + u0, H, G, n, nullptr, pb);  // op(B) = W_hh[:, u0:u0+n]
        if (r < T) {  // gradient reaching h_r from step r+1 (h_{t} for t = r)
          float* work = L.at<float>(oWork) + kt->gemm_work_floats() * tid;
          kt->gemm_packed(0, B, n, G, 1.f, dproj + r * B * G, G, pb, 0.f, dhNext + u0, H, work);
          if (gru)
            for (long b = 0; b < B; ++b) kt->add(dhNext + b * H + u0, dhDirect + b * H + u0, n);
        }
        if (r == 0) {
          for (long b = 0; b < B; ++b) {
            if (a.dh0) std::memcpy(a.dh0 + b * H + u0, dhNext + b * H + u0, sizeof(float) * n);
            if (lstm && a.dc0) std::memcpy(a.dc0 + b * H + u0, dcNext + b * H + u0, sizeof(float) * n);
          }
          return;
        }
        const long t = r - 1;  // gate gradients of step t
        for (long b = 0; b < B; ++b) {
          const long row = t * B + b;
          const float* dhs = a.dhs + row * H + u0;
          const float* dhn = dhNext + b * H + u0;
          if (lstm) {
            const float* cprev = t > 0 ? a.cache + (row - B) * cw + 4 * H + u0 : a.c0 ? a.c0 + b * H + u0 : nullptr;
            kt->lstm_bwd(n, H, a.cache + row * cw + u0, cprev, dhs, dhn, dcNext + b * H + u0, a.dxw + row * G + u0);
          } else if (gru) {
            const float* hprev = t > 0 ? a.hs + (row - B) * H + u0 : a.h0 + b * H + u0;
            kt->gru_bwd(n, H, a.cache + row * cw + u0, hprev, dhs, dhn, a.dxw + row * G + u0, a.dhw + row * G + u0,
                        dhDirect + b * H + u0);
          } else {
            kt->rnn_bwd(n, a.cell == kRnnRelu, a.hs + row * H + u0, dhs, dhn, a.dxw + row * G + u0);
          }
        }
      });
    }
  } else {
    if (a.dh0) std::memset(a.dh0, 0, sizeof(float) * B * H);
    if (lstm && a.dc0) std::memset(a.dc0, 0, sizeof(float) * B * H);
  }
  if (T == 0) return;  // no step, no gradient (and no dproj block to read)
  // dW_hh += Σ_t dprojᵀ_t·h_{t-1}: h0 block, then hs[0..T-2] in one GEMM (as the reference).
  GemmArgs g{1, 0, G, H, B, 1.f, 1.f, dproj, G, a.h0, H, a.dwhh, H};
  gemm_mt(kt, g, threads);
  if (T > 1) {
    GemmArgs g2{1, 0, G, H, (T - 1) * B, 1.f, 1.f, dproj + B * G, G, a.hs, H, a.dwhh, H};
    gemm_mt(kt, g2, threads);
  }
  // db_hh += Σ rows of dproj, split over columns (each column's rows summed in order).
  const long rows = T * B;
  for_ranges(threads, G, 16, (double)rows * G, 65536,
             [&](long lo, long hi, int) { kt->sum_rows(a.dbhh + lo, dproj + lo, rows, hi - lo, G); });
}

}  // namespace rnnlab
