/*===- Fixture.c - Hand-written stand-in for generated CPU code -----------===*
 *
 * What olmc's CPU backend will emit, in miniature: entry points with the
 * GeneratedABI.h signature that call the olmk_* kernels exported by the
 * executable. The model is tiny but exercises everything the runtime hands
 * over: weights (embedding table and an LM head), the arena, the KV cache
 * across calls, ids, logits, batch, seq and pos0.
 *
 *   e[p]      = embedding[id at position p]
 *   h[p]      = e[p] + 0.5 * e[p - 1]        (e[-1] = 0; e[p-1] from cache)
 *   logits[p] = head * h[p]
 *
 * The sizes are compiled in, as they are in generated code; FixtureModel.h
 * repeats them for the test.
 *
 *===----------------------------------------------------------------------===*/

#include "olmrt/CpuKernels.h"
#include "olmrt/GeneratedABI.h"

#include <string.h>

enum { V = 16, D = 8, MAX_SEQ = 12, MAX_BATCH = 2 };

static int32_t forward(OlmxRunContext *ctx) {
  const float *embedding = ctx->weights[0];
  const float *head = ctx->weights[1];
  int64_t B = ctx->batch, T = ctx->seq, M = ctx->batch * ctx->seq;
  float *h = ctx->arena;        /* [M, D] */
  float *cache = ctx->kv_cache; /* K of layer 0: [MAX_BATCH, 1, MAX_SEQ, D] */

  olmk_embedding(ctx->ids, embedding, h, M, D, 1.0f);
  /* Store every new embedding first, so each row below finds its
   * predecessor in the cache whether it came from this call or an earlier
   * one. */
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      memcpy(cache + (b * MAX_SEQ + ctx->pos0 + t) * D, h + (b * T + t) * D,
             D * sizeof(float));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      int64_t p = ctx->pos0 + t;
      if (p == 0)
        continue;
      const float *previous = cache + (b * MAX_SEQ + p - 1) * D;
      for (int64_t d = 0; d < D; ++d)
        h[(b * T + t) * D + d] += 0.5f * previous[d];
    }
  olmk_matmul(h, head, NULL, ctx->logits, M, V, D, 0);
  return 0;
}

int32_t olmx_prefill(OlmxRunContext *ctx) { return forward(ctx); }

/* Generated decode code is specialised for one token; mirror that. */
int32_t olmx_decode(OlmxRunContext *ctx) {
  return ctx->seq == 1 ? forward(ctx) : 7;
}

/* An entry point that reports a failure, for the runtime's error path. */
int32_t olmx_fail(OlmxRunContext *ctx) {
  (void)ctx;
  return 3;
}
