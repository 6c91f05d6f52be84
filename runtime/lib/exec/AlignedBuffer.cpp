//===- AlignedBuffer.cpp - Zeroed, page-aligned memory --------------------===//

#include "olmrt/AlignedBuffer.h"
#include "olmrt/Error.h"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <utility>

namespace olmrt {

AlignedBuffer::AlignedBuffer(size_t bytes, const std::string &what)
    : size_(bytes), mapped_(bytes ? bytes : 1) {
  void *p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    throw Error("cannot allocate " + std::to_string(bytes) + " bytes for " +
                what + ": " + std::strerror(errno));
  data_ = p;
}

AlignedBuffer::~AlignedBuffer() { release(); }

AlignedBuffer::AlignedBuffer(AlignedBuffer &&other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)) {}

AlignedBuffer &AlignedBuffer::operator=(AlignedBuffer &&other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

void AlignedBuffer::clear() {
  if (data_)
    std::memset(data_, 0, size_);
}

void AlignedBuffer::release() {
  if (data_)
    ::munmap(data_, mapped_);
  data_ = nullptr;
  size_ = mapped_ = 0;
}

} // namespace olmrt
