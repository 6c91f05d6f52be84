//===- Npy.h - Read and write NumPy .npy files ------------------*- C++ -*-===//
//
// .npy is how prompts (token ids) and reference outputs travel between
// Python and the runtime. Versions 1.0, 2.0 and 3.0 are read; only plain
// little-endian numeric dtypes in C order are accepted, which is what
// numpy writes for the arrays we exchange. The header is a Python dict
// literal; it is parsed by a small strict parser, never evaluated.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_NPY_H
#define OLMRT_NPY_H

#include "olmrt/Safetensors.h" // DType

#include <cstdint>
#include <string>
#include <vector>

namespace olmrt {

/// A whole .npy array: `bytes` holds numElements() little-endian elements
/// of `dtype` in C order.
struct NpyArray {
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  int64_t numElements() const;
};

/// Reads any supported .npy file ('<f2', '<f4', '<f8', '|i1', '<i2', '<i4',
/// '<i8', '|u1', '<u2', '<u4', '<u8', '|b1').
NpyArray readNpy(const std::string &path);

/// Reads an int32 or int64 array as int64 (e.g. token ids); `shape`, when
/// given, receives the array's shape.
std::vector<int64_t> readNpyInt64(const std::string &path,
                                  std::vector<int64_t> *shape = nullptr);

/// Reads a float16, float32 or float64 array as float32.
std::vector<float> readNpyFloat32(const std::string &path,
                                  std::vector<int64_t> *shape = nullptr);

/// Write a C-order array; data.size() must equal the product of `shape`
/// (1 for the empty shape, a scalar). The file is written to a temporary
/// name and renamed into place.
void writeNpy(const std::string &path, const std::vector<float> &data,
              const std::vector<int64_t> &shape);
void writeNpy(const std::string &path, const std::vector<int64_t> &data,
              const std::vector<int64_t> &shape);

} // namespace olmrt

#endif // OLMRT_NPY_H
