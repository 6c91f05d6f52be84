//===- WeightInit.cpp - Deterministic initial weights ---------------------===//

#include "olmrt/WeightInit.h"

#include "olmrt/Safetensors.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace olmrt {

namespace {

/// FNV-1a: turns the tensor name into a per-tensor stream.
uint64_t hashName(const std::string &name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

/// The splitmix64 output function; also mixes seed and name hash so that
/// nearby seeds give unrelated streams.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void fill(const InitSpec &init, uint64_t seed, SourceTensor &tensor) {
  switch (init.kind) {
  case InitSpec::Kind::Zeros:
    std::fill(tensor.data.begin(), tensor.data.end(), 0.0f);
    return;
  case InitSpec::Kind::Ones:
    std::fill(tensor.data.begin(), tensor.data.end(), 1.0f);
    return;
  case InitSpec::Kind::Normal: {
    NormalGenerator gen(mix(seed) ^ hashName(tensor.name));
    for (float &x : tensor.data)
      x = float(init.std * gen.next());
    return;
  }
  }
}

} // namespace

uint64_t NormalGenerator::nextBits() {
  state_ += 0x9e3779b97f4a7c15ull;
  return mix(state_);
}

double NormalGenerator::next() {
  if (hasSpare_) {
    hasSpare_ = false;
    return spare_;
  }
  // Box-Muller on two 53-bit uniforms; u1 in (0, 1] keeps log finite.
  constexpr double kUnit = 1.0 / 9007199254740992.0; // 2^-53
  double u1 = double((nextBits() >> 11) + 1) * kUnit;
  double u2 = double(nextBits() >> 11) * kUnit;
  double radius = std::sqrt(-2.0 * std::log(u1));
  constexpr double kTwoPi = 6.283185307179586476925;
  double angle = kTwoPi * u2;
  spare_ = radius * std::sin(angle);
  hasSpare_ = true;
  return radius * std::cos(angle);
}

std::vector<SourceTensor> initSourceTensors(const Manifest &manifest,
                                            uint64_t seed) {
  std::vector<SourceTensor> tensors;
  std::map<std::string, size_t> seen;
  for (const ManifestWeight &weight : manifest.weights) {
    for (const ManifestSource &source : weight.sources) {
      if (!seen.emplace(source.tensor, tensors.size()).second)
        continue; // parseManifest made sure the shapes agree.
      SourceTensor tensor;
      tensor.name = source.tensor;
      tensor.shape = source.shape;
      int64_t elements = 1;
      for (int64_t dim : source.shape)
        elements *= dim; // Bounded by parseManifest.
      tensor.data.resize(size_t(elements));
      fill(weight.init, seed, tensor);
      tensors.push_back(std::move(tensor));
    }
  }
  return tensors;
}

void writeInitWeights(const Manifest &manifest, uint64_t seed,
                      const std::string &path) {
  std::vector<SourceTensor> tensors = initSourceTensors(manifest, seed);
  std::vector<TensorToWrite> toWrite;
  for (const SourceTensor &t : tensors)
    toWrite.push_back({t.name, DType::F32, t.shape, t.data.data(),
                       t.data.size() * sizeof(float)});
  // "format": "pt" lets transformers' safetensors loader accept the file.
  writeSafetensors(path, toWrite,
                   {{"format", "pt"},
                    {"olmrt_init_seed", std::to_string(seed)},
                    {"olmrt_model", manifest.model.name}});
}

} // namespace olmrt
