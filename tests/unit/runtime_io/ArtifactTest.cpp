//===- ArtifactTest.cpp - Writing, loading and rejecting .olmx files ------===//

#include "TestUtil.h"

#include "olmrt/Artifact.h"
#include "olmrt/Error.h"
#include "olmrt/Sha256.h"

#include <cstring>

using namespace olmrt;
using namespace olmrt::test;

namespace {

// Header field offsets, as documented in Artifact.h.
constexpr size_t kVersionAt = 8, kFlagsAt = 12, kManifestSizeAt = 24,
                 kTableOffsetAt = 32, kCountAt = 40, kFileSizeAt = 48;

uint64_t fieldAt(const std::string &bytes, size_t offset) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = v << 8 | uint8_t(bytes[offset + i]);
  return v;
}

void setField(std::string &bytes, size_t offset, uint64_t v, unsigned size) {
  bytes.replace(offset, size, le(v, size));
}

/// Recomputes the trailing checksum after a test edits the payload, so the
/// checks behind the checksum can be reached.
void reseal(std::string &bytes) {
  size_t payload = bytes.size() - 32;
  Sha256::Digest digest = Sha256::hash(std::string_view(bytes.data(), payload));
  bytes.replace(payload, 32, reinterpret_cast<const char *>(digest.data()), 32);
}

std::string binary(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i)
    s.push_back(char(i * 131 + 7)); // includes NULs
  return s;
}

class ArtifactTest : public ::testing::Test {
protected:
  void SetUp() override {
    path = dir.file("model.olmx");
    writeArtifact(
        path, manifest,
        {{"code", binary(100)}, {"empty", ""}, {"weights", binary(3000)}});
    bytes = readFile(path);
  }

  /// Writes `edited` over the artifact and returns a loader thunk.
  std::function<void()> loadEdited(const std::string &edited) {
    writeFile(path, edited);
    return [this] { Artifact::load(path); };
  }

  TempDir dir;
  std::string path;
  nlohmann::json manifest = {{"model", "gpt2"}, {"layers", {1, 2, 3}}};
  std::string bytes;
};

TEST_F(ArtifactTest, RoundTrip) {
  Artifact artifact = Artifact::load(path);
  EXPECT_EQ(artifact.manifest(), manifest);
  EXPECT_EQ(artifact.sectionNames(),
            (std::vector<std::string>{"code", "empty", "weights"}));
  EXPECT_TRUE(artifact.hasSection("weights"));
  EXPECT_FALSE(artifact.hasSection("tokenizer"));
  EXPECT_EQ(artifact.section("code"), binary(100));
  EXPECT_EQ(artifact.section("weights"), binary(3000));
  EXPECT_TRUE(artifact.section("empty").empty());
  // Sections can be used in place by vector code.
  for (const char *name : {"code", "weights"})
    EXPECT_EQ(reinterpret_cast<uintptr_t>(artifact.section(name).data()) % 64,
              0u)
        << name;
  EXPECT_TRUE(throwsError([&] { artifact.section("tokenizer"); },
                          {"model.olmx: artifact has no section "
                           "'tokenizer'"}));

  Artifact moved = std::move(artifact);
  EXPECT_EQ(moved.section("code"), binary(100));
  EXPECT_EQ(dir.list(), std::vector<std::string>{"model.olmx"});
}

TEST_F(ArtifactTest, LayoutMatchesTheDocumentation) {
  EXPECT_EQ(bytes.substr(0, 8), std::string("OLMX\r\n\x1a\n", 8));
  EXPECT_EQ(fieldAt(bytes, kVersionAt) & 0xffffffff, kArtifactFormatVersion);
  EXPECT_EQ(fieldAt(bytes, kFileSizeAt), bytes.size());
  EXPECT_EQ(fieldAt(bytes, kCountAt), 3u);
  EXPECT_EQ(fieldAt(bytes, kManifestSizeAt), manifest.dump().size());
  EXPECT_EQ(bytes.substr(64, manifest.dump().size()), manifest.dump());
  std::string tail = bytes.substr(bytes.size() - 32);
  Sha256::Digest digest =
      Sha256::hash(std::string_view(bytes.data(), bytes.size() - 32));
  EXPECT_EQ(std::memcmp(tail.data(), digest.data(), 32), 0);
}

TEST_F(ArtifactTest, NoSectionsAndOtherManifests) {
  writeArtifact(path, nlohmann::json::array({1, "two"}), {});
  Artifact artifact = Artifact::load(path);
  EXPECT_EQ(artifact.manifest(), nlohmann::json::array({1, "two"}));
  EXPECT_TRUE(artifact.sectionNames().empty());
}

TEST_F(ArtifactTest, LargeSection) {
  std::string big = binary(5 << 20);
  writeArtifact(path, manifest, {{"weights", big}});
  EXPECT_EQ(Artifact::load(path).section("weights"), big);
}

TEST_F(ArtifactTest, Truncated) {
  size_t size = bytes.size();
  EXPECT_TRUE(throwsError(loadEdited(bytes.substr(0, size - 10)),
                          {"model.olmx: truncated: header says " +
                           std::to_string(size) + " bytes, file has " +
                           std::to_string(size - 10)}));
  EXPECT_TRUE(throwsError(loadEdited(bytes.substr(0, 10)),
                          {"model.olmx: not an olmc artifact", "10 bytes"}));
  EXPECT_TRUE(throwsError(loadEdited(""), {"not an olmc artifact"}));
  EXPECT_TRUE(
      throwsError(loadEdited(bytes + "xx"),
                  {"trailing data: header says " + std::to_string(size) +
                   " bytes, file has " + std::to_string(size + 2)}));
}

TEST_F(ArtifactTest, FlippedByte) {
  const char *mismatch =
      "model.olmx: checksum mismatch: the file is corrupt or was modified";
  size_t manifestAt = 64, sectionAt = bytes.find(binary(3000)) + 1234,
         checksumAt = bytes.size() - 1, reservedAt = 60;
  for (size_t at : {manifestAt, sectionAt, checksumAt, reservedAt}) {
    std::string edited = bytes;
    edited[at] ^= 0x01;
    EXPECT_TRUE(throwsError(loadEdited(edited), {mismatch})) << at;
  }
  // Flipping any byte at all is caught by one check or another; a small
  // artifact keeps this exhaustive loop fast.
  writeArtifact(path, {{"k", 1}}, {{"a", binary(5)}, {"b", binary(70)}});
  std::string small = readFile(path);
  for (size_t at = 0; at < small.size(); ++at) {
    std::string edited = small;
    edited[at] ^= 0x40;
    ASSERT_TRUE(throwsError(loadEdited(edited), {"model.olmx: "})) << at;
  }
}

TEST_F(ArtifactTest, WrongMagic) {
  std::string edited = bytes;
  edited[0] = 'X';
  EXPECT_TRUE(throwsError(loadEdited(edited),
                          {"model.olmx: not an olmc artifact (bad magic)"}));
  // A file of some other format.
  EXPECT_TRUE(
      throwsError(loadEdited(std::string(200, ' ')), {"not an olmc artifact"}));
}

TEST_F(ArtifactTest, FutureVersion) {
  std::string edited = bytes;
  setField(edited, kVersionAt, 2, 4);
  EXPECT_TRUE(throwsError(
      loadEdited(edited),
      {"model.olmx: artifact format version 2, this runtime reads version 1; "
       "recompile with a matching olmc"}));
  // The version is checked before the size and the checksum: a newer
  // layout may well differ in both.
  EXPECT_TRUE(throwsError(loadEdited(edited.substr(0, 100)),
                          {"artifact format version 2"}));
}

TEST_F(ArtifactTest, SizeIsCheckedBeforeChecksum) {
  std::string edited = bytes.substr(0, bytes.size() - 1);
  edited[100] ^= 1;
  EXPECT_TRUE(throwsError(loadEdited(edited), {"truncated"}));
}

// Everything past magic, version and size is used only once the checksum
// vouches for it: each edit below would fail a later check (flags, ranges,
// count, table entries, manifest JSON), but without a reseal the checksum
// is what reports it.
TEST_F(ArtifactTest, ChecksumIsVerifiedBeforeAnythingIsUsed) {
  const char *mismatch =
      "model.olmx: checksum mismatch: the file is corrupt or was modified";
  uint64_t table = fieldAt(bytes, kTableOffsetAt);
  std::vector<std::pair<size_t, uint64_t>> fields = {
      {kFlagsAt, 4},                    // unknown flags
      {16, 1},                          // manifest offset inside the header
      {kManifestSizeAt, ~uint64_t(0)},  // manifest past the end
      {kTableOffsetAt, 1},              // table inside the header
      {kCountAt, uint64_t(1) << 60},    // count that cannot fit
      {table + 32, bytes.size() + 64},  // section past the end
      {table + 32, 65},                 // unaligned, overlapping section
  };
  for (auto [at, value] : fields) {
    std::string edited = bytes;
    setField(edited, at, value, at == kFlagsAt ? 4 : 8);
    EXPECT_TRUE(throwsError(loadEdited(edited), {mismatch})) << at;
  }
  std::string edited = bytes;
  edited[64] = '#'; // Manifest no longer JSON.
  edited.replace(table, 32, std::string(32, 'n')); // Unterminated name.
  EXPECT_TRUE(throwsError(loadEdited(edited), {mismatch}));
}

// The checks below sit behind the checksum, so they only matter for a
// buggy writer; resealing the file lets the tests reach them.

TEST_F(ArtifactTest, ResealedBadFlags) {
  std::string edited = bytes;
  setField(edited, kFlagsAt, 4, 4);
  reseal(edited);
  EXPECT_TRUE(throwsError(loadEdited(edited), {"unknown header flags 4"}));
}

TEST_F(ArtifactTest, ResealedManifestOutOfBounds) {
  std::string edited = bytes;
  setField(edited, kManifestSizeAt, ~uint64_t(0) - 10, 8);
  reseal(edited);
  EXPECT_TRUE(throwsError(loadEdited(edited),
                          {"manifest at offset 64", "lies outside the "
                                                    "payload"}));
}

TEST_F(ArtifactTest, ResealedManifestNotJson) {
  std::string edited = bytes;
  edited[64] = '#';
  reseal(edited);
  EXPECT_TRUE(throwsError(loadEdited(edited), {"manifest is not valid JSON"}));
}

// Regression (found by fuzz_artifact): a number too large for a double makes
// nlohmann::json throw out_of_range, not parse_error, and it escaped the
// loader instead of becoming an olmrt::Error.
TEST_F(ArtifactTest, ResealedManifestNumberOverflow) {
  std::string edited = bytes;
  size_t at = edited.find("[1,2,3]");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 7, "[1e999]");
  reseal(edited);
  EXPECT_TRUE(throwsError(
      loadEdited(edited),
      {"manifest is not valid JSON: number overflow parsing '1e999'"}));
}

TEST_F(ArtifactTest, ResealedSectionTableProblems) {
  uint64_t table = fieldAt(bytes, kTableOffsetAt);
  {
    std::string edited = bytes;
    setField(edited, kCountAt, uint64_t(1) << 60, 8);
    reseal(edited);
    EXPECT_TRUE(throwsError(loadEdited(edited),
                            {"section count 1152921504606846976 cannot fit"}));
  }
  {
    std::string edited = bytes;
    setField(edited, kTableOffsetAt, bytes.size() - 40, 8);
    reseal(edited);
    EXPECT_TRUE(throwsError(loadEdited(edited),
                            {"section table at offset", "lies outside"}));
  }
  {
    // Entry 2 ("weights") pointing past the end.
    std::string edited = bytes;
    setField(edited, table + 2 * 48 + 32, bytes.size(), 8);
    reseal(edited);
    EXPECT_TRUE(throwsError(loadEdited(edited),
                            {"section 'weights' at offset", "lies outside"}));
  }
  {
    // Entry 0 ("code") moved onto "weights".
    std::string edited = bytes;
    setField(edited, table + 32, fieldAt(bytes, table + 2 * 48 + 32), 8);
    reseal(edited);
    EXPECT_TRUE(
        throwsError(loadEdited(edited),
                    {"section 'code'", "section 'weights'", "overlap"}));
  }
  {
    // Entry 0 overlapping the manifest.
    std::string edited = bytes;
    setField(edited, table + 32, 64, 8);
    reseal(edited);
    EXPECT_TRUE(throwsError(loadEdited(edited), {"manifest [64, ", "overlap"}));
  }
  {
    // Regression (docs/security.md): an unaligned section used to load,
    // although section() promises 64-byte aligned bytes.
    std::string edited = bytes;
    uint64_t code = fieldAt(bytes, table + 32);
    setField(edited, table + 32, code + 1, 8);
    reseal(edited);
    EXPECT_TRUE(throwsError(
        loadEdited(edited),
        {"section 'code' at offset " + std::to_string(code + 1) +
         " is not 64-byte aligned"}));
  }
  {
    std::string edited = bytes;
    edited.replace(table + 48, 5, "code\0", 5); // "empty" renamed "code"
    reseal(edited);
    EXPECT_TRUE(
        throwsError(loadEdited(edited), {"section 'code' appears twice"}));
  }
  {
    std::string edited = bytes;
    edited.replace(table, 32, std::string(32, 'n'));
    reseal(edited);
    EXPECT_TRUE(throwsError(loadEdited(edited),
                            {"section table entry 0 has an empty or "
                             "unterminated name"}));
  }
}

TEST_F(ArtifactTest, WriterRejectsBadSectionNames) {
  TempDir other;
  std::string out = other.file("bad.olmx");
  EXPECT_TRUE(throwsError(
      [&] {
        writeArtifact(out, manifest, {{"", "x"}});
      },
      {"bad.olmx: section name '' must be 1 to 31 bytes"}));
  EXPECT_TRUE(throwsError(
      [&] {
        writeArtifact(out, manifest, {{std::string(32, 'a'), "x"}});
      },
      {"must be 1 to 31 bytes"}));
  EXPECT_TRUE(throwsError(
      [&] {
        writeArtifact(out, manifest, {{"a", "x"}, {"a", "y"}});
      },
      {"section 'a' is given twice"}));
  EXPECT_TRUE(other.list().empty());
}

} // namespace
