#include "pool.h"

#include <chrono>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define RNNLAB_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define RNNLAB_PAUSE() __asm__ __volatile__("yield")
#else
#define RNNLAB_PAUSE() ((void)0)
#endif

namespace rnnlab {

namespace {
constexpr int kSpinMicros = 50;

// Spin on pred() for up to kSpinMicros; true if it became true.
template <class Pred>
bool spin_until(Pred pred) {
  if (pred()) return true;
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      if (pred()) return true;
      RNNLAB_PAUSE();
    }
    if (std::chrono::steady_clock::now() > until) return pred();
  }
}
}  // namespace

Pool::Pool() : shares_(kMaxThreads) {}

Pool::~Pool() {
  stop_.store(true, std::memory_order_seq_cst);
  state_.fetch_add(2, std::memory_order_seq_cst);
  { std::lock_guard<std::mutex> g(mu_); }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

int Pool::acquire(int want) {
  if (want > kMaxThreads) want = kMaxThreads;
  bool expected = false;
  if (!busy_.compare_exchange_strong(expected, true, std::memory_order_acquire)) return 1;
  try {
    ensure(want);
  } catch (...) {  // could not start threads: run serially
    busy_.store(false, std::memory_order_release);
    return 1;
  }
  return want;
}

void Pool::release() { busy_.store(false, std::memory_order_release); }

void Pool::ensure(int nt) {
  while ((int)threads_.size() < nt - 1) {
    const int tid = (int)threads_.size() + 1;
    threads_.emplace_back([this, tid] { worker(tid); });
  }
}

void Pool::notify_caller() {
  if (caller_sleeping_.load(std::memory_order_seq_cst)) {
    { std::lock_guard<std::mutex> g(done_mu_); }
    done_cv_.notify_one();
  }
}

void Pool::work(int tid) {
  const Task& fn = *task_;
  const long n = nitems_;
  const int nt = nt_;
  for (int k = 0; k < nt; ++k) {  // own share first, then the others' in turn
    Share& sh = shares_[(tid + k) % nt];
    for (;;) {
      if (sh.next.load(std::memory_order_relaxed) >= sh.end) break;
      const long i = sh.next.fetch_add(1, std::memory_order_relaxed);
      if (i >= sh.end) break;
      fn(i, tid);
      if (done_.fetch_add(1, std::memory_order_seq_cst) + 1 == n) notify_caller();
    }
  }
}

void Pool::worker(int tid) {
  uint64_t seen = 0;
  for (;;) {
    auto changed = [&] { return (state_.load(std::memory_order_acquire) >> 1) != seen; };
    if (!spin_until(changed)) {
      std::unique_lock<std::mutex> lk(mu_);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      cv_.wait(lk, [&] { return (state_.load(std::memory_order_seq_cst) >> 1) != seen; });
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
    if (stop_.load(std::memory_order_acquire)) return;
    const uint64_t s = state_.load(std::memory_order_acquire);
    seen = s >> 1;
    if (!(s & 1)) continue;  // region already closed
    // Join: once inflight_ is raised and the region is still open, the caller waits for us
    // before it closes the region's lifetime (task_, nitems_ stay valid).
    inflight_.fetch_add(1, std::memory_order_seq_cst);
    if (state_.load(std::memory_order_seq_cst) == s && tid < nt_) work(tid);
    if (inflight_.fetch_sub(1, std::memory_order_seq_cst) == 1) notify_caller();
  }
}

void Pool::run(int nt, long nitems, const Task& fn) {
  task_ = &fn;
  nitems_ = nitems;
  nt_ = nt;
  for (int t = 0; t < nt; ++t) {
    shares_[t].next.store(nitems * t / nt, std::memory_order_relaxed);
    shares_[t].end = nitems * (t + 1) / nt;
  }
  done_.store(0, std::memory_order_relaxed);
  ++gen_;
  state_.store((gen_ << 1) | 1, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard<std::mutex> g(mu_); }
    cv_.notify_all();
  }
  work(0);
  auto wait_for = [&](auto pred) {
    if (spin_until(pred)) return;
    std::unique_lock<std::mutex> lk(done_mu_);
    caller_sleeping_.store(1, std::memory_order_seq_cst);
    done_cv_.wait(lk, pred);
    caller_sleeping_.store(0, std::memory_order_relaxed);
  };
  wait_for([&] { return done_.load(std::memory_order_seq_cst) == nitems; });
  state_.store(gen_ << 1, std::memory_order_seq_cst);  // close: late workers will not join
  wait_for([&] { return inflight_.load(std::memory_order_seq_cst) == 0; });
}

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace rnnlab
