//===- Weights.cpp - Load and hold the weights of a compiled model --------===//

#include "olmrt/Weights.h"

#include "olmrt/Error.h"
#include "olmrt/Model.h"

#include <cstring>
#include <map>
#include <memory>

namespace olmrt {

namespace {

/// Each weight starts on a 64-byte boundary, as vector loads prefer.
constexpr int64_t kAlignFloats = 16;

const char *const kPrefix = "transformer.";

bool isFloatDType(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16 ||
         dtype == DType::F64;
}

std::string neededFor(const Manifest &manifest, size_t weightIndex) {
  return "the model needs it for weight " + std::to_string(weightIndex) + " '" +
         manifest.weights[weightIndex].name + "'";
}

void readFromCheckpoint(const SafetensorsFile &file, const Manifest &manifest,
                        size_t weightIndex, const ManifestSource &source,
                        float *dst) {
  const TensorInfo *info = findCheckpointTensor(file, source.tensor);
  if (!info)
    throw Error(file.path() + ": no tensor '" + source.tensor + "' (" +
                neededFor(manifest, weightIndex) + ")");
  if (info->shape != source.shape)
    throw Error(file.path() + ": weight '" + info->name + "' has shape " +
                formatShape(info->shape) + ", the model expects " +
                formatShape(source.shape));
  if (!isFloatDType(info->dtype))
    throw Error(file.path() + ": weight '" + info->name + "' has dtype " +
                dtypeName(info->dtype) +
                "; weights must be F32, F16, BF16 or F64");
  file.readAsFloat32(*info, dst);
}

/// Reads sources from the checkpoint at `path`, mapped while the reader
/// lives.
SourceReader checkpointReader(const Manifest &manifest,
                              const std::string &path) {
  auto file = std::make_shared<SafetensorsFile>(path);
  return [&manifest, file](size_t weightIndex, const ManifestSource &source,
                           float *dst) {
    readFromCheckpoint(*file, manifest, weightIndex, source, dst);
  };
}

/// Reads sources from tensors in memory, by exact name.
SourceReader memoryReader(const Manifest &manifest,
                          const std::vector<SourceTensor> &sources) {
  auto byName = std::make_shared<std::map<std::string, const SourceTensor *>>();
  for (const SourceTensor &t : sources)
    byName->emplace(t.name, &t);
  return [&manifest, byName](size_t weightIndex, const ManifestSource &source,
                             float *dst) {
    auto it = byName->find(source.tensor);
    if (it == byName->end())
      throw Error("no source tensor '" + source.tensor + "' (" +
                  neededFor(manifest, weightIndex) + ")");
    const SourceTensor &t = *it->second;
    int64_t elements = 1;
    for (int64_t dim : source.shape)
      elements *= dim;
    if (t.shape != source.shape || int64_t(t.data.size()) != elements)
      throw Error("source tensor '" + source.tensor + "' has shape " +
                  formatShape(t.shape) + " and " +
                  std::to_string(t.data.size()) +
                  " elements, the model expects " + formatShape(source.shape));
    std::memcpy(dst, t.data.data(), t.data.size() * sizeof(float));
  };
}

} // namespace

const TensorInfo *findCheckpointTensor(const SafetensorsFile &file,
                                       const std::string &name) {
  if (const TensorInfo *info = file.find(name))
    return info;
  std::string prefix = kPrefix;
  if (name.compare(0, prefix.size(), prefix) == 0)
    return file.find(name.substr(prefix.size()));
  return file.find(prefix + name);
}

Weights::Weights(const Manifest &manifest, const SourceReader &read,
                 const LoadProgress &progress) {
  std::vector<int64_t> offsets;
  int64_t total = 0, totalBytes = 0, doneBytes = 0;
  for (const ManifestWeight &weight : manifest.weights) {
    offsets.push_back(total);
    // parseManifest bounds the sum of numElements() by 2^36, so the
    // padding cannot overflow either.
    total +=
        (weight.numElements() + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
    totalBytes += weight.numElements() * int64_t(sizeof(float));
    shapes_.push_back(weight.shape);
  }
  storage_ = AlignedBuffer(size_t(total) * sizeof(float), "the weights");
  if (progress)
    progress(0, totalBytes);
  for (size_t i = 0; i < manifest.weights.size(); ++i) {
    float *out = storage_.floats() + offsets[i];
    assembleWeight(manifest.weights[i], i, read, out);
    pointers_.push_back(out);
    doneBytes += manifest.weights[i].numElements() * int64_t(sizeof(float));
    if (progress)
      progress(doneBytes, totalBytes);
  }
}

Weights::Weights(const Manifest &manifest, const std::string &safetensorsPath,
                 const LoadProgress &progress)
    : Weights(manifest, checkpointReader(manifest, safetensorsPath), progress) {
}

Weights::Weights(const CompiledModel &model, const std::string &safetensorsPath,
                 const LoadProgress &progress)
    : Weights(model.manifest(), safetensorsPath, progress) {}

Weights::Weights(const Manifest &manifest,
                 const std::vector<SourceTensor> &sources,
                 const LoadProgress &progress)
    : Weights(manifest, memoryReader(manifest, sources), progress) {}

} // namespace olmrt
