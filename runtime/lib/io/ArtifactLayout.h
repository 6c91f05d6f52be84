//===- ArtifactLayout.h - Byte positions in an .olmx file -------*- C++ -*-===//
//
// Shared by the artifact reader and writer so the two cannot disagree.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_IO_ARTIFACTLAYOUT_H
#define OLMRT_LIB_IO_ARTIFACTLAYOUT_H

#include <cstddef>
#include <cstdint>

namespace olmrt::io::artifact {

// Header fields (offsets into the 64-byte header; integers little-endian).
constexpr size_t kMagic = 0;               // 8 bytes
constexpr size_t kFormatVersion = 8;       // u32
constexpr size_t kFlags = 12;              // u32, 0 in version 1
constexpr size_t kManifestOffset = 16;     // u64
constexpr size_t kManifestSize = 24;       // u64
constexpr size_t kSectionTableOffset = 32; // u64
constexpr size_t kSectionCount = 40;       // u64
constexpr size_t kFileSize = 48;           // u64, checksum included
                                           // 56..63: reserved, zero

constexpr size_t kChecksumSize = 32;
/// Section table entry: name[32], u64 offset, u64 size.
constexpr size_t kEntryNameSize = 32;
constexpr size_t kEntrySize = 48;
/// Sections start at multiples of this, so a mapped section can be used
/// in place by vector code.
constexpr uint64_t kSectionAlignment = 64;

inline uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

} // namespace olmrt::io::artifact

#endif // OLMRT_LIB_IO_ARTIFACTLAYOUT_H
