//===- Files.cpp - Read-only mappings and write-then-rename files ---------===//

#include "IoSupport.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace olmrt::io {

namespace {
/// Closes a descriptor on every path out of mapFile.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0)
      ::close(fd);
  }
};
} // namespace

Mapping mapFile(const std::string &path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
  // writer forever. It changes nothing for regular files.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    fail(path, withErrno("cannot open"));
  FdCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0)
    fail(path, withErrno("cannot stat"));
  if (!S_ISREG(st.st_mode))
    fail(path, "not a regular file");
  Mapping mapping;
  mapping.size = size_t(st.st_size);
  if (mapping.size == 0)
    return mapping; // mmap refuses length 0; there is nothing to read.
  void *p = ::mmap(nullptr, mapping.size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    fail(path,
         withErrno("cannot map " + std::to_string(mapping.size) + " bytes"));
  mapping.data = static_cast<const uint8_t *>(p);
  return mapping;
}

void unmapFile(Mapping &mapping) {
  if (mapping.data)
    ::munmap(const_cast<uint8_t *>(mapping.data), mapping.size);
  mapping = Mapping();
}

AtomicFileWriter::AtomicFileWriter(const std::string &path) : path_(path) {
  // pid and a counter keep concurrent writers (other processes, other
  // threads) from sharing a temporary.
  static std::atomic<unsigned> counter{0};
  tempPath_ = path + ".tmp." + std::to_string(::getpid()) + "." +
              std::to_string(counter++);
  fd_ =
      ::open(tempPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0)
    fail(path_, withErrno("cannot create " + tempPath_));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tempPath_.c_str());
  }
}

void AtomicFileWriter::write(const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0)
      errno = EIO; // A write that makes no progress would loop forever.
    if (n <= 0)
      fail(tempPath_, withErrno("write failed"));
    p += n;
    size -= size_t(n);
  }
}

void AtomicFileWriter::commit() {
  // fsync before rename: otherwise a crash can leave the new name pointing
  // at a file whose data never reached the disk.
  if (::fsync(fd_) != 0)
    fail(tempPath_, withErrno("fsync failed"));
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    ::unlink(tempPath_.c_str());
    fail(tempPath_, withErrno("close failed"));
  }
  if (::rename(tempPath_.c_str(), path_.c_str()) != 0) {
    std::string message = withErrno("cannot rename " + tempPath_ + " to it");
    ::unlink(tempPath_.c_str());
    fail(path_, message);
  }
}

} // namespace olmrt::io
