//===- UnicodeTest.cpp - UTF-8 repair, classes, NFC/NFD, the scanners -----===//

#include "Unicode.h"
#include "PreTokenize.h"

#include <gtest/gtest.h>

namespace {

using namespace olmrt::tok;

const std::string kFFFD = "\xEF\xBF\xBD";

TEST(Utf8, RepairsMaximalSubparts) {
  EXPECT_EQ(repairUtf8("plain"), "plain");
  EXPECT_EQ(repairUtf8("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(repairUtf8(std::string("a\xFF") + "b"), "a" + kFFFD + "b");
  // A truncated sequence is one replacement; the byte that broke it starts
  // over.
  EXPECT_EQ(repairUtf8("\xE2\x82(x"), kFFFD + "(x");
  EXPECT_EQ(repairUtf8("\xF0\x9F\x98"), kFFFD);
  // Surrogates, overlong forms and values past U+10FFFF: one per byte.
  EXPECT_EQ(repairUtf8("\xED\xA0\x80"), kFFFD + kFFFD + kFFFD);
  EXPECT_EQ(repairUtf8("\xC0\xAF"), kFFFD + kFFFD);
  EXPECT_EQ(repairUtf8("\xF4\x90\x80\x80"), kFFFD + kFFFD + kFFFD + kFFFD);
  EXPECT_TRUE(isValidUtf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(isValidUtf8("\x80"));
}

TEST(Unicode, Classes) {
  EXPECT_EQ(charClass('a'), CharClass::Letter);
  EXPECT_EQ(charClass(U'ß'), CharClass::Letter);
  EXPECT_EQ(charClass(U'中'), CharClass::Letter);
  EXPECT_EQ(charClass('7'), CharClass::Number);
  EXPECT_EQ(charClass(U'½'), CharClass::Number);
  EXPECT_EQ(charClass(U'Ⅻ'), CharClass::Number);
  EXPECT_EQ(charClass(0x0663), CharClass::Number); // Arabic-Indic three.
  for (char32_t c : {0x09, 0x0A, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2003, 0x2028,
                     0x2029, 0x202F, 0x3000})
    EXPECT_EQ(charClass(c), CharClass::Space) << std::hex << c;
  for (char32_t c : {0x1C, 0x200B, 0xFEFF, 0x301, 0x21, 0x1F600})
    EXPECT_EQ(charClass(c), CharClass::Other) << std::hex << c;
}

TEST(Unicode, Normalization) {
  EXPECT_EQ(toNFC("cafe\xCC\x81"), "caf\xC3\xA9"); // e + acute
  EXPECT_EQ(toNFD("caf\xC3\xA9"), "cafe\xCC\x81");
  EXPECT_EQ(toNFC("\xE2\x84\xAB"), "\xC3\x85"); // Angstrom sign
  // Marks are put in canonical order before composing: a + dot below +
  // acute... ogonek (202) sorts before macron (230).
  EXPECT_EQ(toNFD("o\xCC\x84\xCC\xA8"), "o\xCC\xA8\xCC\x84");
  EXPECT_EQ(toNFC("o\xCC\xA8\xCC\x84"), "\xC7\xAD"); // U+01ED
  // Hangul jamo compose algorithmically.
  EXPECT_EQ(toNFC("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");
  EXPECT_EQ(toNFD("\xEA\xB0\x81"), "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8");
  // Composition exclusions stay decomposed.
  EXPECT_EQ(toNFC("\xE0\xA5\x98"), "\xE0\xA4\x95\xE0\xA4\xBC"); // U+0958
}

std::vector<std::string> pieces(SplitRegex kind, const std::string &text) {
  std::vector<std::string> out;
  for (const Span &s : splitRegexMatches(kind, text))
    out.push_back(text.substr(s.first, s.second - s.first));
  return out;
}

using V = std::vector<std::string>;

TEST(PreTokenize, Gpt2) {
  EXPECT_EQ(pieces(SplitRegex::Gpt2, "it's  a\ttest 123!!"),
            (V{"it", "'s", " ", " a", "\t", "test", " 123", "!!"}));
  EXPECT_EQ(pieces(SplitRegex::Gpt2, "I'M x  \n"),
            (V{"I", "'", "M", " x", "  \n"}));
}

TEST(PreTokenize, Llama3AndQwen2) {
  EXPECT_EQ(
      pieces(SplitRegex::Llama3, "x \n\n y\t\t\tz 123456 7"),
      (V{"x", " \n\n", " y", "\t\t", "\tz", " ", "123", "456", " ", "7"}));
  EXPECT_EQ(pieces(SplitRegex::Qwen2, "I'M 123"),
            (V{"I", "'M", " ", "1", "2", "3"}));
  EXPECT_EQ(pieces(SplitRegex::Llama3, "a.\n\nb"), (V{"a", ".\n\n", "b"}));
}

TEST(PreTokenize, ByteLevelAlphabet) {
  for (int b = 0; b < 256; ++b) {
    size_t pos = 0;
    char32_t c = nextCodePoint(byteLevelChar((unsigned char)b), pos);
    EXPECT_EQ(byteLevelByte(c), b);
  }
  EXPECT_EQ(byteLevelChar(' '), "\xC4\xA0"); // Ġ
  EXPECT_EQ(byteLevelByte('Z'), 'Z');
  EXPECT_EQ(byteLevelByte(0x4E2D), -1);
}

} // namespace
