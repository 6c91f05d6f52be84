//===- TestUtil.h - Helpers for the runtime I/O tests -----------*- C++ -*-===//

#ifndef OLMRT_TESTS_RUNTIME_IO_TESTUTIL_H
#define OLMRT_TESTS_RUNTIME_IO_TESTUTIL_H

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace olmrt::test {

/// A fresh directory for one test, removed with everything in it.
class TempDir {
public:
  TempDir();
  ~TempDir();
  std::string file(const std::string &name) const { return dir_ + "/" + name; }
  /// Names of the entries in the directory, sorted.
  std::vector<std::string> list() const;

private:
  std::string dir_;
};

void writeFile(const std::string &path, std::string_view bytes);
std::string readFile(const std::string &path);

/// `v` as `bytes` little-endian bytes.
std::string le(uint64_t v, unsigned bytes);

/// Succeeds when `fn` throws olmrt::Error whose message is one line and
/// contains every string in `pieces`.
::testing::AssertionResult throwsError(const std::function<void()> &fn,
                                       const std::vector<std::string> &pieces);

} // namespace olmrt::test

#endif // OLMRT_TESTS_RUNTIME_IO_TESTUTIL_H
