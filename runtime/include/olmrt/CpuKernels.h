//===- CpuKernels.h - CPU kernels called by generated code ------*- C++ -*-===//
//
// The C ABI between code that olmc generates for the CPU target and the
// runtime. Generated code (a shared object inside the artifact) calls these
// symbols; `olmrt`/`olmc` export them (ENABLE_EXPORTS) so the loader
// resolves them when it opens the code section.
//
// Conventions: float32, row-major, contiguous. M is a number of token rows
// (batch * seq). Weights are [N, K] (torch.nn.Linear layout): the runtime
// converts every checkpoint layout to this one when it loads weights.
// Kernels never allocate on the heap in their hot path and never fail:
// the runtime validates ids, positions and sizes before calling.
//
//===----------------------------------------------------------------------===//
#ifndef OLMRT_CPUKERNELS_H
#define OLMRT_CPUKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// out[m, :] = table[ids[m], :] * scale.   table: [vocab, D]
void olmk_embedding(const int32_t *ids, const float *table, float *out,
                    int64_t M, int64_t D, float scale);

/// x[b, t, :] += table[pos0 + t + offset, :]  for b < B, t < T.
void olmk_pos_embedding_add(float *x, const float *table, int64_t B,
                            int64_t T, int64_t D, int64_t pos0,
                            int64_t offset);

/// y[M, N] (=|+=) x[M, K] * w[N, K]^T + bias[N].
/// bias may be null. accumulate != 0 adds into y (residual fusion).
void olmk_matmul(const float *x, const float *w, const float *bias, float *y,
                 int64_t M, int64_t N, int64_t K, int32_t accumulate);

/// y[m, :] = x[m, :] / sqrt(mean(x[m, :]^2) + eps) * (w + w_offset).
/// Computed in float32 (double accumulation allowed). x may alias y.
void olmk_rmsnorm(const float *x, const float *w, float *y, int64_t M,
                  int64_t D, float eps, float w_offset);

/// y = (x - mean) / sqrt(var + eps) * w + b (biased variance, as torch).
/// w and b may each be null (no scale / no shift). x may alias y.
void olmk_layernorm(const float *x, const float *w, const float *b, float *y,
                    int64_t M, int64_t D, float eps);

/// Activation kinds.
enum {
  OLMK_ACT_GELU = 0,      // x * 0.5 * (1 + erf(x / sqrt(2)))
  OLMK_ACT_GELU_TANH = 1, // 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))
  OLMK_ACT_RELU = 2,
  OLMK_ACT_SILU = 3,      // x * sigmoid(x)
};

/// x[i] = act(x[i]) in place, for i < n.
void olmk_activation(float *x, int64_t n, int32_t kind);

/// out[m, j] = act(gu[m, j]) * gu[m, H + j] for gu: [M, 2H] (gate, then
/// up), out: [M, H].
void olmk_gated_activation(const float *gu, float *out, int64_t M, int64_t H,
                           int32_t kind);

/// x[i] = cap * tanh(x[i] / cap), in place.
void olmk_softcap(float *x, int64_t n, float cap);

/// Integer configuration of one attention layer (array indices).
enum {
  OLMK_ATTN_HEADS = 0,
  OLMK_ATTN_KV_HEADS = 1,
  OLMK_ATTN_HEAD_DIM = 2,
  OLMK_ATTN_ROTARY_DIM = 3,   // 0: no RoPE; else even, <= head_dim
  OLMK_ATTN_INTERLEAVED = 4,  // 0: half split (HF rotate_half); 1: pairs
  OLMK_ATTN_WINDOW = 5,       // 0: off; else query i sees key j iff i-j < W
  OLMK_ATTN_CAUSAL = 6,
  OLMK_ATTN_MAX_SEQ = 7,      // KV cache capacity per sequence
  OLMK_ATTN_QK_NORM = 8,      // 0: none, 1: rmsnorm, 2: layernorm
  OLMK_ATTN_NUM_INTS = 9
};
/// Float configuration (array indices).
enum {
  OLMK_ATTN_SCALE = 0,       // multiplies q.k
  OLMK_ATTN_SOFTCAP = 1,     // 0: off; else cap * tanh(s / cap)
  OLMK_ATTN_QK_NORM_EPS = 2,
  OLMK_ATTN_NUM_FLOATS = 3
};

/// Self-attention over a KV cache for one layer.
///   qkv:      [B, T, (H + 2*KVH) * hd]; per row: H query heads, then KVH key
///             heads, then KVH value heads, each hd floats.
///   k_cache,
///   v_cache:  [B, KVH, max_seq, hd]; this call writes positions
///             pos0 .. pos0+T-1 (all sequences share pos0).
///   out:      [B, T, H * hd]
///   inv_freq: [rotary_dim / 2], the RoPE inverse frequencies.
///   q_norm_w/k_norm_w/q_norm_b/k_norm_b: [hd] or null (qk-norm per head).
/// Order per token: qk-norm (if any) -> RoPE on the first rotary_dim dims of
/// q and k at position pos0 + t -> store k, v in the caches -> query at
/// position p = pos0 + t attends to keys 0..p (causal; all pos0+T keys when
/// not causal) within the window, scores = scale * q.k (then softcap),
/// softmax in float32, weighted sum of v. Query head h reads kv head
/// h / (H / KVH).
void olmk_attention(const int64_t *icfg, const float *fcfg,
                    const float *inv_freq, const float *qkv, float *k_cache,
                    float *v_cache, float *out, int64_t B, int64_t T,
                    int64_t pos0, const float *q_norm_w, const float *k_norm_w,
                    const float *q_norm_b, const float *k_norm_b);

#ifdef __cplusplus
}
#endif

#endif // OLMRT_CPUKERNELS_H
