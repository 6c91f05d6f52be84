//===- NpyReader.cpp - Read NumPy .npy files ------------------------------===//

#include "IoSupport.h"
#include "NpyHeader.h"
#include "olmrt/Npy.h"

#include <cstring>

namespace olmrt {

using namespace io;

namespace {

/// numpy's own reader refuses headers over 10000 bytes by default; real
/// headers are under 200. This only bounds what a corrupt length can cost.
constexpr uint64_t kMaxHeaderBytes = 1u << 20;

/// Unmaps on every way out of readNpy.
struct ScopedMapping {
  Mapping mapping;
  ~ScopedMapping() { unmapFile(mapping); }
};

/// Maps a numpy type string ('<f4', '|u1', ...) to a DType.
DType parseDescr(const std::string &path, const std::string &descr) {
  static const struct {
    const char *code;
    DType dtype;
  } kCodes[] = {
      {"f2", DType::F16}, {"f4", DType::F32}, {"f8", DType::F64},
      {"i1", DType::I8},  {"i2", DType::I16}, {"i4", DType::I32},
      {"i8", DType::I64}, {"u1", DType::U8},  {"u2", DType::U16},
      {"u4", DType::U32}, {"u8", DType::U64}, {"b1", DType::BOOL},
  };
  if (descr.size() == 3) {
    char order = descr[0];
    for (const auto &c : kCodes) {
      if (descr.compare(1, 2, c.code) != 0)
        continue;
      bool singleByte = dtypeSize(c.dtype) == 1;
      // Single bytes have no byte order, so any marker will do for them.
      if (order == '<' || (singleByte && (order == '|' || order == '>')))
        return c.dtype;
      if (order == '>')
        fail(path, "big-endian data " + inQuotes(descr) +
                       " is not supported; save it as little-endian");
    }
  }
  fail(path, "unsupported .npy dtype " + inQuotes(descr));
}

const char *numpyName(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return "float64";
  case DType::F32:
    return "float32";
  case DType::F16:
    return "float16";
  case DType::BF16:
    return "bfloat16";
  case DType::I64:
    return "int64";
  case DType::I32:
    return "int32";
  case DType::I16:
    return "int16";
  case DType::I8:
    return "int8";
  case DType::U64:
    return "uint64";
  case DType::U32:
    return "uint32";
  case DType::U16:
    return "uint16";
  case DType::U8:
    return "uint8";
  case DType::BOOL:
    return "bool";
  }
  return "unknown";
}

} // namespace

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d; // Validated when read or written: cannot overflow.
  return n;
}

NpyArray readNpy(const std::string &path) {
  ScopedMapping file{mapFile(path)};
  const uint8_t *p = file.mapping.data;
  size_t size = file.mapping.size;
  if (size < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0)
    fail(path, "not a .npy file (bad magic)");
  unsigned major = p[6], minor = p[7];
  if (major < 1 || major > 3 || minor != 0)
    fail(path, "unsupported .npy format version " + std::to_string(major) +
                   "." + std::to_string(minor) +
                   " (this runtime reads 1.0, 2.0 and 3.0)");
  // Version 1.0 has a 2-byte header length, later versions 4 bytes.
  unsigned lengthBytes = major == 1 ? 2 : 4;
  uint64_t headerStart = 8 + lengthBytes;
  if (size < headerStart)
    fail(path, "file is too short for a .npy header");
  uint64_t headerSize = loadLE(p + 8, lengthBytes);
  if (headerSize > kMaxHeaderBytes)
    fail(path, ".npy header length " + std::to_string(headerSize) +
                   " exceeds the limit of " + std::to_string(kMaxHeaderBytes) +
                   " bytes");
  if (headerSize > size - headerStart)
    fail(path, ".npy header length " + std::to_string(headerSize) +
                   " runs past the end of the file (" + std::to_string(size) +
                   " bytes)");
  NpyHeader header = parseNpyHeader(
      path, std::string_view(reinterpret_cast<const char *>(p + headerStart),
                             headerSize));

  NpyArray array;
  array.dtype = parseDescr(path, header.descr);
  if (header.fortranOrder)
    fail(path, "Fortran-order arrays are not supported; save a C-order "
               "array (numpy.ascontiguousarray)");
  uint64_t elements, bytes;
  if (!shapeSize(header.shape, dtypeSize(array.dtype), elements, bytes))
    fail(path, "shape " + formatShape(header.shape) + " of " +
                   inQuotes(header.descr) + " overflows 64 bits");
  uint64_t dataStart = headerStart + headerSize;
  uint64_t available = size - dataStart;
  if (available != bytes)
    fail(path, "data is " + std::to_string(available) + " bytes but shape " +
                   formatShape(header.shape) + " of " + inQuotes(header.descr) +
                   " needs " + std::to_string(bytes));
  array.shape = std::move(header.shape);
  array.bytes.assign(p + dataStart, p + dataStart + bytes);
  return array;
}

std::vector<int64_t> readNpyInt64(const std::string &path,
                                  std::vector<int64_t> *shape) {
  NpyArray array = readNpy(path);
  size_t n = size_t(array.numElements());
  std::vector<int64_t> values(n);
  if (array.dtype == DType::I64) {
    if (n)
      std::memcpy(values.data(), array.bytes.data(), n * sizeof(int64_t));
  } else if (array.dtype == DType::I32) {
    for (size_t i = 0; i < n; ++i) {
      int32_t v;
      std::memcpy(&v, array.bytes.data() + i * sizeof v, sizeof v);
      values[i] = v;
    }
  } else {
    fail(path, std::string("holds ") + numpyName(array.dtype) +
                   " data; expected int32 or int64");
  }
  if (shape)
    *shape = array.shape;
  return values;
}

std::vector<float> readNpyFloat32(const std::string &path,
                                  std::vector<int64_t> *shape) {
  NpyArray array = readNpy(path);
  if (array.dtype != DType::F16 && array.dtype != DType::F32 &&
      array.dtype != DType::F64)
    fail(path, std::string("holds ") + numpyName(array.dtype) +
                   " data; expected float16, float32 or float64");
  std::vector<float> values(size_t(array.numElements()));
  convertToFloat32(array.dtype, array.bytes.data(), values.size(),
                   values.data());
  if (shape)
    *shape = array.shape;
  return values;
}

} // namespace olmrt
