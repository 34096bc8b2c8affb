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

// --precision: fp32, or bf16 (GEMM operands rounded to bf16, fp32 accumulation; everything
// else fp32). The argument block's precision slot holds one of these.
enum Precision { kFp32 = 0, kBf16 = 1 };
// Which bf16 GEMM a level runs: vdpbf16ps (AVX-512 level on a CPU with AVX-512 BF16), or the
// emulation (operands rounded while packing, the level's fp32 micro-kernels).
enum Bf16Kernel { kBf16Emulated = 0, kBf16Avx512 = 1 };
extern const char* const kBf16KernelNames[2];
int bf16_kernel(int isa);
// CPU facts for `rnnlab info`: AVX-512 BF16 usable (with BW and VL), AMX-BF16 tiles present
// (CPUID only: rnnlab has no AMX kernel).
bool cpu_avx512bf16();
bool cpu_amx_bf16();
// The table a call with this level and precision runs: for bf16, the level's fp32 table with
// its GEMM entries replaced by the bf16 ones.
const KernelTable* table_for(int isa, int precision);

}  // namespace rnnlab
