// The leaf kernels of the native backend, one table per instruction set.
//
// isa_avx512.cc, isa_avx2.cc and isa_scalar.cc each compile kernels_impl.h with their own
// compiler flags (binding.gyp builds them as separate static libraries) and export two
// functions: the fp32 KernelTable and the emulated bf16 GemmKernels; isa_avx512bf16.cc exports
// the vdpbf16ps GemmKernels. dispatch.cc picks a table at run time from CPUID, so the binary
// runs on any x86-64 (and builds elsewhere with the scalar tables only).
//
// This header must stay declarations-only: no inline functions, no templates. Anything with
// external linkage that is compiled under -mavx512f in one TU and under baseline flags in
// another would be merged by the linker (ODR), and a baseline caller could end up executing
// AVX-512 code. The ISA TUs keep everything else in an anonymous namespace.
//
// Threading lives in gemm_mt.cc, recurrent_mt.cc and napi_ops.cc: every kernel here is serial
// and works on a slice (rows, columns or an element range) that the caller chose. All pointers
// are float32 row-major with element strides; "ld" arguments are row strides in elements.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rnnlab {

struct GemmArgs {
  int transA, transB;
  long M, N, K;
  float alpha, beta;
  const float* A;  // [M,K] (lda = K), or [K,M] if transA (lda = M)
  long lda;
  const float* B;  // [K,N] (ldb = N), or [N,K] if transB (ldb = K)
  long ldb;
  float* C;        // [M,N], ldc = N
  long ldc;
};

struct AdamParams {
  double lr, beta1, beta2, eps, weightDecay, stepSize, bc2Sqrt;
};

struct KernelTable {
  const char* name;  // "avx512", "avx2", "scalar"
  int mr, nr, kc, mc, nc;

  // ---- GEMM ------------------------------------------------------------------------------
  // Floats of scratch gemm_rect needs (packed B block + packed A block).
  size_t (*gemm_work_floats)();
  // Serial C[m0:m1, n0:n1] = alpha·op(A)·op(B) + beta·C on a sub-rectangle (K > 0, alpha != 0).
  // Every element is accumulated in the same order whatever the rectangle (fixed KC blocking),
  // so splitting a GEMM over threads does not change the result.
  void (*gemm_rect)(const GemmArgs* g, long m0, long m1, long n0, long n1, float* work);
  // Pre-packed B: pack ncols columns of op(B) (K rows) once, reuse across many GEMMs.
  // Column c is column colmap[c] of op(B) if colmap, else column c of op(B) starting at B.
  size_t (*packed_b_floats)(long K, long ncols);
  void (*pack_b)(int transB, const float* B, long ldb, long K, long ncols, const int32_t* colmap, float* dst);
  // C[M, ncols] (ldc) = alpha·op(A)·packedB + beta·C. work: gemm_work_floats() floats.
  void (*gemm_packed)(int transA, long M, long ncols, long K, float alpha, const float* A, long lda,
                      const float* pb, float beta, float* C, long ldc, float* work);
  // Unpacked small-M products (M ≤ 4 is the intended use):
  // C[M, N] = alpha·A·Wᵀ + beta·C with A, W rows contiguous (lda, ldw);
  void (*dot_nt)(long M, long N, long K, float alpha, const float* A, long lda, const float* W, long ldw,
                 float beta, float* C, long ldc);
  // C[M, n0:n1] = alpha·op(A)·B + beta·C with B row-major [K, ldb], op(A)(m, k) = A[m·rsA + k·csA].
  void (*gemv_n)(long M, long n0, long n1, long K, float alpha, const float* A, long rsA, long csA,
                 const float* B, long ldb, float beta, float* C, long ldc);

  // ---- recurrent cells: one batch row, units [0, nu) of a slice starting at unit j0 --------
  // pre: this thread's GEMM output h_{t-1}·W_hhᵀ for the slice, gate g at pre + g·ps.
  // Row pointers (xw, cache, dxw, ...) are already offset by j0; gate g is at + g·H.
  void (*lstm_fwd)(long nu, long H, const float* pre, long ps, const float* xw, const float* bhh,
                   float* c, float* h, float* cache);
  void (*gru_fwd)(long nu, long H, const float* pre, long ps, const float* xw, const float* bhh,
                  const float* hprev, float* h, float* cache);
  void (*rnn_fwd)(long nu, int relu, const float* pre, const float* xw, const float* bhh, float* h);
  // cprev may be null (zeros). dcnext is in/out.
  void (*lstm_bwd)(long nu, long H, const float* cache, const float* cprev, const float* dhs,
                   const float* dhnext, float* dcnext, float* dxw);
  void (*gru_bwd)(long nu, long H, const float* cache, const float* hprev, const float* dhs,
                  const float* dhnext, float* dxw, float* dhw, float* dhdirect);
  void (*rnn_bwd)(long nu, int relu, const float* h, const float* dhs, const float* dhnext, float* dxw);

  // ---- losses ----------------------------------------------------------------------------
  // One row: returns logZ − logits[y]; writes gradScale·(softmax − onehot) into dl if non-null
  // (dl may equal logits).
  double (*ce_row)(const float* logits, long V, long y, float* dl, float gradScale);

  // ---- elementwise (element range [i0, i1)) ----------------------------------------------
  void (*dropout)(float* y, const float* x, long i0, long i1, uint64_t threshold, double scale, uint32_t seed);
  void (*adam)(float* p, const float* g, float* m, float* v, long n, const AdamParams* a);
  void (*sgd)(float* p, const float* g, float* buf, long n, double lr, double momentum, double wd);
  void (*scale)(float* x, long n, double alpha);
  double (*sumsq)(const float* x, long n);
  void (*fill)(float* x, long n, float v);
  void (*add_rows)(float* y, const float* b, long rows, long cols, long ldy);  // y[r, :] += b
  void (*sum_rows)(float* db, const float* dy, long rows, long cols, long ldy);  // db += Σ_r dy[r, :]
  void (*add)(float* y, const float* x, long n);                                   // y += x

  // 1 when the GEMM converts A while packing it (the bf16 tables): gemm_mt then avoids work
  // items that would each convert all of A.
  int converts_a;
};

// The GEMM entries of a KernelTable (same meaning as there), as the bf16 kernel sets export
// them. dispatch.cc combines one with the fp32 table of the same ISA (gate math, losses,
// optimizers stay fp32) into the table a --precision bf16 call runs.
//
// bf16 semantics: both operands of every product are rounded to bfloat16 (round to nearest
// even, NaN stays NaN) and the products are accumulated in fp32; alpha, beta and C stay fp32.
// pack_b stores bf16 (packed_b_floats still counts floats of scratch).
struct GemmKernels {
  const char* name;  // "avx512bf16", or "emulated" (the fp32 kernels on rounded operands)
  int mr, nr, kc, mc, nc;
  size_t (*gemm_work_floats)();
  void (*gemm_rect)(const GemmArgs* g, long m0, long m1, long n0, long n1, float* work);
  size_t (*packed_b_floats)(long K, long ncols);
  void (*pack_b)(int transB, const float* B, long ldb, long K, long ncols, const int32_t* colmap, float* dst);
  void (*gemm_packed)(int transA, long M, long ncols, long K, float alpha, const float* A, long lda,
                      const float* pb, float beta, float* C, long ldc, float* work);
  void (*dot_nt)(long M, long N, long K, float alpha, const float* A, long lda, const float* W, long ldw,
                 float beta, float* C, long ldc);
  void (*gemv_n)(long M, long n0, long n1, long K, float alpha, const float* A, long rsA, long csA,
                 const float* B, long ldb, float beta, float* C, long ldc);
};

const KernelTable* kernels_scalar();
// Emulated bf16 GEMMs of each ISA: operands rounded to bf16 (RNE, denormals kept) while
// packing, then the fp32 micro-kernels (exact products of bf16 values, fp32 sums).
const GemmKernels* gemm_bf16emu_scalar();
#if defined(__x86_64__) || defined(_M_X64)
const KernelTable* kernels_avx2();
const KernelTable* kernels_avx512();
const GemmKernels* gemm_bf16emu_avx2();
const GemmKernels* gemm_bf16emu_avx512();
// AVX-512 BF16: operands converted with vcvtne2ps2bf16 and multiplied with vdpbf16ps
// (isa_avx512bf16.cc). Both instructions treat denormal inputs as zero.
const GemmKernels* gemm_avx512bf16();
#endif

}  // namespace rnnlab
