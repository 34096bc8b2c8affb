// The threaded GEMM driver over one kernel table.
#pragma once
#include "kernels.h"

namespace rnnlab {

// C[M,N] = alpha·op(A)·op(B) + beta·C with row strides g.lda/ldb/ldc, on up to `threads`
// threads. Results are identical for any thread count (see gemm_mt.cc).
void gemm_mt(const KernelTable* kt, const GemmArgs& g, int threads);

}  // namespace rnnlab
