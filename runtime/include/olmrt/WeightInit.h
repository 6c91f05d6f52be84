//===- WeightInit.h - Deterministic initial weights -------------*- C++ -*-===//
//
// `olmrt init-weights` and `run --random-weights` fill every source tensor
// the manifest names from its `init` spec, so a model can run before any
// checkpoint exists. The generator is ours (splitmix64 and Box-Muller), so
// the values depend only on the seed, the tensor's name and its shape: the
// same on every machine and build, and independent of manifest order.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_WEIGHTINIT_H
#define OLMRT_WEIGHTINIT_H

#include "olmrt/Manifest.h"

#include <cstdint>
#include <string>
#include <vector>

namespace olmrt {

/// A named float32 tensor held in memory.
struct SourceTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// Every source tensor the manifest names, once each in order of first
/// appearance, filled per the init spec of the first weight naming it.
std::vector<SourceTensor> initSourceTensors(const Manifest &manifest,
                                            uint64_t seed);

/// Writes initSourceTensors(manifest, seed) as an F32 safetensors file.
void writeInitWeights(const Manifest &manifest, uint64_t seed,
                      const std::string &path);

/// The generator behind initSourceTensors: standard normal samples.
class NormalGenerator {
public:
  explicit NormalGenerator(uint64_t state) : state_(state) {}
  double next();

private:
  uint64_t nextBits();

  uint64_t state_;
  double spare_ = 0.0;
  bool hasSpare_ = false;
};

} // namespace olmrt

#endif // OLMRT_WEIGHTINIT_H
