// Scheduling helpers of the threaded drivers (gemm_mt.cc, recurrent_mt.cc, napi_ops.cc):
// per-thread scratch arenas, how many threads a piece of work deserves, and for_ranges.
//
// Only the addon target includes this (baseline flags); never include it from an isa_*.cc
// file: its inline functions and templates would fall under the ODR note in kernels.h.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <new>

#include "pool.h"

namespace rnnlab {

// Scratch: grow-only 64-byte aligned buffers owned by the calling thread. Workers of a
// parallel region use slices of the caller's scratch, so allocation (and its failure)
// happens before the region starts, on the JS thread.
struct Arena {
  void* p = nullptr;
  size_t cap = 0;  // bytes
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
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
// One arena per purpose, so a driver's scratch survives the helpers it calls.
enum ArenaId { kGemmArena = 0, kRecurrentArena = 1, kReductionArena = 2 };
inline thread_local Arena t_arena[3];

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

// Element-range parallel loop (pieces aligned to 64 elements).
template <class F>
void parallel_range(int threads, long n, long minPerThread, F f) {
  for_ranges(threads, n, 64, (double)n, (double)minPerThread, [&](long lo, long hi, int) { f(lo, hi); });
}

}  // namespace rnnlab
