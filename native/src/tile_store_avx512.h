// The 6×48 AVX-512 tile's store, shared by the fp32 and the bf16 micro-kernels (a macro, so each
// ISA translation unit compiles it with its own flags: see kernels.h on why nothing with
// external linkage may be shared between them). Expects the column masks k0, k1, k2 of the
// tile's three 16-lane blocks, va = alpha and vb = beta broadcast, C, ldc, m, beta in scope.
// One formula for full and edge tiles (masks only select lanes): C = fma(alpha, acc, beta·C).
#pragma once
#include <immintrin.h>

#define TILE6X48_STORE(R_, X0, X1, X2)                                                         \
  if (m > R_) {                                                                                \
    float* cr = C + (R_) * ldc;                                                                \
    if (beta == 0.f) {                                                                         \
      _mm512_mask_storeu_ps(cr, k0, _mm512_mul_ps(va, X0));                                    \
      if (k1) _mm512_mask_storeu_ps(cr + 16, k1, _mm512_mul_ps(va, X1));                       \
      if (k2) _mm512_mask_storeu_ps(cr + 32, k2, _mm512_mul_ps(va, X2));                       \
    } else {                                                                                   \
      _mm512_mask_storeu_ps(cr, k0, _mm512_fmadd_ps(va, X0, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(k0, cr)))); \
      if (k1) _mm512_mask_storeu_ps(cr + 16, k1, _mm512_fmadd_ps(va, X1, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(k1, cr + 16)))); \
      if (k2) _mm512_mask_storeu_ps(cr + 32, k2, _mm512_fmadd_ps(va, X2, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(k2, cr + 32)))); \
    }                                                                                          \
  }
