//===- ArtifactWriter.cpp - Write an .olmx artifact -----------------------===//

#include "ArtifactLayout.h"
#include "IoSupport.h"
#include "olmrt/Artifact.h"
#include "olmrt/Sha256.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace olmrt {

using namespace io;
using namespace io::artifact;

namespace {

/// Writes bytes to the file and the running checksum together, so the
/// payload is produced once and never held twice in memory.
class HashingWriter {
public:
  explicit HashingWriter(AtomicFileWriter &out) : out_(out) {}
  void write(std::string_view bytes) {
    out_.write(bytes);
    sha_.update(bytes);
    written_ += bytes.size();
  }
  void padTo(uint64_t offset) {
    static const char kZeros[kSectionAlignment] = {};
    while (written_ < offset)
      write(std::string_view(
          kZeros, std::min<uint64_t>(sizeof kZeros, offset - written_)));
  }
  Sha256::Digest finish() { return sha_.finish(); }

private:
  AtomicFileWriter &out_;
  Sha256 sha_;
  uint64_t written_ = 0;
};

} // namespace

void writeArtifact(
    const std::string &path, const nlohmann::json &manifest,
    const std::vector<std::pair<std::string, std::string>> &sections) {
  std::set<std::string> seen;
  for (const auto &[name, bytes] : sections) {
    if (name.empty() || name.size() > kArtifactMaxSectionName ||
        name.find('\0') != std::string::npos)
      fail(path, "section name " + inQuotes(name) + " must be 1 to " +
                     std::to_string(kArtifactMaxSectionName) +
                     " bytes without NUL");
    if (!seen.insert(name).second)
      fail(path, "section " + inQuotes(name) + " is given twice");
  }
  std::string manifestText;
  try {
    manifestText = manifest.dump();
  } catch (const nlohmann::json::type_error &e) {
    fail(path, "manifest cannot be written as JSON: " + jsonErrorText(e));
  }

  // Lay out: header, manifest, aligned sections, aligned table, checksum.
  uint64_t offset = kArtifactHeaderSize + manifestText.size();
  std::vector<uint64_t> sectionOffsets;
  for (const auto &section : sections) {
    offset = alignUp(offset, kSectionAlignment);
    sectionOffsets.push_back(offset);
    offset += section.second.size();
  }
  uint64_t tableOffset = alignUp(offset, kSectionAlignment);
  uint64_t fileSize =
      tableOffset + sections.size() * kEntrySize + kChecksumSize;

  std::string header(kArtifactMagic, sizeof kArtifactMagic);
  appendLE(header, kArtifactFormatVersion, 4);
  appendLE(header, 0, 4); // flags
  appendLE(header, kArtifactHeaderSize, 8);
  appendLE(header, manifestText.size(), 8);
  appendLE(header, tableOffset, 8);
  appendLE(header, sections.size(), 8);
  appendLE(header, fileSize, 8);
  header.resize(kArtifactHeaderSize, '\0');

  std::string table;
  for (size_t i = 0; i < sections.size(); ++i) {
    std::string name = sections[i].first;
    name.resize(kEntryNameSize, '\0');
    table += name;
    appendLE(table, sectionOffsets[i], 8);
    appendLE(table, sections[i].second.size(), 8);
  }

  AtomicFileWriter out(path);
  HashingWriter writer(out);
  writer.write(header);
  writer.write(manifestText);
  for (size_t i = 0; i < sections.size(); ++i) {
    writer.padTo(sectionOffsets[i]);
    writer.write(sections[i].second);
  }
  writer.padTo(tableOffset);
  writer.write(table);
  Sha256::Digest digest = writer.finish();
  out.write(digest.data(), digest.size());
  out.commit();
}

} // namespace olmrt
