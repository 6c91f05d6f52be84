//===- Sha256.h - SHA-256 (FIPS 180-4) --------------------------*- C++ -*-===//
//
// Used to detect corrupt or modified .olmx artifacts. A self-contained
// implementation keeps the runtime free of a crypto library dependency;
// it is a checksum here, not a security boundary.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_SHA256_H
#define OLMRT_SHA256_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace olmrt {

class Sha256 {
public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  /// Feeds more message bytes; may be called any number of times.
  void update(const void *data, size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  /// Pads, returns the digest and resets for a new message.
  Digest finish();

  static Digest hash(std::string_view bytes);
  /// Lower-case hex, 64 characters.
  static std::string toHex(const Digest &digest);

private:
  void compress(const uint8_t *block);
  void reset();

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_;
  uint64_t totalBytes_;
};

} // namespace olmrt

#endif // OLMRT_SHA256_H
