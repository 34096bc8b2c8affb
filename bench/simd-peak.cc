// Peak of one core: vfmadd231ps zmm vs vdpbf16ps zmm, each in 24 independent dependency
// chains (more than latency × throughput on current cores), 2^26 instructions per chain set.
// Built and run by `node bench/gemm-native.mjs --peak` (g++ -O2 -mavx512f -mavx512bf16);
// prints JSON: GFLOP/s counting 32 flops per fp32 FMA and 64 per vdpbf16ps (16 lanes × 2 pairs × 2).
#include <immintrin.h>

#include <chrono>
#include <cstdio>

constexpr int NC = 24;  // independent chains: more than latency × throughput of either instruction

template <class F>
double best_seconds(F f) {
  double best = 1e30;
  for (int r = 0; r < 20; ++r) {  // best of many short runs: the host is often shared
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s < best) best = s;
  }
  return best;
}

int main() {
  const long iters = 1L << 21;  // NC instructions per iteration
  volatile float sink = 0;
  const double tf = best_seconds([&] {
    __m512 c[NC];
    for (int i = 0; i < NC; ++i) c[i] = _mm512_set1_ps((float)i);
    const __m512 a = _mm512_set1_ps(1.0000001f), b = _mm512_set1_ps(0.9999999f);
    for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 24
      for (int i = 0; i < NC; ++i) c[i] = _mm512_fmadd_ps(a, b, c[i]);
    }
    __m512 s = c[0];
    for (int i = 1; i < NC; ++i) s = _mm512_add_ps(s, c[i]);
    sink = _mm512_reduce_add_ps(s);
  });
  const double tb = best_seconds([&] {
    __m512 c[NC];
    for (int i = 0; i < NC; ++i) c[i] = _mm512_set1_ps((float)i);
    const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1.f), _mm512_set1_ps(0.5f));
    const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(0.25f), _mm512_set1_ps(1.f));
    for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 24
      for (int i = 0; i < NC; ++i) c[i] = _mm512_dpbf16_ps(c[i], a, b);
    }
    __m512 s = c[0];
    for (int i = 1; i < NC; ++i) s = _mm512_add_ps(s, c[i]);
    sink = _mm512_reduce_add_ps(s);
  });
  (void)sink;
  const double n = (double)iters * NC;
  std::printf("{\"fp32FmaGflops\": %.1f, \"bf16DpGflops\": %.1f}\n", n * 32 / tf / 1e9, n * 64 / tb / 1e9);
  return 0;
}
