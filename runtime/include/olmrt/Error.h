//===- Error.h - The runtime's one exception type ---------------*- C++ -*-===//
//
// Everything in the runtime that rejects its input (a file, a flag, a
// tensor) throws olmrt::Error. Callers show what() to a person as is, so
// the message is one line that says which file, which tensor and which
// limit is involved; it never needs a stack trace to be understood.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_ERROR_H
#define OLMRT_ERROR_H

#include <stdexcept>
#include <string>

namespace olmrt {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

} // namespace olmrt

#endif // OLMRT_ERROR_H
