//===- Sha256Test.cpp - SHA-256 against the FIPS 180-4 examples -----------===//

#include "olmrt/Sha256.h"

#include <gtest/gtest.h>

using olmrt::Sha256;

namespace {

std::string hexOf(std::string_view message) {
  return Sha256::toHex(Sha256::hash(message));
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(hexOf(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hexOf("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The 448-bit message: padding spills into a second block.
  EXPECT_EQ(hexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // The 896-bit message.
  EXPECT_EQ(hexOf("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, MillionAs) {
  EXPECT_EQ(hexOf(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalMatchesOneShot) {
  std::string message;
  for (int i = 0; i < 200; ++i)
    message.push_back(char(i * 7 + 3));
  Sha256::Digest expected = Sha256::hash(message);
  // Every split point, including ones inside and at block boundaries.
  for (size_t split = 0; split <= message.size(); ++split) {
    Sha256 sha;
    sha.update(message.data(), split);
    sha.update(message.data() + split, message.size() - split);
    ASSERT_EQ(sha.finish(), expected) << "split at " << split;
  }
  // Byte at a time.
  Sha256 sha;
  for (char c : message)
    sha.update(&c, 1);
  EXPECT_EQ(sha.finish(), expected);
}

TEST(Sha256, FinishResets) {
  Sha256 sha;
  sha.update("garbage");
  sha.finish();
  sha.update("abc");
  EXPECT_EQ(Sha256::toHex(sha.finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

} // namespace
