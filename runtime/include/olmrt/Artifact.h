//===- Artifact.h - The .olmx compiled-model container ----------*- C++ -*-===//
//
// An .olmx file carries everything olmc produced for one model: a JSON
// manifest and named binary sections (code, weights, tokenizer...).
//
//   0        64-byte header: magic, format version, flags, manifest and
//            section-table location, section count, total file size
//   64       the manifest, UTF-8 JSON
//   ...      sections, each starting 64-byte aligned
//   ...      section table: per section a 32-byte NUL-padded name, u64
//            offset, u64 size (48 bytes, integers little-endian)
//   size-32  SHA-256 of every byte before it
//
// Artifact::load checks size, magic, version, recorded size and checksum,
// in that order, before it trusts any offset in the file; so a file that
// passes is exactly what some olmc wrote, and the bounds checks that follow
// only guard against a buggy writer.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_ARTIFACT_H
#define OLMRT_ARTIFACT_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace olmrt {

/// Bumped whenever the layout or the manifest schema changes in a way an
/// older runtime would misread.
inline constexpr uint32_t kArtifactFormatVersion = 1;
/// First 8 bytes of every artifact. The CR LF, ^Z, LF tail (as in PNG)
/// makes text-mode transfers that mangle line ends fail the magic check.
inline constexpr char kArtifactMagic[8] = {'O',  'L',  'M',    'X',
                                           '\r', '\n', '\x1a', '\n'};
inline constexpr size_t kArtifactHeaderSize = 64;
/// Section names are at most this many bytes (the 32-byte field always
/// keeps a terminating NUL).
inline constexpr size_t kArtifactMaxSectionName = 31;

/// Writes an artifact to a temporary file and renames it over `path`.
/// Section names must be unique, non-empty, at most 31 bytes, without NUL.
void writeArtifact(
    const std::string &path, const nlohmann::json &manifest,
    const std::vector<std::pair<std::string, std::string>> &sections);

class Artifact {
public:
  /// Maps and verifies `path`; throws olmrt::Error on any defect.
  static Artifact load(const std::string &path);

  ~Artifact();
  Artifact(Artifact &&other) noexcept;
  Artifact &operator=(Artifact &&other) noexcept;
  Artifact(const Artifact &) = delete;
  Artifact &operator=(const Artifact &) = delete;

  const std::string &path() const { return path_; }
  const nlohmann::json &manifest() const { return manifest_; }
  bool hasSection(const std::string &name) const;
  /// The section's bytes, valid while this object lives; 64-byte aligned
  /// in memory. Throws olmrt::Error naming the section when absent.
  std::string_view section(const std::string &name) const;
  /// Section names in sorted order.
  std::vector<std::string> sectionNames() const;

private:
  Artifact() = default;
  void unmap();

  std::string path_;
  const uint8_t *base_ = nullptr;
  size_t size_ = 0;
  nlohmann::json manifest_;
  /// name -> (offset, size), all within the file.
  std::map<std::string, std::pair<uint64_t, uint64_t>> sections_;
};

} // namespace olmrt

#endif // OLMRT_ARTIFACT_H
