//===- FuzzFile.h - Hand fuzz input to readers that take a path -*- C++ -*-===//
//
// The runtime's readers open files by path (and map them), so each input is
// written to one memfd, reused across inputs, and opened through
// /proc/self/fd/N. Nothing touches the disk.
//
//===----------------------------------------------------------------------===//

#ifndef OLMC_TESTS_FUZZ_FUZZFILE_H
#define OLMC_TESTS_FUZZ_FUZZFILE_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace olmc::fuzz {

/// Replaces the memfd's contents with `data` and returns a path to it.
inline const std::string &writeInput(const uint8_t *data, size_t size) {
  static int fd = -1;
  static std::string path;
  if (fd < 0) {
    fd = memfd_create("olmc-fuzz-input", MFD_CLOEXEC);
    if (fd < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  if (ftruncate(fd, 0) != 0) {
    std::perror("ftruncate");
    std::abort();
  }
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(fd, data + done, size - done, off_t(done));
    if (n <= 0) {
      std::perror("pwrite");
      std::abort();
    }
    done += size_t(n);
  }
  return path;
}

} // namespace olmc::fuzz

#endif // OLMC_TESTS_FUZZ_FUZZFILE_H
