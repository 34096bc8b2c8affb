// Run-time ISA dispatch: CPUID (through libgcc) picks the kernel table. Compiled with
// baseline flags, like everything outside the isa_*.cc files.
#include "dispatch.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace rnnlab {

const char* const kIsaNames[3] = {"scalar", "avx2", "avx512"};
const char* const kBf16KernelNames[2] = {"emulated", "avx512bf16"};

namespace {
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

bool detect_avx512bf16() {
#if defined(__x86_64__) || defined(_M_X64)
  // that TU is built -mavx512f -mavx512bw -mavx512vl -mavx512bf16 -mavx2 -mfma
  return g_best == kAvx512 && __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}
const bool g_avx512bf16 = detect_avx512bf16();

bool detect_amx_bf16() {
#if defined(__x86_64__) || defined(_M_X64)
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return (d >> 22) & 1u;  // CPUID.(7,0):EDX[22] AMX-BF16
#else
  return false;
#endif
}

// The bf16 tables: the fp32 table of a level with the GEMM entries of a GemmKernels set.
KernelTable with_gemm(const KernelTable* base, const rnnlab::GemmKernels* g) {
  KernelTable t = *base;
  t.name = g->name;
  t.mr = g->mr;
  t.nr = g->nr;
  t.kc = g->kc;
  t.mc = g->mc;
  t.nc = g->nc;
  t.gemm_work_floats = g->gemm_work_floats;
  t.gemm_rect = g->gemm_rect;
  t.packed_b_floats = g->packed_b_floats;
  t.pack_b = g->pack_b;
  t.gemm_packed = g->gemm_packed;
  t.dot_nt = g->dot_nt;
  t.gemv_n = g->gemv_n;
  t.converts_a = 1;
  return t;
}
struct Bf16Tables {
  KernelTable t[3];
  Bf16Tables() {
    for (int isa = 0; isa <= g_best; ++isa) {
      const rnnlab::GemmKernels* g = gemm_bf16emu_scalar();
#if defined(__x86_64__) || defined(_M_X64)
      if (isa == kAvx2) g = gemm_bf16emu_avx2();
      if (isa == kAvx512) g = g_avx512bf16 ? gemm_avx512bf16() : gemm_bf16emu_avx512();
#endif
      t[isa] = with_gemm(table_for(isa), g);
    }
  }
};
}  // namespace

bool cpu_avx512bf16() { return g_avx512bf16; }
bool cpu_amx_bf16() {
  static const bool amx = detect_amx_bf16();
  return amx;
}
int bf16_kernel(int isa) {
  if (isa > g_best) isa = g_best;
  return isa == kAvx512 && g_avx512bf16 ? kBf16Avx512 : kBf16Emulated;
}

int best_isa() { return g_best; }

const KernelTable* table_for(int isa) {
  if (isa > g_best) isa = g_best;
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == kAvx512) return kernels_avx512();
  if (isa == kAvx2) return kernels_avx2();
#endif
  return kernels_scalar();
}

const KernelTable* table_for(int isa, int precision) {
  if (precision != kBf16) return table_for(isa);
  static const Bf16Tables tables;  // built on first use (after every ISA table exists)
  if (isa > g_best) isa = g_best;
  return &tables.t[isa < 0 ? 0 : isa];
}

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

}  // namespace rnnlab
