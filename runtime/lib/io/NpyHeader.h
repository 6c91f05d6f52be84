//===- NpyHeader.h - Parse the dict literal of a .npy header ----*- C++ -*-===//
//
// The .npy header is a Python literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// numpy reads it with ast.literal_eval; we accept the subset numpy writes
// (quoted strings without escapes, True/False, tuples of non-negative
// integers) and nothing else, so malformed input fails with a message
// instead of being half-understood.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_IO_NPYHEADER_H
#define OLMRT_LIB_IO_NPYHEADER_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace olmrt::io {

struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

/// Parses `text` (the header after the length field, padding included);
/// throws olmrt::Error naming `path` when it is not exactly a dict with the
/// keys 'descr', 'fortran_order' and 'shape'.
NpyHeader parseNpyHeader(const std::string &path, std::string_view text);

} // namespace olmrt::io

#endif // OLMRT_LIB_IO_NPYHEADER_H
