//===- fuzz_artifact.cpp - libFuzzer target: Artifact::load + manifest ----===//
//
// Each input is loaded twice:
//  1. as is, which exercises the checks before the checksum (size, magic,
//     version, recorded size, checksum);
//  2. "sealed": magic, format version, recorded size and SHA-256 are
//     patched in so that random bytes get past the checksum and reach the
//     layout checks (manifest and section table bounds, names, overlaps) and
//     parseManifest, which validates the manifest the runtime relies on.
// A loaded artifact's sections are read end to end.
//
//===----------------------------------------------------------------------===//

#include "FuzzFile.h"

#include "olmrt/Artifact.h"
#include "olmrt/Error.h"
#include "olmrt/Manifest.h"
#include "olmrt/Sha256.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void loadAndParse(const uint8_t *data, size_t size) {
  const std::string &path = olmc::fuzz::writeInput(data, size);
  try {
    olmrt::Artifact artifact = olmrt::Artifact::load(path);
    unsigned sum = 0;
    for (const std::string &name : artifact.sectionNames()) {
      std::string_view bytes = artifact.section(name);
      // Artifact.h promises 64-byte aligned section bytes.
      if (reinterpret_cast<uintptr_t>(bytes.data()) % 64 != 0)
        std::abort();
      for (char c : bytes)
        sum += static_cast<unsigned char>(c);
    }
    volatile unsigned sink = sum;
    (void)sink;
    olmrt::Manifest manifest =
        olmrt::parseManifest(path, artifact.manifest());
    (void)manifest.findEntryPoint("prefill");
  } catch (const olmrt::Error &) {
  }
}

void storeLE(uint8_t *p, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i)
    p[i] = uint8_t(v >> (8 * i));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  loadAndParse(data, size);

  constexpr size_t kChecksum = 32;
  if (size < olmrt::kArtifactHeaderSize + kChecksum)
    return 0;
  std::vector<uint8_t> sealed(data, data + size);
  std::memcpy(sealed.data(), olmrt::kArtifactMagic,
              sizeof olmrt::kArtifactMagic);
  storeLE(sealed.data() + 8, olmrt::kArtifactFormatVersion, 4);
  storeLE(sealed.data() + 48, size, 8);
  olmrt::Sha256 sha;
  sha.update(sealed.data(), size - kChecksum);
  olmrt::Sha256::Digest digest = sha.finish();
  std::memcpy(sealed.data() + size - kChecksum, digest.data(), kChecksum);
  loadAndParse(sealed.data(), sealed.size());
  return 0;
}
