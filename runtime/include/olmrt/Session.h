//===- Session.h - Run a compiled model -------------------------*- C++ -*-===//
//
// A Session owns what one stream of calls into the generated code needs:
// the activation arena (manifest memory.arena_bytes, 64-byte aligned), the
// KV cache (memory.kv_cache_bytes, zeroed) and the weight pointer table. It
// validates every call against the compiled limits before the generated
// code, which trusts its inputs, ever sees it.
//
// The model and the weights must outlive the session. A session is not
// thread-safe; use one per thread.
//
// For a cuda artifact the memory lives on the GPU (DeviceBackend.h): the
// weights are uploaded once, converted to the compute dtype, and the same
// calls run there; greedy generation then picks tokens on the device.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_SESSION_H
#define OLMRT_SESSION_H

#include "olmrt/AlignedBuffer.h"
#include "olmrt/GeneratedABI.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace olmrt {

class CompiledModel;
class DeviceSession;
class Weights;

class Session {
public:
  /// Throws olmrt::Error when `weights` were not built for this model's
  /// manifest, or the memory cannot be allocated.
  Session(const CompiledModel &model, const Weights &weights);
  ~Session();

  const CompiledModel &model() const { return model_; }

  /// Runs `seq` tokens of each of `batch` sequences, ids [batch, seq],
  /// placed at positions pos0.. (keys and values of earlier positions come
  /// from the KV cache), writing logits [batch, seq, vocab].
  void prefill(const int32_t *ids, int64_t batch, int64_t seq, int64_t pos0,
               float *logits);
  /// One token per sequence at position pos0; ids [batch], logits
  /// [batch, vocab]. Uses the `decode` entry point (prefill when the
  /// artifact has none).
  void decode(const int32_t *ids, int64_t batch, int64_t pos0, float *logits);

  /// Greedy generation: prefill of the prompt ids [batch, seq] at position
  /// 0, then `maxNewTokens` tokens, each the argmax of the last logits (the
  /// first maximum on ties, as torch.argmax), fed back by decode steps.
  /// Returns ids [batch, seq + maxNewTokens]. When `promptLogits` is given
  /// it receives the logits of every position processed,
  /// [batch, seq + max(maxNewTokens - 1, 0), vocab]: the prefill's, then
  /// each decode step's (the prefill runs even when maxNewTokens is 0).
  std::vector<int64_t>
  generateGreedy(const std::vector<int64_t> &ids, int64_t batch, int64_t seq,
                 int64_t maxNewTokens,
                 std::vector<float> *promptLogits = nullptr);

  /// Zeroes the KV cache.
  void resetCache();

  /// cuda artifacts: the device half (bench times it); null on the cpu.
  DeviceSession *device() const { return device_.get(); }

private:
  void checkCall(const int32_t *ids, int64_t batch, int64_t seq,
                 int64_t pos0) const;
  void call(OlmxEntryFn fn, const char *name, const int32_t *ids, int64_t batch,
            int64_t seq, int64_t pos0, float *logits);

  const CompiledModel &model_;
  const Weights &weights_;
  AlignedBuffer arena_;
  AlignedBuffer kvCache_;
  OlmxEntryFn prefill_;
  OlmxEntryFn decode_;
  /// The manifest entry decode_ came from.
  const char *decodeName_;
  std::unique_ptr<DeviceSession> device_;
};

/// Index of the first maximum of x[0, n), NaN counting as the largest
/// value (as torch.argmax).
int64_t argmaxFirst(const float *x, int64_t n);

} // namespace olmrt

#endif // OLMRT_SESSION_H
