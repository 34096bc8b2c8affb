// The op handlers: one run() per op the addon has a kernel for, over the op's argument
// struct generated from the op table (ops.gen.h), and their registration. Every call arrives
// checked (src/backend/checks.ts): sizes are non-negative, every range lies inside its
// tensor, ids are below their table's rows. The handlers choose threads and call the serial
// kernels (kernels.h) or the threaded drivers (gemm_mt, recurrent_mt).
//
// An op of the table without a handler here (the pooling ops, copyRows) is simply not
// exported: the JS side then runs the reference kernel on the tensors' Float32Array views,
// until a benchmark says the op deserves a kernel of its own (ReLU and BatchNorm did: the
// CNN classifier spent a quarter of its step in their reference kernels).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "addon.h"
#include "dispatch.h"
#include "gemm_mt.h"
#include "ops.gen.h"
#include "parallel.h"
#include "recurrent_mt.h"

namespace rnnlab {
namespace {

// What every handler gets besides its arguments: the kernel set (for --precision bf16, the
// level's table with bf16 GEMM entries: every product of the op, including those inside the
// recurrent drivers, rounds its operands), the thread count, the block (for results) and the
// environment (for errors).
struct Ctx {
  const KernelTable* kt;
  int threads;
  double* a;
  Napi::Env env;
};

Ctx ctx(const Napi::CallbackInfo& info) {
  double* a = args_block(info);
  const int isa = (int)a[op::kIsaSlot];
  const int threads = (int)a[op::kThreadsSlot];
  const int precision = a[op::kPrecisionSlot] == 1 ? kBf16 : kFp32;
  return {table_for(isa < 0 ? 0 : isa, precision), threads < 1 ? 1 : threads, a, info.Env()};
}

// ---- GEMM, bias ---------------------------------------------------------------------------

void run(const Ctx& c, const op::Gemm& o) {
  GemmArgs g;
  g.transA = o.transA;
  g.transB = o.transB;
  g.M = o.M;
  g.N = o.N;
  g.K = o.K;
  g.alpha = (float)o.alpha;
  g.beta = (float)o.beta;
  g.A = o.A;
  g.lda = o.lda;
  g.B = o.B;
  g.ldb = o.ldb;
  g.C = o.C;
  g.ldc = o.ldc;
  gemm_mt(c.kt, g, c.threads);
}

void run(const Ctx& c, const op::AddBias& o) {
  const long cols = o.cols;
  for_ranges(c.threads, o.rows, 1, (double)o.rows * cols, 65536, [&](long lo, long hi, int) {
    if (lo < hi) c.kt->add_rows(o.Y + lo * cols, o.b, hi - lo, cols, cols);
  });
}

void run(const Ctx& c, const op::SumRows& o) {
  for_ranges(c.threads, o.cols, 16, (double)o.rows * o.cols, 65536, [&](long lo, long hi, int) {
    if (lo < hi) c.kt->sum_rows(o.db + lo, o.dY + lo, o.rows, hi - lo, o.cols);
  });
}

// ---- embeddings: gathers by id, scatter-adds by id (ids < 0: zero row / skipped) -------------

void run(const Ctx& c, const op::EmbeddingForward& o) {
  const long E = o.E;
  for_ranges(c.threads, o.n, 1, (double)o.n * E, 65536, [&](long lo, long hi, int) {
    for (long i = lo; i < hi; ++i) {
      const long id = o.ids[i];
      if (id < 0) std::memset(o.out + i * E, 0, sizeof(float) * E);
      else std::memcpy(o.out + i * E, o.W + id * E, sizeof(float) * E);
    }
  });
}

// One-hot input: x_t·Wᵀ is column ids[i] of W [G,V].
void run(const Ctx& c, const op::OnehotForward& o) {
  const long G = o.G, V = o.V;
  for_ranges(c.threads, o.n, 1, (double)o.n * G, 65536, [&](long lo, long hi, int) {
    for (long i = lo; i < hi; ++i) {
      const long id = o.ids[i];
      float* out = o.out + i * G;
      if (id < 0) std::memset(out, 0, sizeof(float) * G);
      else for (long g = 0; g < G; ++g) out[g] = o.W[g * V + id];
    }
  });
}

// Threads split the width (columns of dOut), each walks all rows in order: duplicate ids
// accumulate in the reference's order, without races.
void run(const Ctx& c, const op::EmbeddingBackward& o) {
  const long E = o.E;
  for_ranges(c.threads, E, 16, (double)o.n * E, 65536, [&](long lo, long hi, int) {
    if (lo >= hi) return;
    for (long i = 0; i < o.n; ++i) {
      const long id = o.ids[i];
      if (id >= 0) c.kt->add(o.dW + id * E + lo, o.dOut + i * E + lo, hi - lo);
    }
  });
}

void run(const Ctx& c, const op::OnehotBackward& o) {
  const long G = o.G, V = o.V;
  for_ranges(c.threads, G, 16, (double)o.n * G, 65536, [&](long lo, long hi, int) {
    if (lo >= hi) return;
    for (long i = 0; i < o.n; ++i) {
      const long id = o.ids[i];
      if (id < 0) continue;
      const float* d = o.dOut + i * G;
      for (long g = lo; g < hi; ++g) o.dW[g * V + id] += d[g];
    }
  });
}

// ---- recurrent layers ----------------------------------------------------------------------

void run(const Ctx& c, const op::RecurrentForward& o) { recurrent_forward(c.kt, o, c.threads); }
void run(const Ctx& c, const op::RecurrentBackward& o) { recurrent_backward(c.kt, o, c.threads); }

// ---- loss ----------------------------------------------------------------------------------

// Rows in parallel into per-row losses, summed in row order afterwards (thread-count independent).
void run(const Ctx& c, const op::CrossEntropy& o) {
  const long n = o.n, V = o.V;
  const int32_t* targets = o.targets;
  for (long r = 0; r < n; ++r) {
    const int32_t y = targets[r];
    if (y == o.ignoreIndex) continue;
    if (y < 0 || y >= V)
      throw Napi::RangeError::New(c.env, "target " + std::to_string(y) + " outside the vocabulary [0, " + std::to_string(V) + ")");
  }
  double* loss = (double*)t_arena[kReductionArena].get(sizeof(double) * (n > 0 ? n : 1));
  const float gs = (float)o.gradScale;
  for_ranges(c.threads, n, 1, (double)n * V, 32768, [&](long lo, long hi, int) {
    for (long r = lo; r < hi; ++r) {
      const int32_t y = targets[r];
      if (y == o.ignoreIndex) {
        loss[r] = 0;
        if (o.dlogits) std::memset(o.dlogits + r * V, 0, sizeof(float) * V);
        continue;
      }
      loss[r] = c.kt->ce_row(o.logits + r * V, V, y, o.dlogits ? o.dlogits + r * V : nullptr, gs);
    }
  });
  double total = 0;
  long count = 0;
  for (long r = 0; r < n; ++r) {
    if (targets[r] == o.ignoreIndex) continue;
    total += loss[r];
    ++count;
  }
  op::CrossEntropy::put(c.a, total, (double)count);
}

// ---- dropout -------------------------------------------------------------------------------

// Forward and backward are the same masked scaling; y may be x. The seed's low 32 bits are
// the hash's (as ToInt32 in src/util/rng.ts).
void dropout(const Ctx& c, float* y, const float* x, long n, double p, long seed) {
  const double thr = p * 4294967296.0;
  // kept iff hash ≥ thr  ⇔  hash ≥ ceil(thr) for an integer hash; NaN p drops everything.
  uint64_t ti;
  if (std::isnan(thr) || thr > 4294967295.0) ti = 1ull << 32;
  else if (thr <= 0) ti = 0;
  else ti = (uint64_t)std::ceil(thr);
  const double s = 1.0 / (1.0 - p);
  const uint32_t seed32 = (uint32_t)(uint64_t)seed;
  parallel_range(c.threads, n, 65536, [&](long lo, long hi) { c.kt->dropout(y, x, lo, hi, ti, s, seed32); });
}
void run(const Ctx& c, const op::DropoutForward& o) { dropout(c, o.y, o.x, o.n, o.p, o.seed); }
void run(const Ctx& c, const op::DropoutBackward& o) { dropout(c, o.dx, o.dy, o.n, o.p, o.seed); }

// ---- vectors -------------------------------------------------------------------------------

void run(const Ctx& c, const op::Fill& o) {
  const float v = (float)o.value;
  parallel_range(c.threads, o.n, 262144, [&](long lo, long hi) { c.kt->fill(o.t + lo, hi - lo, v); });
}

// Overlapping ranges are allowed (memmove, single thread then).
void run(const Ctx& c, const op::Copy& o) {
  float* d = o.dst;
  const float* s = o.src;
  const long n = o.n;
  if (n <= 0 || d == s) return;
  if (d < s + n && s < d + n) std::memmove(d, s, sizeof(float) * n);
  else parallel_range(c.threads, n, 262144, [&](long lo, long hi) { std::memcpy(d + lo, s + lo, sizeof(float) * (hi - lo)); });
}

void run(const Ctx& c, const op::Scale& o) {
  parallel_range(c.threads, o.n, 131072, [&](long lo, long hi) { c.kt->scale(o.t + lo, hi - lo, o.alpha); });
}

// Fixed chunks, partial sums added in order: the same result for any thread count.
void run(const Ctx& c, const op::SumSquares& o) {
  const long n = o.n;
  constexpr long kChunk = 16384;
  const long chunks = (n + kChunk - 1) / kChunk;
  double* part = (double*)t_arena[kReductionArena].get(sizeof(double) * (chunks > 0 ? chunks : 1));
  for_ranges(c.threads, chunks, 1, (double)n, 131072, [&](long lo, long hi, int) {
    for (long k = lo; k < hi; ++k) part[k] = c.kt->sumsq(o.t + k * kChunk, std::min(kChunk, n - k * kChunk));
  });
  double s = 0;
  for (long k = 0; k < chunks; ++k) s += part[k];
  op::SumSquares::put(c.a, s);
}

// ---- optimizers ----------------------------------------------------------------------------

// stepSize = lr / (1 − beta1^step) and bc2Sqrt = √(1 − beta2^step) come computed in JS with
// Math.pow (derived slots), so they are bit-identical to the reference's.
void run(const Ctx& c, const op::Adam& o) {
  AdamParams ap;
  ap.lr = o.lr;
  ap.beta1 = o.beta1;
  ap.beta2 = o.beta2;
  ap.eps = o.eps;
  ap.weightDecay = o.weightDecay;
  ap.stepSize = o.stepSize;
  ap.bc2Sqrt = o.bc2Sqrt;
  parallel_range(c.threads, o.n, 65536, [&](long lo, long hi) {
    c.kt->adam(o.param + lo, o.grad + lo, o.m + lo, o.v + lo, hi - lo, &ap);
  });
}

void run(const Ctx& c, const op::Sgd& o) {
  parallel_range(c.threads, o.n, 65536, [&](long lo, long hi) {
    c.kt->sgd(o.param + lo, o.grad + lo, o.buf ? o.buf + lo : nullptr, hi - lo, o.lr, o.momentum, o.weightDecay);
  });
}

// ---- classifier layers ---------------------------------------------------------------------
// Element-wise or per-channel, memory-bound: plain loops the compiler vectorises. Each mirrors
// its reference kernel (src/backend/js/relu.ts, batchnorm.ts) operation for operation: sums in
// double in the same order, the saved statistics rounded to float before they are used.

void run(const Ctx& c, const op::ReluForward& o) {
  parallel_range(c.threads, o.n, 65536, [&](long lo, long hi) {
    for (long i = lo; i < hi; ++i) o.y[i] = o.x[i] < 0.f ? 0.f : o.x[i];
  });
}

void run(const Ctx& c, const op::ReluBackward& o) {
  parallel_range(c.threads, o.n, 65536, [&](long lo, long hi) {
    for (long i = lo; i < hi; ++i) o.dx[i] = o.y[i] > 0.f ? o.dy[i] : 0.f;
  });
}

void check_lengths(const Ctx& c, const int32_t* lengths, long T, long B) {
  for (long b = 0; b < B; ++b) {
    if (lengths[b] < 0 || lengths[b] > T)
      throw Napi::RangeError::New(c.env, "batchNorm: row " + std::to_string(b) + " has length " + std::to_string(lengths[b]) +
                                             ", outside [0, " + std::to_string(T) + "]");
  }
}

void run(const Ctx& c, const op::BatchNormForward& o) {
  const long T = o.T, B = o.B, F = o.F;
  check_lengths(c, o.lengths, T, B);
  if (o.train) {
    long n = 0;
    for (long b = 0; b < B; ++b) n += o.lengths[b];
    if (n == 0) throw Napi::RangeError::New(c.env, "batchNorm: no real position in the batch");
    std::vector<double> sum(F, 0.0), sq(F, 0.0);
    for (long t = 0; t < T; ++t)
      for (long b = 0; b < B; ++b) {
        if (t >= o.lengths[b]) continue;
        const float* x = o.x + (t * B + b) * F;
        for (long f = 0; f < F; ++f) sum[f] += x[f];
      }
    for (long f = 0; f < F; ++f) sum[f] /= (double)n;
    for (long t = 0; t < T; ++t)
      for (long b = 0; b < B; ++b) {
        if (t >= o.lengths[b]) continue;
        const float* x = o.x + (t * B + b) * F;
        for (long f = 0; f < F; ++f) {
          const double d = x[f] - sum[f];
          sq[f] += d * d;
        }
      }
    for (long f = 0; f < F; ++f) {
      const double v = sq[f] / (double)n;
      o.mean[f] = (float)sum[f];
      o.invStd[f] = (float)(1.0 / std::sqrt(v + o.eps));
      o.runMean[f] = (float)((1 - o.momentum) * o.runMean[f] + o.momentum * sum[f]);
      // one real position has no variance estimate: the running one stays (see js/batchnorm.ts)
      if (n > 1) o.runVar[f] = (float)((1 - o.momentum) * o.runVar[f] + o.momentum * v * (double)n / (double)(n - 1));
    }
  } else {
    for (long f = 0; f < F; ++f) {
      o.mean[f] = o.runMean[f];
      o.invStd[f] = (float)(1.0 / std::sqrt((double)o.runVar[f] + o.eps));
    }
  }
  for (long t = 0; t < T; ++t)
    for (long b = 0; b < B; ++b) {
      float* y = o.y + (t * B + b) * F;
      if (t >= o.lengths[b]) {
        std::memset(y, 0, sizeof(float) * F);
        continue;
      }
      const float* x = o.x + (t * B + b) * F;
      for (long f = 0; f < F; ++f) y[f] = (float)((double)o.gamma[f] * ((double)x[f] - o.mean[f]) * o.invStd[f] + o.beta[f]);
    }
}

void run(const Ctx& c, const op::BatchNormBackward& o) {
  const long T = o.T, B = o.B, F = o.F;
  check_lengths(c, o.lengths, T, B);
  long n = 0;
  for (long b = 0; b < B; ++b) n += o.lengths[b];
  std::vector<double> sdy(F, 0.0), sdyx(F, 0.0);
  for (long t = 0; t < T; ++t)
    for (long b = 0; b < B; ++b) {
      if (t >= o.lengths[b]) continue;
      const long r = (t * B + b) * F;
      for (long f = 0; f < F; ++f) {
        sdy[f] += o.dy[r + f];
        sdyx[f] += (double)o.dy[r + f] * ((double)o.x[r + f] - o.mean[f]) * o.invStd[f];
      }
    }
  for (long f = 0; f < F; ++f) {
    o.dGamma[f] = (float)(o.dGamma[f] + sdyx[f]);
    o.dBeta[f] = (float)(o.dBeta[f] + sdy[f]);
  }
  for (long t = 0; t < T; ++t)
    for (long b = 0; b < B; ++b) {
      const long r = (t * B + b) * F;
      if (t >= o.lengths[b]) {
        std::memset(o.dx + r, 0, sizeof(float) * F);
        continue;
      }
      for (long f = 0; f < F; ++f) {
        const double g = (double)o.gamma[f] * o.invStd[f];
        if (!o.train) o.dx[r + f] = (float)(g * o.dy[r + f]);
        else {
          const double xh = ((double)o.x[r + f] - o.mean[f]) * o.invStd[f];
          o.dx[r + f] = (float)((g / (double)n) * ((double)n * o.dy[r + f] - sdy[f] - xh * sdyx[f]));
        }
      }
    }
}

// ---- registration --------------------------------------------------------------------------

template <class Op>
Napi::Value Entry(const Napi::CallbackInfo& info) {
  const Ctx c = ctx(info);
  run(c, Op::unpack(c.a));
  return info.Env().Undefined();
}

template <class Op>
void add(Napi::Env env, Napi::Object exports) {
  exports.Set(Op::kName, Napi::Function::New(env, Guard<Entry<Op>>, Op::kName));
}

}  // namespace

void register_ops(Napi::Env env, Napi::Object exports) {
  add<op::Gemm>(env, exports);
  add<op::AddBias>(env, exports);
  add<op::SumRows>(env, exports);
  add<op::EmbeddingForward>(env, exports);
  add<op::EmbeddingBackward>(env, exports);
  add<op::OnehotForward>(env, exports);
  add<op::OnehotBackward>(env, exports);
  add<op::RecurrentForward>(env, exports);
  add<op::RecurrentBackward>(env, exports);
  add<op::CrossEntropy>(env, exports);
  add<op::DropoutForward>(env, exports);
  add<op::DropoutBackward>(env, exports);
  add<op::Fill>(env, exports);
  add<op::Copy>(env, exports);
  add<op::Scale>(env, exports);
  add<op::SumSquares>(env, exports);
  add<op::Adam>(env, exports);
  add<op::Sgd>(env, exports);
  add<op::ReluForward>(env, exports);
  add<op::ReluBackward>(env, exports);
  add<op::BatchNormForward>(env, exports);
  add<op::BatchNormBackward>(env, exports);
}

}  // namespace rnnlab
