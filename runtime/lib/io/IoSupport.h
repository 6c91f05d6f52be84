//===- IoSupport.h - Shared helpers of the runtime file readers -*- C++ -*-===//
//
// Private to olmrt_io: byte-order access, overflow-checked sizes, error
// message pieces, and the POSIX file plumbing (read-only mappings and
// write-then-rename) that every reader and writer here uses.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_IO_IOSUPPORT_H
#define OLMRT_LIB_IO_IOSUPPORT_H

#include "olmrt/Error.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

// Element data is copied straight between files and memory, so the host
// must use the files' byte order.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "olmrt_io assumes a little-endian host"
#endif

namespace olmrt::io {

//===-- Byte order ------------------------------------------------------===//

inline uint64_t loadLE(const uint8_t *p, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; ++i)
    v |= uint64_t(p[i]) << (8 * i);
  return v;
}

inline void appendLE(std::string &out, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i)
    out.push_back(char((v >> (8 * i)) & 0xff));
}

//===-- Checked arithmetic ----------------------------------------------===//

/// Computes the element count and byte size of `shape`; false when either
/// exceeds INT64_MAX (so both also fit size_t and off_t) or a dimension is
/// negative.
bool shapeSize(const std::vector<int64_t> &shape, size_t itemSize,
               uint64_t &elements, uint64_t &bytes);

/// a + b, or false on overflow.
inline bool checkedAdd(uint64_t a, uint64_t b, uint64_t &out) {
  return !__builtin_add_overflow(a, b, &out);
}

//===-- Messages --------------------------------------------------------===//

/// `s` with control bytes escaped as \xNN so that names taken from a file
/// cannot break a one-line message; long strings are cut.
std::string printable(std::string_view s, size_t maxLength = 160);
/// printable(s) in single quotes. (Not "quoted": ADL would find
/// std::quoted for string arguments.)
std::string inQuotes(std::string_view s);
/// "[2, 3]".
std::string formatShape(const std::vector<int64_t> &shape);

/// A JSON library exception's text without its "[json.exception...] "
/// prefix, made printable.
std::string jsonErrorText(const std::exception &e);

/// Throws Error("<path>: <what>").
[[noreturn]] void fail(const std::string &path, const std::string &what);

/// "<what>: <strerror(errno)>", for failed system calls.
std::string withErrno(const std::string &what);

//===-- Files -----------------------------------------------------------===//

/// A read-only mapping of a whole regular file. Non-regular files (FIFOs,
/// directories, devices) are refused before anything could block on them.
/// An empty file maps to {nullptr, 0}.
struct Mapping {
  const uint8_t *data = nullptr;
  size_t size = 0;
};
Mapping mapFile(const std::string &path);
void unmapFile(Mapping &mapping);

/// Writes a file as `<path>.tmp.<pid>.<n>` and renames it over `path` on
/// commit(), so readers never see half a file. Without commit() the
/// temporary is removed.
class AtomicFileWriter {
public:
  explicit AtomicFileWriter(const std::string &path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter &) = delete;
  AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;

  void write(const void *data, size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  /// Flushes to disk and renames into place.
  void commit();

private:
  std::string path_;
  std::string tempPath_;
  int fd_ = -1;
};

} // namespace olmrt::io

#endif // OLMRT_LIB_IO_IOSUPPORT_H
