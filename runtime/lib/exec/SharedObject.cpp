//===- SharedObject.cpp - dlopen a shared object held in memory -----------===//

#include "SharedObject.h"

#include "olmrt/Error.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace olmrt::exec {

namespace {

std::string fdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

void writeAll(int fd, std::string_view bytes, const std::string &what) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      throw Error(what +
                  ": cannot copy into a memory file: " + std::strerror(errno));
    bytes.remove_prefix(size_t(n));
  }
}

} // namespace

SharedObject::SharedObject(std::string_view image, const std::string &what) {
  fd_ = ::memfd_create("olmx-code", MFD_CLOEXEC);
  if (fd_ < 0)
    throw Error(what + ": memfd_create failed: " + std::strerror(errno));
  try {
    writeAll(fd_, image, what);
    // glibc recognises an already loaded object by its path name and would
    // hand back that one. The fd stays open while we are loaded, so no live
    // object of ours shares our name, but one loaded by someone else or not
    // unloaded by dlclose still might: move to another descriptor until the
    // name is free.
    for (int tries = 0; ::dlopen(fdPath(fd_).c_str(), RTLD_LAZY | RTLD_NOLOAD);
         ++tries) {
      int moved = ::fcntl(fd_, F_DUPFD_CLOEXEC, fd_ + 1);
      if (moved < 0 || tries == 64)
        throw Error(what + ": no free descriptor name to load it under");
      ::close(fd_);
      fd_ = moved;
    }
    // RTLD_NOLOAD took a reference when it found an object; that leak is
    // harmless (that object was loaded anyway) and keeps this loop simple.
    handle_ = ::dlopen(fdPath(fd_).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char *reason = ::dlerror();
      throw Error(what + ": cannot load it: " +
                  (reason ? reason : "unknown dlopen error"));
    }
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

SharedObject::~SharedObject() {
  if (handle_)
    ::dlclose(handle_);
  if (fd_ >= 0)
    ::close(fd_);
}

void *SharedObject::symbol(const std::string &symbol) const {
  ::dlerror(); // Clear any stale error so a null result is ours.
  return ::dlsym(handle_, symbol.c_str());
}

} // namespace olmrt::exec
