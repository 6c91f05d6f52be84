//===- Manifest.h - The validated manifest of an artifact -------*- C++ -*-===//
//
// The JSON manifest of an .olmx file (docs/artifact-format.md) as typed
// structs. parseManifest checks every field the runtime relies on (types,
// ranges, and that the weights, memory plan and KV layers agree with each
// other) so the rest of the runtime can use the numbers without checking
// them again: sizes that reach an allocation or a pointer offset are proven
// to fit int64 and the limits below.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_MANIFEST_H
#define OLMRT_MANIFEST_H

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace olmrt {

/// Upper bounds on what a manifest may ask for. They are far above any
/// model olmc targets and exist so that a corrupt or hostile manifest turns
/// into an error instead of an enormous allocation or an overflow.
struct ManifestLimits {
  static constexpr int64_t kMaxVocab = int64_t(1) << 24;
  static constexpr int64_t kMaxSeq = int64_t(1) << 20;
  static constexpr int64_t kMaxBatch = int64_t(1) << 12;
  static constexpr int64_t kMaxRank = 8;
  /// Elements of one weight, and of all weights together.
  static constexpr int64_t kMaxWeightElements = int64_t(1) << 36;
  /// Bytes of the activation arena and of the KV cache.
  static constexpr int64_t kMaxMemoryBytes = int64_t(1) << 40;
  static constexpr int64_t kMaxWeights = 1 << 20;
  /// Floats of padding at the end of a row of logits.
  static constexpr int64_t kMaxLogitsPadding = 64;
};

struct ManifestModel {
  std::string name;
  std::string dtype;
  int64_t vocab = 0;
  /// Floats from one row of the entry points' logits to the next (>= vocab;
  /// the cuda target pads rows written by a GEMM to 16 bytes).
  int64_t logitsRowStride = 0;
  int64_t maxSeq = 0;
  int64_t maxBatch = 0;
};

struct ManifestTarget {
  std::string kind; // "cpu" or "cuda"
  std::string triple;
  std::string cpu;
  /// cuda: the GPU architecture the device code is for, "sm_90".
  std::string arch;

  bool isCuda() const { return kind == "cuda"; }
};

/// A kernel of the cuda target's generated device code: olmg_launch's
/// index is its position in Manifest::deviceKernels; it takes `args`
/// device pointers then the element count (i64).
struct ManifestDeviceKernel {
  std::string name;
  int64_t args = 0;
  int64_t elementsPerThread = 1;
};

struct ManifestEntryPoint {
  std::string name;
  std::string symbol;
  /// The only sequence length the entry accepts, when it has one (decode).
  std::optional<int64_t> seq;
};

struct ManifestSource {
  std::string tensor;
  std::vector<int64_t> shape;
};

/// Rows [heads, 3, headDim] of the concatenated sources become
/// [3, heads, headDim] (GPT-NeoX's fused query_key_value).
struct QkvPerHeadPermute {
  int64_t heads = 0;
  int64_t headDim = 0;
};

struct InitSpec {
  enum class Kind { Normal, Ones, Zeros };
  Kind kind = Kind::Zeros;
  /// Standard deviation of Kind::Normal.
  double std = 0.0;
};

struct ManifestWeight {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<ManifestSource> sources;
  bool transpose = false;
  std::optional<QkvPerHeadPermute> permute;
  InitSpec init;

  int64_t numElements() const;
};

struct ManifestBuffer {
  std::string op;
  int64_t offset = 0;
  int64_t bytes = 0;
};

/// Where one attention layer's cache lives, in elements of the compute
/// dtype from the start of the KV cache; each of K and V is [maxBatch, kvHeads, maxSeq, headDim].
struct ManifestKvLayer {
  int64_t kOffset = 0;
  int64_t vOffset = 0;
  int64_t kvHeads = 0;
  int64_t headDim = 0;
};

struct ManifestMemory {
  int64_t arenaBytes = 0;
  int64_t rows = 0;
  std::vector<ManifestBuffer> buffers;
  int64_t kvCacheBytes = 0;
  std::vector<ManifestKvLayer> kvLayers;
};

struct Manifest {
  std::string olmcVersion;
  int64_t abiVersion = 0;
  ManifestModel model;
  ManifestTarget target;
  std::vector<ManifestEntryPoint> entryPoints;
  std::vector<ManifestWeight> weights;
  ManifestMemory memory;
  std::vector<std::string> kernels;
  /// cuda target: the generated kernels (empty for cpu).
  std::vector<ManifestDeviceKernel> deviceKernels;

  /// Bytes of one element of the compute dtype (model.dtype).
  int64_t elementBytes() const { return model.dtype == "f32" ? 4 : 2; }

  /// nullptr when the manifest lists no entry point of that name.
  const ManifestEntryPoint *findEntryPoint(const std::string &name) const;
};

/// Validates `json`, the manifest of the artifact at `path`, and returns it
/// typed. Throws olmrt::Error "PATH: manifest ..." naming the first field
/// that is missing, mistyped, out of range or inconsistent.
Manifest parseManifest(const std::string &path, const nlohmann::json &json);

/// Reads just the manifest of an artifact (no code is loaded): enough for
/// `inspect` and `init-weights`.
Manifest readManifest(const std::string &artifactPath);

/// "[64, 128]".
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace olmrt

#endif // OLMRT_MANIFEST_H
