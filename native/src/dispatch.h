// Run-time choice of the kernel set (one KernelTable per ISA, see kernels.h).
#pragma once
#include "kernels.h"

namespace rnnlab {

enum Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
extern const char* const kIsaNames[3];

// The best kernel set this CPU (and OS) supports.
int best_isa();
// The best, lowered by RNNLAB_NATIVE_SIMD=avx2|scalar (a request above what the CPU supports
// falls back to the best available).
int default_isa();
// The table of `isa`, or of the best available one below it.
const KernelTable* table_for(int isa);

}  // namespace rnnlab
