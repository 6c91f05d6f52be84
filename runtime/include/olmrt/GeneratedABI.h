//===- GeneratedABI.h - how the runtime calls generated code ----*- C++ -*-===//
//
// The code section of an artifact (`code.cpu.so` for the cpu target,
// `code.host.so` for cuda) is a shared object that exports the entry points
// below. The runtime fills an OlmxRunContext and calls one. CPU code calls
// the kernels of CpuKernels.h, resolved against the running executable
// (olmrt and olmc export them); cuda host code calls those of CudaKernels.h,
// resolved against libolmrt_cuda.so, and every tensor pointer in the
// context is then a device pointer (the weights table itself is host
// memory holding device pointers).
//
// Bump kOlmxAbiVersion on any change to this file; the manifest records
// the version it was compiled for and the loader refuses a mismatch.
//
//===----------------------------------------------------------------------===//
#ifndef OLMRT_GENERATEDABI_H
#define OLMRT_GENERATEDABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { kOlmxAbiVersion = 6 };

typedef struct OlmxRunContext {
  /// One pointer per manifest weight, in manifest order, each holding the
  /// tensor in the manifest's shape (after its transforms) in the model's
  /// compute dtype (always float32 on the cpu target).
  const void *const *weights;
  /// Activation arena of manifest memory.arena_bytes, 64-byte aligned.
  void *arena;
  /// KV cache of manifest memory.kv_cache_bytes, in the compute dtype;
  /// layer l's keys start at element offset memory.kv_layers[l].k_offset,
  /// laid out [max_batch, kv_heads, max_seq, head_dim]; values likewise.
  void *kv_cache;
  /// Token ids [batch, seq], validated by the runtime (< vocab).
  const int32_t *ids;
  /// Output logits [batch, seq, vocab], rows manifest
  /// model.logits_row_stride floats apart (vocab unless padded).
  float *logits;
  /// Sizes of this call: batch <= max_batch, pos0 + seq <= max_seq.
  int64_t batch;
  int64_t seq;
  /// Position of the first token of every sequence in this call.
  int64_t pos0;
  /// cuda target: the backend's OlmgContext (CudaKernels.h), passed to
  /// every kernel call. cpu target: null, unused.
  void *device;
} OlmxRunContext;

/// Entry points exported by the code section (names in the manifest's
/// entry_points): prefill takes any seq >= 1; decode requires seq == 1.
typedef int32_t (*OlmxEntryFn)(OlmxRunContext *ctx);

#ifdef __cplusplus
}
#endif

#endif // OLMRT_GENERATEDABI_H
