//===- CudaKernels.h - device kernels called by generated host code -*- C
//-*-===//
//
// The C ABI between the host code that olmc generates for the `cuda` target
// and the runtime's CUDA backend (runtime/lib/cuda, built into
// libolmrt_cuda.so, which olmrt opens only for cuda artifacts so that the
// runtime itself never needs a GPU or the CUDA libraries).
//
// Generated host code (the artifact's `code.host.so` section) runs on the
// CPU and only *enqueues* work: every function below launches asynchronously
// on the backend's stream and never synchronises, so a whole decode step can
// be captured as one CUDA graph. The functions never fail: the runtime has
// validated ids, positions and sizes before an entry point runs.
//
// Conventions (as CpuKernels.h, with device pointers):
//   - every tensor pointer is a device pointer, row-major, contiguous;
//   - activations, weights and the KV cache hold the model's compute dtype
//     (manifest model.dtype: bf16, f16 or f32), fixed per OlmgContext;
//     arithmetic inside kernels is float32; "f32 out" flags below mark the
//     one exception, the float32 logits the caller receives;
//   - M is a number of token rows (batch * seq); weights are [N, K].
//
// Bump kOlmxAbiVersion (GeneratedABI.h) on any change to this file.
//
//===----------------------------------------------------------------------===//
#ifndef OLMRT_CUDAKERNELS_H
#define OLMRT_CUDAKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The backend state of one loaded model: stream, cuBLASLt handle and
/// workspace, the generated kernels' module. Opaque to generated code; it
/// arrives as OlmxRunContext::device.
typedef struct OlmgContext OlmgContext;

/// out[m, :] = table[ids[m], :] * scale.
void olmg_embedding(OlmgContext *g, const int32_t *ids, const void *table,
                    void *out, int64_t M, int64_t D, float scale);

/// out[b, t, :] = x[b, t, :] + table[pos0 + t + offset, :]. x may equal out.
void olmg_pos_embedding_add(OlmgContext *g, const void *x, const void *table,
                            void *out, int64_t B, int64_t T, int64_t D,
                            int64_t pos0, int64_t offset);

/// y[M, N] (=|+=) act(x[M, K] * w[N, K]^T + bias[N]); bias may be null;
/// accumulate != 0 adds into y (the residual as cuBLASLt's C operand; then
/// act < 0). act: -1 none, else a kind as olmg_activation. y_f32 != 0: y
/// is float32 (the logits), else the compute dtype. Rows of y are ldy >= N
/// elements apart.
void olmg_matmul(OlmgContext *g, const void *x, const void *w, const void *bias,
                 void *y, int64_t M, int64_t N, int64_t K, int32_t accumulate,
                 int32_t y_f32, int32_t act, int64_t ldy);

/// A gated MLP's first half: with p = x w^T (+ bias), w: [2H, K] (gate rows,
/// then up rows), bias: [2H] or null, out[m, j] = act(p[m, j]) * p[m, H + j],
/// out: [M, H]; act as OLMK_ACT_*. Up to 8 rows (bf16/f16, K a multiple of
/// 32 beyond one row) gate in the product's epilogue; otherwise the product
/// goes to scratch and olmg_gated_activation follows.
void olmg_matmul_gated(OlmgContext *g, const void *x, const void *w,
                       const void *bias, void *out, int64_t M, int64_t H,
                       int64_t K, int32_t act);

/// olmg_matmul (gated = 0; N outputs) or olmg_matmul_gated (gated != 0; N
/// is H, w has 2H rows, accumulate = 0) of xn = olmg_rmsnorm(x, norm_w,
/// eps, w_offset), without storing xn where the product can normalise the
/// rows it reads (batch 1: xn stays in float32); otherwise xn goes to
/// scratch first, rounded to the compute dtype. x must not be y.
void olmg_matmul_norm(OlmgContext *g, const void *x, const void *norm_w,
                      float eps, float w_offset, const void *w,
                      const void *bias, void *y, int64_t M, int64_t N,
                      int64_t K, int32_t accumulate, int32_t y_f32, int32_t act,
                      int64_t ldy, int32_t gated);

/// olmg_matmul_norm with xn = olmg_layernorm(x, norm_w, norm_b, eps)
/// (norm_b may be null; norm_w may not).
void olmg_matmul_layernorm(OlmgContext *g, const void *x, const void *norm_w,
                           const void *norm_b, float eps, const void *w,
                           const void *bias, void *y, int64_t M, int64_t N,
                           int64_t K, int32_t accumulate, int32_t y_f32,
                           int32_t act, int64_t ldy, int32_t gated);

/// y = x / sqrt(mean(x^2) + eps) * (w + w_offset), in float32. x may be y.
void olmg_rmsnorm(OlmgContext *g, const void *x, const void *w, void *y,
                  int64_t M, int64_t D, float eps, float w_offset);

/// y = (x - mean) / sqrt(var + eps) * w + b; w, b may be null. x may be y.
void olmg_layernorm(OlmgContext *g, const void *x, const void *w, const void *b,
                    void *y, int64_t M, int64_t D, float eps);

/// y[i] = act(x[i]) for i < n; kinds as OLMK_ACT_* in CpuKernels.h.
void olmg_activation(OlmgContext *g, const void *x, void *y, int64_t n,
                     int32_t kind);

/// out[m, j] = act(gu[m, j]) * gu[m, H + j]; gu: [M, 2H], out: [M, H].
void olmg_gated_activation(OlmgContext *g, const void *gu, void *out, int64_t M,
                           int64_t H, int32_t kind);

/// y[i] = cap * tanh(x[i] / cap); y_f32 as olmg_matmul.
void olmg_softcap(OlmgContext *g, const void *x, void *y, int64_t n, float cap,
                  int32_t y_f32);

/// out[i] = a[i] + b[i].
void olmg_add(OlmgContext *g, const void *a, const void *b, void *out,
              int64_t n);

/// out[i] = a[i] * s.
void olmg_scale(OlmgContext *g, const void *a, float s, void *out, int64_t n);

/// dst[r, offset .. offset+cols) = src[r, :] for r < rows.
void olmg_copy_columns(OlmgContext *g, const void *src, int64_t cols, void *dst,
                       int64_t dst_cols, int64_t offset, int64_t rows);

/// y[i] = float(x[i]): the logits, when the op that computes them is not
/// one of those with a y_f32 flag.
void olmg_to_f32(OlmgContext *g, const void *x, float *y, int64_t n);

/// Self-attention over the KV cache for one layer, exactly as
/// olmk_attention in CpuKernels.h (the same icfg/fcfg indices, qkv and
/// cache layouts, RoPE, qk-norm, window, softcap and GQA), with device
/// pointers for the tensors and *host* pointers for icfg, fcfg and
/// inv_freq (constants of the generated code: the backend passes them to
/// its kernels by value, so nothing is copied inside a captured step).
/// The caches hold the compute dtype.
void olmg_attention(OlmgContext *g, const int64_t *icfg, const float *fcfg,
                    const float *inv_freq, const void *qkv, void *k_cache,
                    void *v_cache, void *out, int64_t B, int64_t T,
                    int64_t pos0, const void *q_norm_w, const void *k_norm_w,
                    const void *q_norm_b, const void *k_norm_b);

/// Launches generated kernel number `kernel` (manifest device_kernels
/// order) over n elements: its parameters are the nargs device pointers
/// args[0..nargs) followed by n (i64). Grid and block sizes are the
/// backend's: device_kernels[kernel].elements_per_thread elements a thread,
/// each kernel bounds-checks against n itself.
void olmg_launch(OlmgContext *g, int32_t kernel, int64_t n, int32_t nargs,
                 void *const *args);

#ifdef __cplusplus
}
#endif

#endif // OLMRT_CUDAKERNELS_H
