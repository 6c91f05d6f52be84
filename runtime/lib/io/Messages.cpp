//===- Messages.cpp - Pieces of the one-line error messages ---------------===//

#include "IoSupport.h"

#include <cerrno>
#include <cstring>
#include <limits>

namespace olmrt::io {

bool shapeSize(const std::vector<int64_t> &shape, size_t itemSize,
               uint64_t &elements, uint64_t &bytes) {
  constexpr uint64_t kMax = uint64_t(std::numeric_limits<int64_t>::max());
  uint64_t n = 1;
  for (int64_t dim : shape) {
    if (dim < 0 || __builtin_mul_overflow(n, uint64_t(dim), &n) || n > kMax)
      return false;
  }
  uint64_t b;
  if (__builtin_mul_overflow(n, uint64_t(itemSize), &b) || b > kMax)
    return false;
  elements = n;
  bytes = b;
  return true;
}

std::string printable(std::string_view s, size_t maxLength) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  size_t shown = s.size() > maxLength ? maxLength : s.size();
  for (size_t i = 0; i < shown; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    // Only control bytes are escaped: UTF-8 names should stay readable.
    if (c >= 0x20 && c != 0x7f) {
      out.push_back(char(c));
      continue;
    }
    out += "\\x";
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  if (shown < s.size())
    out += "...";
  return out;
}

std::string inQuotes(std::string_view s) { return "'" + printable(s) + "'"; }

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

std::string jsonErrorText(const std::exception &e) {
  std::string what = e.what();
  size_t close = what.find("] ");
  if (what.rfind("[json.exception.", 0) == 0 && close != std::string::npos)
    what = what.substr(close + 2);
  return printable(what);
}

void fail(const std::string &path, const std::string &what) {
  throw Error(printable(path, 4096) + ": " + what);
}

std::string withErrno(const std::string &what) {
  return what + ": " + std::strerror(errno);
}

} // namespace olmrt::io
