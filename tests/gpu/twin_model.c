/*===- twin_model.c - One small transformer, as cpu and as cuda host code -===*
 *
 * Until olmc's cuda codegen lands, this stands in for generated code: a
 * Llama-style model (GQA, RoPE, RMSNorm, SwiGLU, biased qkv, residuals as
 * accumulating matmuls, float32 logits) written once against a few macros
 * and compiled twice: with TWIN_CUDA it enqueues the olmg_* kernels of
 * CudaKernels.h (code.host.so of a cuda artifact), without it calls the
 * olmk_* kernels of CpuKernels.h (code.cpu.so). make_twin writes the
 * artifacts; run_gpu_checks.sh runs both through olmrt and compares.
 *
 * Weights (manifest order): emb [V, D]; per layer: ln1 [D], qkv [(H+2K)hd,
 * D], qkv_b [(H+2K)hd], o [D, H hd], ln2 [D], gu [2F, D], down [D, F];
 * lnf [D], head [V, D]. Arena rows are max_batch * max_seq, 4 bytes an
 * element whatever the dtype; KV layer l: K at element 2 l C, V at
 * (2 l + 1) C, C = max_batch * KVH * max_seq * hd.
 *
 *===----------------------------------------------------------------------===*/

#include "olmrt/CpuKernels.h"
#include "olmrt/CudaKernels.h"
#include "olmrt/GeneratedABI.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "twin_config.h"

#ifndef TWIN_ES
#define TWIN_ES 4
#endif

static int64_t icfg[OLMK_ATTN_NUM_INTS] = {
    TWIN_H, TWIN_KVH, TWIN_HD, TWIN_HD, 0, 0, 1, TWIN_MAXSEQ, 0};
static float fcfg[OLMK_ATTN_NUM_FLOATS] = {0.125f, 0.0f, 1e-6f};
static float invFreq[TWIN_HD / 2];

#define ROWS ((int64_t)TWIN_MAXBATCH * TWIN_MAXSEQ)
#define QKV ((TWIN_H + 2 * TWIN_KVH) * TWIN_HD)
#define CACHE ((int64_t)TWIN_MAXBATCH * TWIN_KVH * TWIN_MAXSEQ * TWIN_HD)

#ifdef TWIN_CUDA
#define G (OlmgContext *)ctx->device,
#define EMB(ids, t, out, M) olmg_embedding(G ids, t, out, M, TWIN_D, 1.0f)
#define RMS(x, w, y, M) olmg_rmsnorm(G x, w, y, M, TWIN_D, 1e-5f, 0.0f)
#define MATMUL(x, w, b, y, M, N, K, acc, f32)                                  \
  olmg_matmul(G x, w, b, y, M, N, K, acc, f32, -1, N)
#define GATED(gu, out, M) olmg_gated_activation(G gu, out, M, TWIN_F, 3)
#define ATTN(qkv, kc, vc, out, B, T, pos0)                                     \
  olmg_attention(G icfg, fcfg, invFreq, qkv, kc, vc, out, B, T, pos0, NULL,   \
                 NULL, NULL, NULL)
#else
#define EMB(ids, t, out, M) olmk_embedding(ids, t, out, M, TWIN_D, 1.0f)
#define RMS(x, w, y, M) olmk_rmsnorm(x, w, y, M, TWIN_D, 1e-5f, 0.0f)
#define MATMUL(x, w, b, y, M, N, K, acc, f32)                                  \
  olmk_matmul(x, w, b, y, M, N, K, acc)
#define GATED(gu, out, M) olmk_gated_activation(gu, out, M, TWIN_F, 3)
#define ATTN(qkv, kc, vc, out, B, T, pos0)                                     \
  olmk_attention(icfg, fcfg, invFreq, qkv, kc, vc, out, B, T, pos0, NULL,     \
                 NULL, NULL, NULL)
#endif

#ifdef TWIN_CUDA
typedef void elem;
#else
typedef float elem;
#endif

static elem *at(void *base, int64_t elements) {
  return (elem *)((char *)base + elements * TWIN_ES);
}

static int32_t forward(OlmxRunContext *ctx) {
  if (invFreq[1] == 0.0f)
    for (int i = 0; i < TWIN_HD / 2; ++i)
      invFreq[i] = 1.0f / powf(10000.0f, (float)(2 * i) / (float)TWIN_HD);
  const elem *const *w = (const elem *const *)ctx->weights;
  int64_t B = ctx->batch, T = ctx->seq, M = B * T;
  /* Arena (4 bytes an element): x, h, qkv, att, gu, a. */
  elem *x = at(ctx->arena, 0);
  elem *h = at(ctx->arena, ROWS * TWIN_D);
  elem *qkv = at(ctx->arena, 2 * ROWS * TWIN_D);
  elem *att = at(ctx->arena, 2 * ROWS * TWIN_D + ROWS * QKV);
  elem *gu = at(ctx->arena, 3 * ROWS * TWIN_D + ROWS * QKV);
  elem *a = at(ctx->arena, 3 * ROWS * TWIN_D + ROWS * QKV + ROWS * 2 * TWIN_F);

  EMB(ctx->ids, w[0], x, M);
  for (int l = 0; l < TWIN_LAYERS; ++l) {
    const elem *const *lw = w + 1 + 7 * l;
    elem *kc = at(ctx->kv_cache, 2 * l * CACHE);
    elem *vc = at(ctx->kv_cache, (2 * l + 1) * CACHE);
    RMS(x, lw[0], h, M);
    MATMUL(h, lw[1], lw[2], qkv, M, QKV, TWIN_D, 0, 0);
    ATTN(qkv, kc, vc, att, B, T, ctx->pos0);
    MATMUL(att, lw[3], NULL, x, M, TWIN_D, TWIN_H * TWIN_HD, 1, 0);
    RMS(x, lw[4], h, M);
    MATMUL(h, lw[5], NULL, gu, M, 2 * TWIN_F, TWIN_D, 0, 0);
    GATED(gu, a, M);
    MATMUL(a, lw[6], NULL, x, M, TWIN_D, TWIN_F, 1, 0);
  }
  const elem *const *fw = w + 1 + 7 * TWIN_LAYERS;
  RMS(x, fw[0], h, M);
  MATMUL(h, fw[1], NULL, ctx->logits, M, TWIN_V, TWIN_D, 0, 1);
  return 0;
}

int32_t olmx_prefill(OlmxRunContext *ctx) { return forward(ctx); }
int32_t olmx_decode(OlmxRunContext *ctx) { return forward(ctx); }
