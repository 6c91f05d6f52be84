//===- ArtifactReader.cpp - Map and verify an .olmx artifact --------------===//

#include "ArtifactLayout.h"
#include "IoSupport.h"
#include "olmrt/Artifact.h"
#include "olmrt/Error.h"
#include "olmrt/Sha256.h"

#include <algorithm>
#include <cstring>

namespace olmrt {

using namespace io;
using namespace io::artifact;

namespace {

/// A byte range of the file that one thing (manifest, table, a section)
/// owns; none may overlap another.
struct Region {
  uint64_t begin, end;
  std::string what;
};

std::string describeRange(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
}

/// Checks [offset, offset + size) lies within [kArtifactHeaderSize,
/// payloadEnd) and returns its end.
uint64_t checkRange(const std::string &path, const std::string &what,
                    uint64_t offset, uint64_t size, uint64_t payloadEnd) {
  uint64_t end;
  if (!checkedAdd(offset, size, end) || offset < kArtifactHeaderSize ||
      end > payloadEnd)
    fail(path, what + " at offset " + std::to_string(offset) + " size " +
                   std::to_string(size) + " lies outside the payload " +
                   describeRange(kArtifactHeaderSize, payloadEnd));
  return end;
}

} // namespace

Artifact Artifact::load(const std::string &path) {
  Artifact artifact;
  artifact.path_ = path;
  Mapping mapping = mapFile(path);
  artifact.base_ = mapping.data;
  artifact.size_ = mapping.size;
  const uint8_t *p = artifact.base_;
  uint64_t size = artifact.size_;

  // The order matters: each check makes the next one meaningful, and
  // nothing the file says is used before the checksum vouches for it.
  if (size < kArtifactHeaderSize)
    fail(path, "not an olmc artifact: file is " + std::to_string(size) +
                   " bytes, smaller than the " +
                   std::to_string(kArtifactHeaderSize) + "-byte header");
  if (std::memcmp(p + kMagic, kArtifactMagic, sizeof kArtifactMagic) != 0)
    fail(path, "not an olmc artifact (bad magic)");
  uint64_t version = loadLE(p + kFormatVersion, 4);
  if (version != kArtifactFormatVersion)
    fail(path, "artifact format version " + std::to_string(version) +
                   ", this runtime reads version " +
                   std::to_string(kArtifactFormatVersion) +
                   "; recompile with a matching olmc");
  uint64_t recordedSize = loadLE(p + kFileSize, 8);
  if (recordedSize > size)
    fail(path, "truncated: header says " + std::to_string(recordedSize) +
                   " bytes, file has " + std::to_string(size));
  if (recordedSize < size)
    fail(path, "trailing data: header says " + std::to_string(recordedSize) +
                   " bytes, file has " + std::to_string(size));
  if (size < kArtifactHeaderSize + kChecksumSize)
    fail(path, "file is " + std::to_string(size) +
                   " bytes, too small for header and checksum");
  uint64_t payloadEnd = size - kChecksumSize;
  Sha256 sha;
  sha.update(p, payloadEnd);
  if (std::memcmp(sha.finish().data(), p + payloadEnd, kChecksumSize) != 0)
    fail(path, "checksum mismatch: the file is corrupt or was modified");

  uint64_t flags = loadLE(p + kFlags, 4);
  if (flags != 0)
    fail(path, "unknown header flags " + std::to_string(flags) +
                   " for format version " + std::to_string(version));

  std::vector<Region> regions;
  uint64_t manifestOffset = loadLE(p + kManifestOffset, 8);
  uint64_t manifestSize = loadLE(p + kManifestSize, 8);
  regions.push_back(
      {manifestOffset,
       checkRange(path, "manifest", manifestOffset, manifestSize, payloadEnd),
       "manifest"});
  try {
    artifact.manifest_ = nlohmann::json::parse(
        p + manifestOffset, p + manifestOffset + manifestSize);
  } catch (const nlohmann::json::exception &e) {
    // Not only parse_error: a number too large for a double ("1e400") is
    // an out_of_range error (406) from the parser.
    fail(path, "manifest is not valid JSON: " + jsonErrorText(e));
  }

  uint64_t tableOffset = loadLE(p + kSectionTableOffset, 8);
  uint64_t count = loadLE(p + kSectionCount, 8);
  // Bound the count by the payload before multiplying, so it cannot wrap.
  if (count > payloadEnd / kEntrySize)
    fail(path,
         "section count " + std::to_string(count) + " cannot fit in the file");
  regions.push_back({tableOffset,
                     checkRange(path, "section table", tableOffset,
                                count * kEntrySize, payloadEnd),
                     "section table"});

  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t *entry = p + tableOffset + i * kEntrySize;
    const char *nameField = reinterpret_cast<const char *>(entry);
    size_t nameLength = strnlen(nameField, kEntryNameSize);
    std::string name(nameField, nameLength);
    std::string where = "section " + inQuotes(name);
    if (nameLength == 0 || nameLength == kEntryNameSize)
      fail(path, "section table entry " + std::to_string(i) +
                     " has an empty or unterminated name");
    uint64_t offset = loadLE(entry + kEntryNameSize, 8);
    uint64_t sectionSize = loadLE(entry + kEntryNameSize + 8, 8);
    uint64_t end = checkRange(path, where, offset, sectionSize, payloadEnd);
    // section() promises 64-byte aligned bytes (the mapping is page
    // aligned); the writer aligns every section, so only a crafted file
    // fails here.
    if (offset % kSectionAlignment != 0)
      fail(path, where + " at offset " + std::to_string(offset) +
                     " is not " + std::to_string(kSectionAlignment) +
                     "-byte aligned");
    if (!artifact.sections_.emplace(name, std::make_pair(offset, sectionSize))
             .second)
      fail(path, where + " appears twice in the section table");
    regions.push_back({offset, end, where});
  }

  std::sort(regions.begin(), regions.end(),
            [](const Region &a, const Region &b) { return a.begin < b.begin; });
  const Region *previous = nullptr;
  for (const Region &r : regions) {
    if (r.begin == r.end)
      continue; // Empty regions own no bytes.
    if (previous && r.begin < previous->end)
      fail(path, previous->what + " " +
                     describeRange(previous->begin, previous->end) + " and " +
                     r.what + " " + describeRange(r.begin, r.end) + " overlap");
    previous = &r;
  }
  return artifact;
}

Artifact::~Artifact() { unmap(); }

Artifact::Artifact(Artifact &&other) noexcept
    : path_(std::move(other.path_)), base_(other.base_), size_(other.size_),
      manifest_(std::move(other.manifest_)),
      sections_(std::move(other.sections_)) {
  other.base_ = nullptr;
  other.size_ = 0;
}

Artifact &Artifact::operator=(Artifact &&other) noexcept {
  if (this != &other) {
    unmap();
    path_ = std::move(other.path_);
    base_ = other.base_;
    size_ = other.size_;
    manifest_ = std::move(other.manifest_);
    sections_ = std::move(other.sections_);
    other.base_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void Artifact::unmap() {
  Mapping mapping{base_, size_};
  unmapFile(mapping);
  base_ = nullptr;
  size_ = 0;
}

bool Artifact::hasSection(const std::string &name) const {
  return sections_.count(name) != 0;
}

std::string_view Artifact::section(const std::string &name) const {
  auto it = sections_.find(name);
  if (it == sections_.end())
    fail(path_, "artifact has no section " + inQuotes(name));
  return std::string_view(reinterpret_cast<const char *>(base_) +
                              it->second.first,
                          it->second.second);
}

std::vector<std::string> Artifact::sectionNames() const {
  std::vector<std::string> names;
  for (const auto &entry : sections_)
    names.push_back(entry.first);
  return names;
}

} // namespace olmrt
