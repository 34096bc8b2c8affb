// Thread pool for the native backend: std::threads created once (grown on demand) and
// parallel regions over `nitems` work items claimed dynamically (an atomic counter).
//
// Why dynamic: on a busy machine a worker may be descheduled or wake late; with a static
// split everyone would wait for its share, with item claiming the others simply take more
// (a worker that wakes after all items are claimed does nothing). Each participant starts
// with its own contiguous share of the items (cache affinity across regions) and steals
// when it runs dry. Determinism is kept because items are disjoint pieces of output whose
// values never depend on who computes them (fixed blocking inside every item).
//
// Hand-off: spin (bounded by time, kSpinMicros) then block on a condition variable, both for
// workers waiting for a region and for the caller waiting for the last item — a long spin
// would steal the core the other thread needs on a loaded 2-core machine.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rnnlab {

// fn(item, tid): tid in [0, nt) identifies the participant (0 = calling thread), for scratch.
using Task = std::function<void(long item, int tid)>;

class Pool {
 public:
  static constexpr int kMaxThreads = 256;
  Pool();
  ~Pool();
  // Reserve the pool for regions of up to `want` participants; returns the count granted (≥ 1).
  // Only one caller at a time: a concurrent caller (another JS thread using the addon) gets 1,
  // which is safe because results do not depend on the thread count.
  int acquire(int want);
  void release();
  // Runs fn(i, tid) for every i in [0, nitems) with up to nt participants; returns when done.
  void run(int nt, long nitems, const Task& fn);

 private:
  void ensure(int nt);
  void worker(int tid);
  void work(int tid);
  void notify_caller();

  std::atomic<bool> busy_{false};     // one region owner at a time (never blocks: see acquire)
  std::vector<std::thread> threads_;  // threads_[i] runs tid i + 1
  uint64_t gen_ = 0;
  std::atomic<uint64_t> state_{0};    // (generation << 1) | open
  const Task* task_ = nullptr;
  long nitems_ = 0;
  int nt_ = 0;
  // Items are pre-split into nt contiguous shares: participant t drains share t first (so an
  // item tends to run on the same core every region: recurrent layers keep their W_hh chunk
  // in that core's cache), then steals from the others' shares.
  struct alignas(64) Share {
    std::atomic<long> next{0};
    long end = 0;
  };
  std::vector<Share> shares_;
  std::atomic<long> done_{0};
  std::atomic<int> inflight_{0};      // workers inside the current region
  std::atomic<bool> stop_{false};
  std::atomic<int> sleepers_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<int> caller_sleeping_{0};
  std::mutex done_mu_;
  std::condition_variable done_cv_;
};

Pool& pool();

// RAII lease: `Lease l(threads); l.nt` participants may be used; l.run(...) executes regions.
class Lease {
 public:
  explicit Lease(int want) : nt(want > 1 ? pool().acquire(want) : 1) {}
  ~Lease() {
    if (nt > 1) pool().release();
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  void run(long nitems, const Task& fn) const {
    if (nt <= 1 || nitems <= 1) {
      for (long i = 0; i < nitems; ++i) fn(i, 0);
    } else {
      pool().run(nt, nitems, fn);
    }
  }
  const int nt;
};

}  // namespace rnnlab
