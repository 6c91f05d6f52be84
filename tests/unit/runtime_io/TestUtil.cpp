//===- TestUtil.cpp - Helpers for the runtime I/O tests -------------------===//

#include "TestUtil.h"

#include "olmrt/Error.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace olmrt::test {

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "olmrt_io_XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::vector<std::string> TempDir::list() const {
  std::vector<std::string> names;
  for (const auto &entry : std::filesystem::directory_iterator(dir_))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void writeFile(const std::string &path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string le(uint64_t v, unsigned bytes) {
  std::string out;
  for (unsigned i = 0; i < bytes; ++i)
    out.push_back(char((v >> (8 * i)) & 0xff));
  return out;
}

::testing::AssertionResult throwsError(const std::function<void()> &fn,
                                       const std::vector<std::string> &pieces) {
  try {
    fn();
  } catch (const olmrt::Error &e) {
    std::string message = e.what();
    if (message.find('\n') != std::string::npos)
      return ::testing::AssertionFailure()
             << "message is not one line: " << message;
    for (const std::string &piece : pieces)
      if (message.find(piece) == std::string::npos)
        return ::testing::AssertionFailure()
               << "message \"" << message << "\" lacks \"" << piece << "\"";
    return ::testing::AssertionSuccess() << message;
  } catch (const std::exception &e) {
    return ::testing::AssertionFailure()
           << "threw something other than olmrt::Error: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

} // namespace olmrt::test
