// Run-time ISA dispatch: CPUID (through libgcc) picks the kernel table. Compiled with
// baseline flags, like everything outside the isa_*.cc files.
#include "dispatch.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

namespace rnnlab {

const char* const kIsaNames[3] = {"scalar", "avx2", "avx512"};

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
}  // namespace

int best_isa() { return g_best; }

const KernelTable* table_for(int isa) {
  if (isa > g_best) isa = g_best;
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == kAvx512) return kernels_avx512();
  if (isa == kAvx2) return kernels_avx2();
#endif
  return kernels_scalar();
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
