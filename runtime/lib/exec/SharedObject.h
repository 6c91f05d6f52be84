//===- SharedObject.h - dlopen a shared object held in memory ---*- C++ -*-===//
//
// Private to olmrt_exec. The code section of an artifact is an ELF shared
// object in memory; it is copied into an anonymous memfd and opened through
// /proc/self/fd/N, so nothing is ever written to disk and nothing is left
// behind when the process ends.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_EXEC_SHAREDOBJECT_H
#define OLMRT_LIB_EXEC_SHAREDOBJECT_H

#include <string>
#include <string_view>

namespace olmrt::exec {

class SharedObject {
public:
  /// Opens `image` with RTLD_NOW | RTLD_LOCAL; `what` names it in errors
  /// ("M.olmx: code section 'code.cpu.so'").
  SharedObject(std::string_view image, const std::string &what);
  ~SharedObject();
  SharedObject(const SharedObject &) = delete;
  SharedObject &operator=(const SharedObject &) = delete;

  /// The address of `symbol`, or nullptr when the object does not define it.
  void *symbol(const std::string &symbol) const;

private:
  void *handle_ = nullptr;
  /// Kept open while the object is loaded; see the constructor.
  int fd_ = -1;
};

} // namespace olmrt::exec

#endif // OLMRT_LIB_EXEC_SHAREDOBJECT_H
