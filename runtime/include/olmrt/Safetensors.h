//===- Safetensors.h - Read and write .safetensors files --------*- C++ -*-===//
//
// A .safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON describing each tensor (dtype, shape, [begin, end) in the data
// section), then the data section. SafetensorsFile maps the file read-only
// and checks the whole header before handing out any pointer into it, so a
// TensorInfo's bytes are always inside the file and exactly as long as its
// shape says.
//
// DType and the element conversions live here too because .npy files
// (Npy.h) use the same element types.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_SAFETENSORS_H
#define OLMRT_SAFETENSORS_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace olmrt {

/// Element types; the names are those safetensors uses.
enum class DType {
  F64,
  F32,
  F16,
  BF16,
  I64,
  I32,
  I16,
  I8,
  U64,
  U32,
  U16,
  U8,
  BOOL
};

/// The safetensors spelling ("F32", "BF16", ...).
const char *dtypeName(DType dtype);
/// Bytes per element.
size_t dtypeSize(DType dtype);
/// The DType spelled `name` in a safetensors header, if there is one.
std::optional<DType> parseDType(std::string_view name);

/// Exact IEEE conversions; subnormals, infinities, signed zeros and NaN
/// payloads (quiet bit included) carry over unchanged.
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);

/// Converts `count` elements of `dtype` starting at `src` (any alignment,
/// little-endian) to float32. Floating types convert exactly where float32
/// can hold the value and round to nearest otherwise (F64, large integers);
/// BOOL gives 0 or 1.
void convertToFloat32(DType dtype, const void *src, size_t count, float *dst);

/// One tensor of an open SafetensorsFile. `data` points into the mapping and
/// stays valid while the file object lives; it may be unaligned.
struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const uint8_t *data;
  size_t nbytes;

  int64_t numElements() const;
};

class SafetensorsFile {
public:
  /// Maps `path` and validates its header; throws olmrt::Error naming the
  /// file (and tensor) on any defect.
  explicit SafetensorsFile(const std::string &path);
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile &&other) noexcept;
  SafetensorsFile &operator=(SafetensorsFile &&other) noexcept;
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;

  const std::string &path() const { return path_; }
  /// Tensor names in sorted order.
  std::vector<std::string> names() const;
  /// nullptr when there is no tensor of that name.
  const TensorInfo *find(const std::string &name) const;
  /// The `__metadata__` entry (empty when absent).
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }

  /// Writes info.numElements() floats to `dst`. `info` must come from this
  /// file.
  void readAsFloat32(const TensorInfo &info, float *dst) const;

private:
  void unmap();

  std::string path_;
  const uint8_t *base_ = nullptr;
  size_t size_ = 0;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

/// One tensor to write: `data` holds `nbytes` little-endian elements of
/// `dtype` in C order; `nbytes` must match the shape exactly.
struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const void *data;
  size_t nbytes;
};

/// Writes a safetensors file (through a temporary file renamed into place).
/// Tensors are laid out in the order given; the header is padded with
/// spaces so the data section starts 8-byte aligned.
void writeSafetensors(const std::string &path,
                      const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata);

} // namespace olmrt

#endif // OLMRT_SAFETENSORS_H
