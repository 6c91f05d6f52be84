/*===- HostFixture.c - Hand-written stand-in for generated cuda host code -===*
 *
 * What olmc emits for --target cuda, in miniature: entry points with the
 * GeneratedABI.h signature that enqueue the olmg_* kernels of
 * CudaKernels.h, resolved when the runtime opens this object after the
 * CUDA backend (RTLD_GLOBAL). Not linked against the backend.
 *
 *   logits[p] = head * embedding[id at p]      (float32 logits)
 *
 *===----------------------------------------------------------------------===*/

#include "olmrt/CudaKernels.h"
#include "olmrt/GeneratedABI.h"

#include <stddef.h>

enum { V = 16, D = 8 };

static int32_t forward(OlmxRunContext *ctx) {
  OlmgContext *g = (OlmgContext *)ctx->device;
  int64_t M = ctx->batch * ctx->seq;
  olmg_embedding(g, ctx->ids, ctx->weights[0], ctx->arena, M, D, 1.0f);
  olmg_matmul(g, ctx->arena, ctx->weights[1], NULL, ctx->logits, M, V, D, 0,
              1, -1, V);
  return 0;
}

int32_t olmx_prefill(OlmxRunContext *ctx) { return forward(ctx); }
int32_t olmx_decode(OlmxRunContext *ctx) { return forward(ctx); }
