//===- Weights.h - The float32 weights a compiled model reads ---*- C++ -*-===//
//
// Weights holds one float32 tensor per manifest weight, built from
// checkpoint tensors exactly as docs/artifact-format.md says: look up each
// source (trying the name with a "transformer." prefix added or removed when
// the exact name is absent, since published checkpoints and save_pretrained
// disagree about it), check its shape, convert it to float32, transpose,
// concatenate along dimension 0, apply the qkv_per_head permutation.
// Tensors of the file that no weight names are ignored.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_WEIGHTS_H
#define OLMRT_WEIGHTS_H

#include "olmrt/AlignedBuffer.h"
#include "olmrt/Manifest.h"
#include "olmrt/Safetensors.h"
#include "olmrt/WeightInit.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace olmrt {

class CompiledModel;

/// Fills `dst` with the float32 contents of `source` (its manifest shape,
/// row-major) for weight `weightIndex`; throws olmrt::Error when it cannot.
using SourceReader = std::function<void(
    size_t weightIndex, const ManifestSource &source, float *dst)>;

/// Told, as the weights are built, how many bytes of float32 weights are
/// done out of the total: once with 0 before the first, then after each
/// weight (a progress display).
using LoadProgress = std::function<void(int64_t doneBytes, int64_t totalBytes)>;

class Weights {
public:
  /// From a safetensors checkpoint. Throws olmrt::Error naming the file and
  /// the tensor for a missing tensor, a wrong shape or an unusable dtype.
  Weights(const Manifest &manifest, const std::string &safetensorsPath,
          const LoadProgress &progress = nullptr);
  Weights(const CompiledModel &model, const std::string &safetensorsPath,
          const LoadProgress &progress = nullptr);
  /// From source tensors held in memory (init-weights' initialisation,
  /// tests).
  Weights(const Manifest &manifest, const std::vector<SourceTensor> &sources,
          const LoadProgress &progress = nullptr);
  /// From any source of source tensors.
  Weights(const Manifest &manifest, const SourceReader &read,
          const LoadProgress &progress = nullptr);

  size_t size() const { return pointers_.size(); }
  /// Weight i, in its manifest shape.
  const float *data(size_t i) const { return pointers_[i]; }
  const std::vector<int64_t> &shape(size_t i) const { return shapes_[i]; }
  /// The table the generated code receives (OlmxRunContext::weights).
  const float *const *table() const { return pointers_.data(); }

private:
  AlignedBuffer storage_;
  std::vector<const float *> pointers_;
  std::vector<std::vector<int64_t>> shapes_;
};

/// Builds weight `weightIndex` of the manifest into `out` (numElements()
/// floats), reading its sources through `read`. Exposed for tests of the
/// individual transforms.
void assembleWeight(const ManifestWeight &weight, size_t weightIndex,
                    const SourceReader &read, float *out);

/// Looks up `name` in `file`, then with the "transformer." prefix removed
/// or added; nullptr when none exists.
const TensorInfo *findCheckpointTensor(const SafetensorsFile &file,
                                       const std::string &name);

} // namespace olmrt

#endif // OLMRT_WEIGHTS_H
