//===- Gemv.h - The own kernel for batch-1 products -----------------------===//

#ifndef OLMRT_LIB_CUDA_GEMV_H
#define OLMRT_LIB_CUDA_GEMV_H

#include "Context.h"

namespace olmrt::cuda {

/// olmg_matmul's product (same arguments; any activation, computed in
/// float32 before the one rounding) by the GEMV of Gemv.cu. False, with
/// nothing enqueued, where it does not apply: M other than 1, K not a whole
/// number of 16-byte packs, x or w not 16-byte aligned, or
/// OLMRT_CUDA_GEMV=0.
bool gemv(OlmgContext *g, const void *x, const void *w, const void *bias,
          void *y, int64_t M, int64_t N, int64_t K, int32_t accumulate,
          int32_t yF32, int32_t act, int64_t ldy);

/// olmg_matmul_gated's out = act(gate) * up by the same GEMV, gating in its
/// epilogue; false where gemv() would be.
bool gemvGated(OlmgContext *g, const void *x, const void *w, const void *bias,
               void *out, int64_t M, int64_t H, int64_t K, int32_t act);

/// olmg_matmul_norm's product by the same GEMV, normalising the row of x
/// as it reads it (gated: N is H, as gemvGated); false where gemv() would
/// be, or when normW is not 16-byte aligned.
bool gemvNorm(OlmgContext *g, const void *x, const void *normW, float eps,
              float offset, const void *w, const void *bias, void *y, int64_t M,
              int64_t N, int64_t K, int32_t accumulate, int32_t yF32,
              int32_t act, bool gated);

/// olmg_matmul_layernorm's product by the same GEMV (normB may be null);
/// false where gemvNorm() would be, or when normB is not 16-byte aligned.
bool gemvLayerNorm(OlmgContext *g, const void *x, const void *normW,
                   const void *normB, float eps, const void *w,
                   const void *bias, void *y, int64_t M, int64_t N, int64_t K,
                   int32_t accumulate, int32_t yF32, int32_t act, bool gated);

/// olmg_matmul's product for M = 2..8 rows on tensor cores (GemvMma.cu):
/// bf16/f16, K a multiple of 32, x and w 16-byte aligned, any y pitch,
/// bias, accumulation, activation, f32 y. False, with nothing enqueued,
/// elsewhere or with OLMRT_CUDA_GEMV_MMA=0.
bool gemvMma(OlmgContext *g, const void *x, const void *w, const void *bias,
             void *y, int64_t M, int64_t N, int64_t K, int32_t accumulate,
             int32_t yF32, int32_t act, int64_t ldy);

/// olmg_matmul_gated's out = act(gate) * up for M = 2..8 rows, gating in
/// the epilogue of the same kernel; false where gemvMma() would be.
bool gemvMmaGated(OlmgContext *g, const void *x, const void *w,
                  const void *bias, void *out, int64_t M, int64_t H, int64_t K,
                  int32_t act);

} // namespace olmrt::cuda

#endif // OLMRT_LIB_CUDA_GEMV_H
