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
constexpr int kSpinMicros = 40;

// Spin on pred() for up to kSpinMicros; true if it became true.
template <class Pred>
bool spin_until(Pred pred) {
  if (pred()) return true;
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (pred()) return true;
      RNNLAB_PAUSE();
    }
    if (std::chrono::steady_clock::now() > until) return pred();
  }
}
}  // namespace

void Barrier::wait() {
  if (n_ <= 1) return;
  const uint32_t ph = phase_.load(std::memory_order_acquire);
  if (count_.fetch_add(1, std::memory_order_acq_rel) == n_ - 1) {
    count_.store(0, std::memory_order_relaxed);
    phase_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      { std::lock_guard<std::mutex> g(mu_); }
      cv_.notify_all();
    }
    return;
  }
  auto moved = [&] { return phase_.load(std::memory_order_acquire) != ph; };
  if (spin_until(moved)) return;
  std::unique_lock<std::mutex> lk(mu_);
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  cv_.wait(lk, [&] { return phase_.load(std::memory_order_seq_cst) != ph; });
  sleepers_.fetch_sub(1, std::memory_order_relaxed);
}

Pool::Pool() : slots_(kMaxThreads) {}

Pool::~Pool() {
  stop_.store(true, std::memory_order_seq_cst);
  for (auto& s : slots_) s.go.fetch_add(1, std::memory_order_seq_cst);
  { std::lock_guard<std::mutex> g(mu_); }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

int Pool::acquire(int want) {
  if (want > kMaxThreads) want = kMaxThreads;
  if (!call_mu_.try_lock()) return 1;
  try {
    ensure(want);
  } catch (...) {  // could not start threads: run serially
    call_mu_.unlock();
    return 1;
  }
  return want;
}

void Pool::release() { call_mu_.unlock(); }

void Pool::ensure(int nt) {
  while ((int)threads_.size() < nt - 1) {
    const int tid = (int)threads_.size() + 1;
    threads_.emplace_back([this, tid] { worker(tid); });
  }
}

void Pool::worker(int tid) {
  uint64_t seen = 0;
  Slot& slot = slots_[tid];
  for (;;) {
    auto ready = [&] { return slot.go.load(std::memory_order_acquire) != seen; };
    if (!spin_until(ready)) {
      std::unique_lock<std::mutex> lk(mu_);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      cv_.wait(lk, [&] { return slot.go.load(std::memory_order_seq_cst) != seen; });
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
    seen = slot.go.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    (*task_)(tid);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      { std::lock_guard<std::mutex> g(done_mu_); }
      done_cv_.notify_one();
    }
  }
}

void Pool::run(int nt, const std::function<void(int)>& fn) {
  if (nt <= 1) {
    fn(0);
    return;
  }
  task_ = &fn;
  pending_.store(nt - 1, std::memory_order_relaxed);
  for (int tid = 1; tid < nt; ++tid) slots_[tid].go.fetch_add(1, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard<std::mutex> g(mu_); }
    cv_.notify_all();
  }
  fn(0);
  auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(done)) {
    std::unique_lock<std::mutex> lk(done_mu_);
    done_cv_.wait(lk, [&] { return pending_.load(std::memory_order_acquire) == 0; });
  }
}

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace rnnlab
