// The threaded recurrent-layer drivers: a whole layer over a sequence per call, over the
// op's argument struct (ops.gen.h) and one kernel table.
#pragma once
#include "kernels.h"
#include "ops.gen.h"

namespace rnnlab {

void recurrent_forward(const KernelTable* kt, const op::RecurrentForward& a, int threads);
// T = 0 adds nothing to dW_hh / db_hh and sets dh0 / dc0 to zero (as the reference).
void recurrent_backward(const KernelTable* kt, const op::RecurrentBackward& a, int threads);

}  // namespace rnnlab
