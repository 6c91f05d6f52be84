//===- DType.cpp - Element types and their conversion to float32 ----------===//

#include "IoSupport.h"
#include "olmrt/Safetensors.h"

#include <cstring>

namespace olmrt {

namespace {
struct DTypeDesc {
  DType dtype;
  const char *name;
  size_t size;
};
constexpr DTypeDesc kDTypes[] = {
    {DType::F64, "F64", 8},   {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},   {DType::I8, "I8", 1},   {DType::U64, "U64", 8},
    {DType::U32, "U32", 4},   {DType::U16, "U16", 2}, {DType::U8, "U8", 1},
    {DType::BOOL, "BOOL", 1},
};

const DTypeDesc &describe(DType dtype) {
  for (const DTypeDesc &d : kDTypes)
    if (d.dtype == dtype)
      return d;
  throw Error("internal error: unknown DType " + std::to_string(int(dtype)));
}

float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

/// Reads element i of type T from possibly unaligned memory.
template <typename T> T loadAt(const uint8_t *src, size_t i) {
  T v;
  std::memcpy(&v, src + i * sizeof(T), sizeof(T));
  return v;
}

template <typename T>
void convertLoop(const uint8_t *src, size_t count, float *dst) {
  for (size_t i = 0; i < count; ++i)
    dst[i] = static_cast<float>(loadAt<T>(src, i));
}
} // namespace

const char *dtypeName(DType dtype) { return describe(dtype).name; }

size_t dtypeSize(DType dtype) { return describe(dtype).size; }

std::optional<DType> parseDType(std::string_view name) {
  for (const DTypeDesc &d : kDTypes)
    if (name == d.name)
      return d.dtype;
  return std::nullopt;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  if (exponent == 0x1f) // Inf or NaN; the payload shifts into place.
    return bitsToFloat(sign | 0x7f800000 | (mantissa << 13));
  if (exponent != 0) // Normal: rebias 15 -> 127.
    return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  if (mantissa == 0)
    return bitsToFloat(sign);
  // Subnormal half (mantissa * 2^-24) is a normal float: shift the leading
  // one up to the implicit bit, lowering the exponent as we go.
  uint32_t floatExponent = 113; // 2^-14, the smallest normal half exponent.
  while (!(mantissa & 0x400)) {
    mantissa <<= 1;
    --floatExponent;
  }
  mantissa &= 0x3ff;
  return bitsToFloat(sign | (floatExponent << 23) | (mantissa << 13));
}

float bfloat16ToFloat(uint16_t bits) {
  // bfloat16 is the top half of a float32, so every value maps exactly.
  return bitsToFloat(uint32_t(bits) << 16);
}

void convertToFloat32(DType dtype, const void *srcPtr, size_t count,
                      float *dst) {
  const uint8_t *src = static_cast<const uint8_t *>(srcPtr);
  switch (dtype) {
  case DType::F32:
    if (count)
      std::memcpy(dst, src, count * sizeof(float));
    return;
  case DType::F64:
    return convertLoop<double>(src, count, dst);
  case DType::F16:
    for (size_t i = 0; i < count; ++i)
      dst[i] = halfToFloat(loadAt<uint16_t>(src, i));
    return;
  case DType::BF16:
    for (size_t i = 0; i < count; ++i)
      dst[i] = bfloat16ToFloat(loadAt<uint16_t>(src, i));
    return;
  case DType::I64:
    return convertLoop<int64_t>(src, count, dst);
  case DType::I32:
    return convertLoop<int32_t>(src, count, dst);
  case DType::I16:
    return convertLoop<int16_t>(src, count, dst);
  case DType::I8:
    return convertLoop<int8_t>(src, count, dst);
  case DType::U64:
    return convertLoop<uint64_t>(src, count, dst);
  case DType::U32:
    return convertLoop<uint32_t>(src, count, dst);
  case DType::U16:
    return convertLoop<uint16_t>(src, count, dst);
  case DType::U8:
    return convertLoop<uint8_t>(src, count, dst);
  case DType::BOOL:
    // Any nonzero byte is true; do not let a stray 2 become 2.0f.
    for (size_t i = 0; i < count; ++i)
      dst[i] = src[i] ? 1.0f : 0.0f;
    return;
  }
  throw Error("internal error: unknown DType " + std::to_string(int(dtype)));
}

} // namespace olmrt
