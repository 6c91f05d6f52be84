//===- AlignedBuffer.h - Zeroed, page-aligned memory ------------*- C++ -*-===//
//
// The arena, the KV cache and the weights the generated code reads. They
// come from anonymous mappings: page alignment covers the ABI's 64 bytes,
// the pages start zeroed (the KV cache must) and are only touched when
// used, and a size the machine cannot provide is an olmrt::Error rather
// than a crash.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_ALIGNEDBUFFER_H
#define OLMRT_ALIGNEDBUFFER_H

#include <cstddef>
#include <string>

namespace olmrt {

class AlignedBuffer {
public:
  AlignedBuffer() = default;
  /// Maps `bytes` zeroed bytes (at least one page, so data() is never null
  /// even for an empty arena); `what` names the buffer in the error.
  AlignedBuffer(size_t bytes, const std::string &what);
  ~AlignedBuffer();
  AlignedBuffer(AlignedBuffer &&other) noexcept;
  AlignedBuffer &operator=(AlignedBuffer &&other) noexcept;
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;

  void *data() const { return data_; }
  float *floats() const { return static_cast<float *>(data_); }
  /// The size asked for (the mapping may be larger).
  size_t size() const { return size_; }
  /// Sets the first size() bytes to zero again.
  void clear();

private:
  void release();

  void *data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;
};

} // namespace olmrt

#endif // OLMRT_ALIGNEDBUFFER_H
