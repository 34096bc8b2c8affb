// Thread pool for the native backend: std::threads created once (grown on demand), a
// spin-then-block hand-off, and a barrier for parallel regions that run a whole recurrent
// layer (one barrier per timestep instead of one fork/join per GEMM).
//
// Spinning is bounded by time (kSpinMicros), then threads block on a condition variable:
// on a loaded 2-core machine a long spin would steal the core the other thread needs.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rnnlab {

class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void wait();

 private:
  const int n_;
  std::atomic<int> count_{0};
  std::atomic<uint32_t> phase_{0};
  std::atomic<int> sleepers_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

class Pool {
 public:
  static constexpr int kMaxThreads = 256;
  Pool();
  ~Pool();
  // Runs fn(tid) for tid in [0, nt) (tid 0 on the calling thread) and returns when all are done.
  // Only one region at a time: a concurrent caller (another JS thread using the addon) gets
  // nt = 1 from acquire(), which is safe because results do not depend on the thread count.
  void run(int nt, const std::function<void(int)>& fn);
  // Reserve the pool for a region of up to `want` threads; returns the count granted (≥ 1).
  int acquire(int want);
  void release();

 private:
  void ensure(int nt);
  void worker(int tid);

  struct alignas(64) Slot {
    std::atomic<uint64_t> go{0};
  };
  std::mutex call_mu_;
  std::vector<std::thread> threads_;  // threads_[i] runs tid i + 1
  std::vector<Slot> slots_;           // slots_[tid], sized once (kMaxThreads)
  std::atomic<int> sleepers_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(int)>* task_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::mutex done_mu_;
  std::condition_variable done_cv_;
};

Pool& pool();

// RAII lease: `Lease l(threads); l.nt` threads may be used; run() executes a region.
class Lease {
 public:
  explicit Lease(int want) : nt(want > 1 ? pool().acquire(want) : 1) {}
  ~Lease() {
    if (nt > 1) pool().release();
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  void run(const std::function<void(int)>& fn) const {
    if (nt <= 1) fn(0);
    else pool().run(nt, fn);
  }
  const int nt;
};

}  // namespace rnnlab
