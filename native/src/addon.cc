// rnnlab native backend: N-API entry points, run-time ISA dispatch, threading.
//
// Calling convention. Tensors are plain ArrayBuffers allocated in JS (64-byte aligned views;
// V8 never moves an ArrayBuffer's backing store), and a tensor's `ptr` is the address of its
// element 0, obtained once at allocation with addressOf(). An op call passes no JS values at
// all: the JS side writes the op's arguments (addresses, sizes, scalars) into one Float64Array
// registered once with setArgs() (which returns a slot number), then calls e.g. gemm(slot).
// That costs one N-API call (~50 ns) with one small-integer argument instead of ~0.15 µs per
// typed-array unwrap. Addresses are < 2^53, exact in a double.
//
// args[0] = ISA (0 scalar, 1 avx2, 2 avx512), args[1] = threads; op arguments from args[2].
// The layouts are listed next to each op below and mirrored in src/backend/native/index.ts.
//
// Determinism: every output element is computed by exactly one thread, with a summation
// order that depends only on the shapes (fixed KC blocking in the GEMMs, fixed chunking of
// reductions), so results are identical for any thread count.
#include <napi.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace rnnlab {
namespace {

// ---------------------------------------------------------------------------------------
// ISA selection

enum Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
const char* const kIsaNames[] = {"scalar", "avx2", "avx512"};

int detect_best() {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();  // libgcc also checks that the OS saves the ymm/zmm state (XGETBV)
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2 && __builtin_cpu_supports("avx512f")) return kAvx512;  // that TU is built -mavx512f -mavx2 -mfma
  if (avx2) return kAvx2;
#endif
  return kScalar;
}
const int g_best = detect_best();

const KernelTable* table_for(int isa) {
  if (isa > g_best) isa = g_best;
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == kAvx512) return kernels_avx512();
  if (isa == kAvx2) return kernels_avx2();
#endif
  return kernels_scalar();
}

// Default ISA: the best the CPU has, lowered by RNNLAB_NATIVE_SIMD=avx2|scalar (a request
// above what the CPU supports falls back to the best available).
int default_isa() {
  const char* e = std::getenv("RNNLAB_NATIVE_SIMD");
  if (!e || !*e) return g_best;
  std::string s(e);
  for (auto& ch : s) ch = (char)std::tolower((unsigned char)ch);
  int want = g_best;
  if (s == "scalar" || s == "none" || s == "generic") want = kScalar;
  else if (s == "avx2") want = kAvx2;
  else if (s == "avx512" || s == "avx-512") want = kAvx512;
  return std::min(want, g_best);
}

// ---------------------------------------------------------------------------------------
// Scratch: grow-only 64-byte aligned buffers owned by the calling thread. Workers of a
// parallel region use slices of the caller's scratch, so allocation (and its failure)
// happens before the region starts, on the JS thread.

struct Arena {
  void* p = nullptr;
  size_t cap = 0;  // bytes
  ~Arena() { std::free(p); }
  void* get(size_t bytes) {
    if (bytes > cap) {
      size_t want = std::max(bytes, cap + cap / 2);
      want = (want + 4095) & ~(size_t)4095;
      void* q = std::aligned_alloc(64, want);
      if (!q) throw std::bad_alloc();
      std::free(p);
      p = q;
      cap = want;
    }
    return p;
  }
};
thread_local Arena t_arena[3];  // 0: GEMM packing, 1: recurrent layers, 2: reductions

// Bump layout inside one arena: add() sizes first, then commit() and take pointers.
class Layout {
 public:
  size_t add(size_t bytes) {
    const size_t off = total_;
    total_ += (bytes + 63) & ~(size_t)63;
    return off;
  }
  char* commit(Arena& a) { return base_ = (char*)a.get(total_ ? total_ : 64); }
  template <class T>
  T* at(size_t off) const { return (T*)(base_ + off); }

 private:
  size_t total_ = 0;
  char* base_ = nullptr;
};

// Threads worth using for `work` units when a thread should get at least `minPerThread`.
inline int threads_for(int threads, double work, double minPerThread) {
  if (threads <= 1) return 1;
  const double k = work / minPerThread;
  if (k < 2) return 1;
  return (int)std::min<double>(threads, std::floor(k));
}

inline long ceil_div(long a, long b) { return (a + b - 1) / b; }
inline long round_up(long a, long b) { return ceil_div(a, b) * b; }

// Runs f(lo, hi, tid) over [0, n) in pieces aligned to `align`: one piece when a single thread
// is used, else about 4 pieces per thread, claimed dynamically. `work` is the total cost in
// the unit of `minPerThread`. Pieces never change results (callers only split independent work).
template <class F>
void for_ranges(int threads, long n, long align, double work, double minPerThread, F f) {
  if (n <= 0) return;
  Lease lease(threads_for(threads, work, minPerThread));
  const long chunk = lease.nt <= 1 ? n : std::max(align, round_up(ceil_div(n, 4L * lease.nt), align));
  const long items = ceil_div(n, chunk);
  lease.run(items, [&](long i, int tid) { f(i * chunk, std::min(n, (i + 1) * chunk), tid); });
}

// ---------------------------------------------------------------------------------------
// GEMM

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
    float* at = (float*)t_arena[2].get(sizeof(float) * g.M * g.K);
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
    float* work = (float*)t_arena[0].get(sizeof(float) * wf);
    kt->gemm_rect(&g, 0, g.M, 0, g.N, work);
    return;
  }
  // Items are groups of whole NR column panels (each item packs its own columns of B), or,
  // when there are too few panels, groups of MR row tiles against a B packed once up front.
  const bool byCols = tn >= nt || tn >= tm;
  const size_t pbf = byCols ? 0 : kt->packed_b_floats(g.K, g.N);
  float* work = (float*)t_arena[0].get(sizeof(float) * (wf * nt + pbf + 16));
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

// ---------------------------------------------------------------------------------------
// Recurrent layers. The hidden units are cut into chunks; chunk c owns its gate columns of
// h_{t-1}·W_hhᵀ (W_hh packed once per call, chunk by chunk), the gate math of its units and
// their c state. Each timestep is one parallel region over the chunks (the region's end is
// the step barrier: h_t complete before the next step's GEMM). Backward: item c of a region
// computes dh_{t+1→t}[:, c] = dgates_{t+1}·W_hh[:, c] and then the gate gradients of step t
// for chunk c, which need nothing but that slice. Chunk sizes are multiples of both
// NR/gcd(NR, gates) (a chunk's gate columns fill whole NR panels) and 16 (no false sharing).

enum Cell { kLstm = 0, kGru = 1, kRnnTanh = 2, kRnnRelu = 3 };
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

struct RecFwd {
  int cell;
  long T, B, H;
  const float *xw, *whh, *bhh, *h0, *c0;
  float *hs, *cache, *cT;
};

void recurrent_forward(const KernelTable* kt, const RecFwd& a, int threads) {
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
  L.commit(t_arena[1]);
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

struct RecBwd {
  int cell;
  long T, B, H;
  const float *whh, *h0, *c0, *hs, *cache, *dhs;
  float *dxw, *dwhh, *dbhh, *dhw, *dh0, *dc0;
};

void recurrent_backward(const KernelTable* kt, const RecBwd& a, int threads) {
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
    L.commit(t_arena[1]);
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

// ---------------------------------------------------------------------------------------
// N-API glue

// Argument blocks registered by setArgs(), per N-API environment (main thread, each worker
// thread). Every op takes the block's slot number as its only argument, so two copies of the
// JS module in one process (each with its own block) can never read each other's arguments.
struct EnvData {
  std::vector<Napi::Reference<Napi::Float64Array>> refs;
  std::vector<double*> blocks;
};

inline double* args_or_throw(const Napi::CallbackInfo& info) {
  auto* d = info.Env().GetInstanceData<EnvData>();
  const uint32_t slot = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : ~0u;
  if (!d || slot >= d->blocks.size()) throw Napi::Error::New(info.Env(), "rnnlab native: unknown argument block (call setArgs first)");
  return d->blocks[slot];
}
template <class T>
inline T* P(double v) {
  return reinterpret_cast<T*>(static_cast<uintptr_t>(v));
}
inline long L_(double v) { return static_cast<long>(v); }

struct Ctx {
  const KernelTable* kt;
  int threads;
  double* a;
};
inline Ctx ctx(const Napi::CallbackInfo& info) {
  double* a = args_or_throw(info);
  int isa = (int)a[0];
  if (isa < 0) isa = 0;
  int threads = (int)a[1];
  if (threads < 1) threads = 1;
  return {table_for(isa), threads, a};
}

// Element-range parallel loop (pieces aligned to 64 elements).
template <class F>
void parallel_range(int threads, long n, long minPerThread, F f) {
  for_ranges(threads, n, 64, (double)n, (double)minPerThread, [&](long lo, long hi, int) { f(lo, hi); });
}

Napi::Value SetArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(env, "setArgs(Float64Array)");
  auto arr = info[0].As<Napi::Float64Array>();
  if (arr.ElementLength() < 32) throw Napi::RangeError::New(env, "setArgs: need at least 32 slots");
  auto* d = env.GetInstanceData<EnvData>();
  if (!d) {
    d = new EnvData();
    env.SetInstanceData<EnvData>(d);
  }
  d->refs.push_back(Napi::Persistent(arr));
  d->blocks.push_back(arr.Data());  // off-heap (getting Data() externalises it): never moves
  return Napi::Number::New(env, (double)(d->blocks.size() - 1));
}

Napi::Value AddressOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1) throw Napi::TypeError::New(env, "addressOf(ArrayBuffer | TypedArray)");
  uintptr_t p;
  if (info[0].IsArrayBuffer()) {
    p = (uintptr_t)info[0].As<Napi::ArrayBuffer>().Data();
  } else if (info[0].IsTypedArray()) {
    auto ta = info[0].As<Napi::TypedArray>();
    p = (uintptr_t)ta.ArrayBuffer().Data() + ta.ByteOffset();
  } else {
    throw Napi::TypeError::New(env, "addressOf(ArrayBuffer | TypedArray)");
  }
  return Napi::Number::New(env, (double)p);
}

// Bumped whenever an op's argument layout changes; src/backend/native/index.ts refuses an
// addon with another value (a stale build would misread addresses).
constexpr int kAbiVersion = 1;

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("abi", kAbiVersion);
  o.Set("best", kIsaNames[g_best]);
  o.Set("default", kIsaNames[default_isa()]);
  o.Set("bestIndex", g_best);
  o.Set("defaultIndex", default_isa());
  auto isas = Napi::Array::New(env);
  for (int i = 0; i <= g_best; ++i) isas.Set(i, kIsaNames[i]);
  o.Set("supported", isas);
  unsigned hc = std::thread::hardware_concurrency();
  o.Set("hardwareConcurrency", hc ? hc : 1);
  auto tiles = Napi::Object::New(env);
  for (int i = 0; i <= g_best; ++i) {
    const KernelTable* kt = table_for(i);
    tiles.Set(kIsaNames[i], std::to_string(kt->mr) + "x" + std::to_string(kt->nr) + " kc" + std::to_string(kt->kc));
  }
  o.Set("tiles", tiles);
  return o;
}

// gemm: [2] transA [3] transB [4] M [5] N [6] K [7] alpha [8] A [9] B [10] beta [11] C
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  double* a = c.a;
  GemmArgs g;
  g.transA = a[2] != 0;
  g.transB = a[3] != 0;
  g.M = L_(a[4]);
  g.N = L_(a[5]);
  g.K = L_(a[6]);
  g.alpha = (float)a[7];
  g.A = P<const float>(a[8]);
  g.lda = g.transA ? g.M : g.K;
  g.B = P<const float>(a[9]);
  g.ldb = g.transB ? g.K : g.N;
  g.beta = (float)a[10];
  g.C = P<float>(a[11]);
  g.ldc = g.N;
  gemm_mt(c.kt, g, c.threads);
  return info.Env().Undefined();
}

// addBias: [2] Y [3] b [4] rows [5] cols
Napi::Value AddBias(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  float* Y = P<float>(c.a[2]);
  const float* b = P<const float>(c.a[3]);
  const long rows = L_(c.a[4]), cols = L_(c.a[5]);
  for_ranges(c.threads, rows, 1, (double)rows * cols, 65536, [&](long lo, long hi, int) {
    if (lo < hi) c.kt->add_rows(Y + lo * cols, b, hi - lo, cols, cols);
  });
  return info.Env().Undefined();
}

// sumRows: [2] db [3] dY [4] rows [5] cols
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  float* db = P<float>(c.a[2]);
  const float* dy = P<const float>(c.a[3]);
  const long rows = L_(c.a[4]), cols = L_(c.a[5]);
  for_ranges(c.threads, cols, 16, (double)rows * cols, 65536, [&](long lo, long hi, int) {
    if (lo < hi) c.kt->sum_rows(db + lo, dy + lo, rows, hi - lo, cols);
  });
  return info.Env().Undefined();
}

// embFwd / ohFwd: [2] out [3] ids [4] W [5] n [6] width (E or G) [7] V [8] W elements
// Embedding: out[i,:] = W[ids[i],:]. One-hot: out[i,g] = W[g·V + ids[i]]. ids < 0: zero row;
// a read past W (id too large) gives NaN, like the reference's out-of-range typed-array read.
template <bool ONEHOT>
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  float* out = P<float>(c.a[2]);
  const int32_t* ids = P<const int32_t>(c.a[3]);
  const float* W = P<const float>(c.a[4]);
  const long n = L_(c.a[5]), E = L_(c.a[6]), V = L_(c.a[7]), wsize = L_(c.a[8]);
  for_ranges(c.threads, n, 1, (double)n * E, 65536, [&](long lo, long hi, int) {
    for (long i = lo; i < hi; ++i) {
      const long id = ids[i];
      float* o = out + i * E;
      if (id < 0) {
        std::memset(o, 0, sizeof(float) * E);
      } else if (!ONEHOT) {
        if ((id + 1) * E <= wsize) std::memcpy(o, W + id * E, sizeof(float) * E);
        else for (long e = 0; e < E; ++e) o[e] = id * E + e < wsize ? W[id * E + e] : NAN;
      } else {
        for (long g = 0; g < E; ++g) {
          const long k = g * V + id;
          o[g] = k < wsize ? W[k] : NAN;
        }
      }
    }
  });
  return info.Env().Undefined();
}

// embBwd / ohBwd: [2] dW [3] ids [4] dOut [5] n [6] width [7] V [8] dW elements
// Threads split the width (columns of dOut), each walks all rows in order: duplicate ids
// accumulate in the reference's order, without races.
template <bool ONEHOT>
Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  float* dW = P<float>(c.a[2]);
  const int32_t* ids = P<const int32_t>(c.a[3]);
  const float* dOut = P<const float>(c.a[4]);
  const long n = L_(c.a[5]), E = L_(c.a[6]), V = L_(c.a[7]), wsize = L_(c.a[8]);
  for_ranges(c.threads, E, 16, (double)n * E, 65536, [&](long lo, long hi, int) {
    if (lo >= hi) return;
    for (long i = 0; i < n; ++i) {
      const long id = ids[i];
      if (id < 0) continue;
      const float* d = dOut + i * E;
      if (!ONEHOT) {
        if ((id + 1) * E <= wsize) c.kt->add(dW + id * E + lo, d + lo, hi - lo);
        else for (long e = lo; e < hi; ++e) if (id * E + e < wsize) dW[id * E + e] += d[e];
      } else {
        for (long g = lo; g < hi; ++g) {
          const long k = g * V + id;
          if (k < wsize) dW[k] += d[g];
        }
      }
    }
  });
  return info.Env().Undefined();
}

// recFwd: [2] cell [3] T [4] B [5] H [6] xw [7] whh [8] bhh [9] h0 [10] c0 [11] hs [12] cache [13] cT
Napi::Value RecurrentForward(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  double* a = c.a;
  RecFwd r{(int)a[2], L_(a[3]), L_(a[4]), L_(a[5]),
           P<const float>(a[6]), P<const float>(a[7]), P<const float>(a[8]), P<const float>(a[9]), P<const float>(a[10]),
           P<float>(a[11]), P<float>(a[12]), P<float>(a[13])};
  recurrent_forward(c.kt, r, c.threads);
  return info.Env().Undefined();
}

// recBwd: [2] cell [3] T [4] B [5] H [6] whh [7] h0 [8] c0 [9] hs [10] cache [11] dhs [12] dxw
//         [13] dwhh [14] dbhh [15] dhw [16] dh0 [17] dc0
Napi::Value RecurrentBackward(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  double* a = c.a;
  RecBwd r{(int)a[2], L_(a[3]), L_(a[4]), L_(a[5]),
           P<const float>(a[6]), P<const float>(a[7]), P<const float>(a[8]), P<const float>(a[9]), P<const float>(a[10]),
           P<const float>(a[11]),
           P<float>(a[12]), P<float>(a[13]), P<float>(a[14]), P<float>(a[15]), P<float>(a[16]), P<float>(a[17])};
  recurrent_backward(c.kt, r, c.threads);
  return info.Env().Undefined();
}

// crossEntropy: [2] logits [3] targets [4] n [5] V [6] ignoreIndex [7] dlogits (0: none) [8] gradScale
// out: [2] loss [3] count
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  double* a = c.a;
  const float* logits = P<const float>(a[2]);
  const int32_t* targets = P<const int32_t>(a[3]);
  const long n = L_(a[4]), V = L_(a[5]);
  const double ignore = a[6];
  float* dl = P<float>(a[7]);
  const float gs = (float)a[8];
  for (long r = 0; r < n; ++r) {
    const int32_t y = targets[r];
    if ((double)y == ignore) continue;
    if (y < 0 || y >= V)
      throw Napi::RangeError::New(info.Env(), "target " + std::to_string(y) + " outside the vocabulary [0, " +
                                                  std::to_string(V) + ")");
  }
  double* loss = (double*)t_arena[2].get(sizeof(double) * (n > 0 ? n : 1));
  for_ranges(c.threads, n, 1, (double)n * V, 32768, [&](long lo, long hi, int) {
    for (long r = lo; r < hi; ++r) {
      const int32_t y = targets[r];
      if ((double)y == ignore) {
        loss[r] = 0;
        if (dl) std::memset(dl + r * V, 0, sizeof(float) * V);
        continue;
      }
      loss[r] = c.kt->ce_row(logits + r * V, V, y, dl ? dl + r * V : nullptr, gs);
    }
  });
  double total = 0;
  long count = 0;
  for (long r = 0; r < n; ++r) {
    if ((double)targets[r] == ignore) continue;
    total += loss[r];
    ++count;
  }
  a[2] = total;
  a[3] = (double)count;
  return info.Env().Undefined();
}

// softmax: [2] probs [3] logits [4] n [5] V [6] temperature
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  float* probs = P<float>(c.a[2]);
  const float* logits = P<const float>(c.a[3]);
  const long n = L_(c.a[4]), V = L_(c.a[5]);
  const double inv = 1.0 / c.a[6];
  for_ranges(c.threads, n, 1, (double)n * V, 32768, [&](long lo, long hi, int) {
    for (long r = lo; r < hi; ++r) c.kt->softmax_row(probs + r * V, logits + r * V, V, inv);
  });
  return info.Env().Undefined();
}

// dropout (forward and backward): [2] y [3] x [4] n [5] p [6] seed (uint32)
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  float* y = P<float>(c.a[2]);
  const float* x = P<const float>(c.a[3]);
  const long n = L_(c.a[4]);
  const double p = c.a[5];
  const uint32_t seed = (uint32_t)c.a[6];
  const double thr = p * 4294967296.0;
  // kept iff hash ≥ thr  ⇔  hash ≥ ceil(thr) for an integer hash; NaN p drops everything.
  uint64_t ti;
  if (std::isnan(thr) || thr > 4294967295.0) ti = 1ull << 32;
  else if (thr <= 0) ti = 0;
  else ti = (uint64_t)std::ceil(thr);
  const double s = 1.0 / (1.0 - p);
  parallel_range(c.threads, n, 65536, [&](long lo, long hi) { c.kt->dropout(y, x, lo, hi, ti, s, seed); });
  return info.Env().Undefined();
}

// fill: [2] t [3] value [4] n
Napi::Value Fill(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  float* t = P<float>(c.a[2]);
  const float v = (float)c.a[3];
  const long n = L_(c.a[4]);
  parallel_range(c.threads, n, 262144, [&](long lo, long hi) { c.kt->fill(t + lo, hi - lo, v); });
  return info.Env().Undefined();
}

// copy: [2] dst [3] src [4] n   (overlap allowed: memmove, single thread then)
Napi::Value Copy(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  float* d = P<float>(c.a[2]);
  const float* s = P<const float>(c.a[3]);
  const long n = L_(c.a[4]);
  if (n <= 0 || d == s) return info.Env().Undefined();
  const bool overlap = d < s + n && s < d + n;
  if (overlap) std::memmove(d, s, sizeof(float) * n);
  else parallel_range(c.threads, n, 262144, [&](long lo, long hi) { std::memcpy(d + lo, s + lo, sizeof(float) * (hi - lo)); });
  return info.Env().Undefined();
}

// scale: [2] t [3] alpha [4] n
Napi::Value Scale(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  float* t = P<float>(c.a[2]);
  const double al = c.a[3];
  parallel_range(c.threads, L_(c.a[4]), 131072, [&](long lo, long hi) { c.kt->scale(t + lo, hi - lo, al); });
  return info.Env().Undefined();
}

// axpy: [2] y [3] alpha [4] x [5] n
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  float* y = P<float>(c.a[2]);
  const double al = c.a[3];
  const float* x = P<const float>(c.a[4]);
  parallel_range(c.threads, L_(c.a[5]), 131072, [&](long lo, long hi) { c.kt->axpy(y + lo, x + lo, hi - lo, al); });
  return info.Env().Undefined();
}

// sumSquares: [2] t [3] n → [2] result. Fixed chunks (partial sums added in order).
Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  const float* x = P<const float>(c.a[2]);
  const long n = L_(c.a[3]);
  constexpr long kChunk = 16384;
  const long chunks = (n + kChunk - 1) / kChunk;
  double* part = (double*)t_arena[2].get(sizeof(double) * (chunks > 0 ? chunks : 1));
  for_ranges(c.threads, chunks, 1, (double)n, 131072, [&](long lo, long hi, int) {
    for (long k = lo; k < hi; ++k) part[k] = c.kt->sumsq(x + k * kChunk, std::min(kChunk, n - k * kChunk));
  });
  double s = 0;
  for (long k = 0; k < chunks; ++k) s += part[k];
  c.a[2] = s;
  return info.Env().Undefined();
}

// adam: [2] p [3] g [4] m [5] v [6] n [7] lr [8] beta1 [9] beta2 [10] eps [11] weightDecay
//       [12] stepSize = lr / (1 − beta1^step) [13] bc2Sqrt = √(1 − beta2^step)   (computed in JS
//       with Math.pow, so they are bit-identical to the reference)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  double* a = c.a;
  float* p = P<float>(a[2]);
  const float* g = P<const float>(a[3]);
  float* m = P<float>(a[4]);
  float* v = P<float>(a[5]);
  const long n = L_(a[6]);
  AdamParams ap;
  ap.lr = a[7];
  ap.beta1 = a[8];
  ap.beta2 = a[9];
  ap.eps = a[10];
  ap.weightDecay = a[11];
  ap.stepSize = a[12];
  ap.bc2Sqrt = a[13];
  parallel_range(c.threads, n, 65536, [&](long lo, long hi) { c.kt->adam(p + lo, g + lo, m + lo, v + lo, hi - lo, &ap); });
  return info.Env().Undefined();
}

// sgd: [2] p [3] g [4] buf (0: none) [5] n [6] lr [7] momentum [8] weightDecay
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  Ctx c = ctx(info);
  double* a = c.a;
  float* p = P<float>(a[2]);
  const float* g = P<const float>(a[3]);
  float* buf = P<float>(a[4]);
  const long n = L_(a[5]);
  const double lr = a[6], mom = a[7], wd = a[8];
  parallel_range(c.threads, n, 65536, [&](long lo, long hi) {
    c.kt->sgd(p + lo, g + lo, buf ? buf + lo : nullptr, hi - lo, lr, mom, wd);
  });
  return info.Env().Undefined();
}

// C++ exceptions other than Napi::Error (std::bad_alloc from a scratch buffer) become JS errors.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Guard(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), "rnnlab native: out of memory for scratch buffers");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("rnnlab native: ") + e.what());
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Guard<Info>, "info"));
  exports.Set("setArgs", Napi::Function::New(env, Guard<SetArgs>, "setArgs"));
  exports.Set("addressOf", Napi::Function::New(env, Guard<AddressOf>, "addressOf"));
  exports.Set("gemm", Napi::Function::New(env, Guard<Gemm>, "gemm"));
  exports.Set("addBias", Napi::Function::New(env, Guard<AddBias>, "addBias"));
  exports.Set("sumRows", Napi::Function::New(env, Guard<SumRows>, "sumRows"));
  exports.Set("embFwd", Napi::Function::New(env, Guard<GatherRows<false>>, "embFwd"));
  exports.Set("embBwd", Napi::Function::New(env, Guard<ScatterAdd<false>>, "embBwd"));
  exports.Set("ohFwd", Napi::Function::New(env, Guard<GatherRows<true>>, "ohFwd"));
  exports.Set("ohBwd", Napi::Function::New(env, Guard<ScatterAdd<true>>, "ohBwd"));
  exports.Set("recFwd", Napi::Function::New(env, Guard<RecurrentForward>, "recFwd"));
  exports.Set("recBwd", Napi::Function::New(env, Guard<RecurrentBackward>, "recBwd"));
  exports.Set("crossEntropy", Napi::Function::New(env, Guard<CrossEntropy>, "crossEntropy"));
  exports.Set("softmax", Napi::Function::New(env, Guard<Softmax>, "softmax"));
  exports.Set("dropout", Napi::Function::New(env, Guard<Dropout>, "dropout"));
  exports.Set("fill", Napi::Function::New(env, Guard<Fill>, "fill"));
  exports.Set("copy", Napi::Function::New(env, Guard<Copy>, "copy"));
  exports.Set("scale", Napi::Function::New(env, Guard<Scale>, "scale"));
  exports.Set("axpy", Napi::Function::New(env, Guard<Axpy>, "axpy"));
  exports.Set("sumSquares", Napi::Function::New(env, Guard<SumSquares>, "sumSquares"));
  exports.Set("adam", Napi::Function::New(env, Guard<Adam>, "adam"));
  exports.Set("sgd", Napi::Function::New(env, Guard<Sgd>, "sgd"));
  return exports;
}

}  // namespace
}  // namespace rnnlab

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return rnnlab::Init(env, exports); }
NODE_API_MODULE(rnnlab_native, InitModule)
