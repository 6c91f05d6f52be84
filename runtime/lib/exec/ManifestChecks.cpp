//===- ManifestChecks.cpp - Checks across manifest fields -----------------===//

#include "ManifestChecks.h"

#include <map>
#include <set>

namespace olmrt::exec {

namespace {

using Limits = ManifestLimits;

std::string describeWeight(size_t index, const ManifestWeight &weight) {
  return "weight " + std::to_string(index) + " '" + weight.name + "'";
}

/// The source's shape after the weight's transpose.
std::vector<int64_t> effectiveShape(const JsonFields &f, size_t index,
                                    const ManifestWeight &weight,
                                    const ManifestSource &source) {
  if (!weight.transpose)
    return source.shape;
  if (source.shape.size() != 2)
    f.failManifest(describeWeight(index, weight) + " transposes source '" +
                   source.tensor + "' of shape " + formatShape(source.shape) +
                   ", which is not 2-D");
  return {source.shape[1], source.shape[0]};
}

void checkOneWeight(const JsonFields &f, size_t index,
                    const ManifestWeight &weight) {
  std::string what = describeWeight(index, weight);
  int64_t rows = 0;
  for (const ManifestSource &source : weight.sources) {
    std::vector<int64_t> shape = effectiveShape(f, index, weight, source);
    bool trailingMatch = shape.size() == weight.shape.size();
    for (size_t d = 1; trailingMatch && d < shape.size(); ++d)
      trailingMatch = shape[d] == weight.shape[d];
    if (!trailingMatch)
      f.failManifest(what + " of shape " + formatShape(weight.shape) +
                     " cannot be built from source '" + source.tensor +
                     "' of shape " + formatShape(shape) +
                     (weight.transpose ? " (transposed)" : "") +
                     ": dimensions after the first must match");
    if (__builtin_add_overflow(rows, shape[0], &rows) || rows > weight.shape[0])
      break; // Too many rows already; reported just below.
  }
  if (rows != weight.shape[0])
    f.failManifest(what + " of shape " + formatShape(weight.shape) +
                   " cannot be built from its sources: they concatenate to " +
                   (rows > weight.shape[0] ? "at least " : "") +
                   std::to_string(rows) + " rows, not " +
                   std::to_string(weight.shape[0]));
  if (weight.permute) {
    int64_t permuted = 0;
    if (__builtin_mul_overflow(weight.permute->heads * 3,
                               weight.permute->headDim, &permuted) ||
        permuted != weight.shape[0])
      f.failManifest(what + ": qkv_per_head permutation with " +
                     std::to_string(weight.permute->heads) + " heads of " +
                     std::to_string(weight.permute->headDim) +
                     " does not cover its " + std::to_string(weight.shape[0]) +
                     " rows");
  }
}

} // namespace

void checkWeights(const JsonFields &f, const Manifest &manifest) {
  std::set<std::string> names;
  std::map<std::string, std::vector<int64_t>> sourceShapes;
  int64_t total = 0;
  for (size_t i = 0; i < manifest.weights.size(); ++i) {
    const ManifestWeight &weight = manifest.weights[i];
    if (!names.insert(weight.name).second)
      f.failManifest("names weight '" + weight.name + "' twice");
    checkOneWeight(f, i, weight);
    for (const ManifestSource &source : weight.sources) {
      auto [it, inserted] = sourceShapes.emplace(source.tensor, source.shape);
      if (!inserted && it->second != source.shape)
        f.failManifest("gives tensor '" + source.tensor + "' shape " +
                       formatShape(it->second) + " and also " +
                       formatShape(source.shape));
    }
    total += weight.numElements();
    if (total > Limits::kMaxWeightElements)
      f.failManifest("weights hold more than " +
                     std::to_string(Limits::kMaxWeightElements) +
                     " elements in all");
  }
}

void checkMemory(const JsonFields &f, const Manifest &manifest) {
  const ManifestMemory &memory = manifest.memory;
  for (size_t i = 0; i < memory.buffers.size(); ++i) {
    const ManifestBuffer &buffer = memory.buffers[i];
    // Both terms are at most kMaxMemoryBytes (2^40): no overflow.
    if (buffer.offset + buffer.bytes > memory.arenaBytes)
      f.fail(JsonFields::index("memory.buffers", i),
             "[" + std::to_string(buffer.offset) + ", " +
                 std::to_string(buffer.offset + buffer.bytes) +
                 ") lies outside the arena of " +
                 std::to_string(memory.arenaBytes) + " bytes");
  }
  // Offsets and sizes count elements of the compute dtype (floats on the
  // cpu target).
  int64_t cacheFloats = memory.kvCacheBytes / manifest.elementBytes();
  for (size_t i = 0; i < memory.kvLayers.size(); ++i) {
    const ManifestKvLayer &layer = memory.kvLayers[i];
    std::string where = JsonFields::index("memory.kv_layers", i);
    int64_t floats = 0;
    bool overflow =
        __builtin_mul_overflow(manifest.model.maxBatch, layer.kvHeads,
                               &floats) ||
        __builtin_mul_overflow(floats, manifest.model.maxSeq, &floats) ||
        __builtin_mul_overflow(floats, layer.headDim, &floats);
    if (overflow || floats > cacheFloats)
      f.fail(where, "needs K and V blocks larger than the KV cache of " +
                        std::to_string(memory.kvCacheBytes) + " bytes");
    // Offsets are at most 2^39 and floats at most 2^39 here.
    std::string unit = manifest.target.isCuda() ? "element" : "float";
    if (layer.kOffset + floats > cacheFloats ||
        layer.vOffset + floats > cacheFloats)
      f.fail(where, "places K at " + unit + " " +
                        std::to_string(layer.kOffset) + " and V at " + unit +
                        " " + std::to_string(layer.vOffset) + ", " +
                        std::to_string(floats) + " " + unit +
                        "s each, outside the KV cache of " +
                        std::to_string(cacheFloats) + " " + unit + "s");
  }
}

} // namespace olmrt::exec
