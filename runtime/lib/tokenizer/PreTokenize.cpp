//===- PreTokenize.cpp - The pre-tokenisation regexes, by hand ------------===//

#include "PreTokenize.h"

#include "Unicode.h"

#include <array>

namespace olmrt::tok {

namespace {

const char kGpt2Regex[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char kLlama3Regex[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char kQwen2Regex[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

/// The text as code points with their classes, and the byte offset of each
/// (offsets has one more entry: the end).
struct Chars {
  std::vector<char32_t> cps;
  std::vector<CharClass> cls;
  std::vector<size_t> offsets;

  explicit Chars(std::string_view text) {
    cps.reserve(text.size());
    cls.reserve(text.size());
    offsets.reserve(text.size() + 1);
    for (size_t pos = 0; pos < text.size();) {
      offsets.push_back(pos);
      char32_t c = nextCodePoint(text, pos);
      cps.push_back(c);
      cls.push_back(charClass(c));
    }
    offsets.push_back(text.size());
  }
  size_t size() const { return cps.size(); }
  bool is(size_t i, CharClass c) const { return i < size() && cls[i] == c; }
  /// [^\s\p{L}\p{N}]
  bool isOther(size_t i) const { return is(i, CharClass::Other); }
  /// End of the run of class `c` starting at i.
  size_t runEnd(size_t i, CharClass c) const {
    while (i < size() && cls[i] == c)
      ++i;
    return i;
  }
  bool isNewline(size_t i) const {
    return i < size() && (cps[i] == '\r' || cps[i] == '\n');
  }
};

char32_t asciiLower(char32_t c) {
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/// Length of 's|'t|'re|'ve|'m|'ll|'d at i (0 when none matches).
size_t contraction(const Chars &t, size_t i, bool ignoreCase) {
  if (t.cps[i] != '\'' || i + 1 >= t.size())
    return 0;
  auto at = [&](size_t k) {
    if (k >= t.size())
      return char32_t(0);
    return ignoreCase ? asciiLower(t.cps[k]) : t.cps[k];
  };
  char32_t a = at(i + 1), b = at(i + 2);
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
      (a == 'l' && b == 'l'))
    return 3;
  return 0;
}

/// \s+(?!\S)|\s+ at a white-space character i: the run, less its last
/// character when a non-space follows and the run has more than one.
size_t spaceRun(const Chars &t, size_t i) {
  size_t end = t.runEnd(i, CharClass::Space);
  if (end < t.size() && end - i >= 2)
    return end - 1 - i;
  return end - i;
}

/// The length of the GPT-2 regex's match at i.
size_t matchGpt2(const Chars &t, size_t i) {
  if (size_t n = contraction(t, i, /*ignoreCase=*/false))
    return n;
  // ` ?X+` for X in \p{L}, \p{N}, [^\s\p{L}\p{N}], in that order; only a
  // space can start the optional part, and a space is none of them.
  size_t start =
      t.cps[i] == ' ' && i + 1 < t.size() && t.cls[i + 1] != CharClass::Space
          ? i + 1
          : i;
  CharClass c = t.cls[start];
  if (c != CharClass::Space)
    return t.runEnd(start, c) - i;
  return spaceRun(t, i);
}

/// The length of the Llama-3 (maxDigits 3) or Qwen2 (1) regex's match.
size_t matchLlama3(const Chars &t, size_t i, size_t maxDigits) {
  if (size_t n = contraction(t, i, /*ignoreCase=*/true))
    return n;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (t.is(i, CharClass::Letter))
    return t.runEnd(i, CharClass::Letter) - i;
  if (!t.isNewline(i) && !t.is(i, CharClass::Number) &&
      t.is(i + 1, CharClass::Letter))
    return t.runEnd(i + 1, CharClass::Letter) - i;
  // \p{N}{1,maxDigits}
  if (t.is(i, CharClass::Number)) {
    size_t end = i + 1;
    while (end < t.size() && end - i < maxDigits &&
           t.cls[end] == CharClass::Number)
      ++end;
    return end - i;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  size_t start = t.cps[i] == ' ' && t.isOther(i + 1) ? i + 1 : i;
  if (t.isOther(start)) {
    size_t end = t.runEnd(start, CharClass::Other);
    while (t.isNewline(end))
      ++end;
    return end - i;
  }
  // Only white space is left. \s*[\r\n]+: up to the run's last newline.
  size_t runEnd = t.runEnd(i, CharClass::Space);
  for (size_t k = runEnd; k > i; --k)
    if (t.isNewline(k - 1))
      return k - i;
  return spaceRun(t, i);
}

std::array<std::string, 256> makeByteChars() {
  std::array<std::string, 256> chars;
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
                     (b >= 0xAE && b <= 0xFF);
    appendUtf8(chars[b], printable ? char32_t(b) : next++);
  }
  return chars;
}

const std::array<std::string, 256> &byteChars() {
  static const std::array<std::string, 256> chars = makeByteChars();
  return chars;
}

} // namespace

std::optional<SplitRegex> recognizeSplitRegex(std::string_view pattern) {
  for (SplitRegex kind :
       {SplitRegex::Gpt2, SplitRegex::Llama3, SplitRegex::Qwen2})
    if (pattern == splitRegexText(kind))
      return kind;
  return std::nullopt;
}

const char *splitRegexText(SplitRegex kind) {
  switch (kind) {
  case SplitRegex::Gpt2:
    return kGpt2Regex;
  case SplitRegex::Llama3:
    return kLlama3Regex;
  case SplitRegex::Qwen2:
    return kQwen2Regex;
  }
  return "";
}

std::vector<Span> splitRegexMatches(SplitRegex kind, std::string_view text) {
  Chars t(text);
  std::vector<Span> spans;
  for (size_t i = 0; i < t.size();) {
    size_t n = kind == SplitRegex::Gpt2     ? matchGpt2(t, i)
               : kind == SplitRegex::Llama3 ? matchLlama3(t, i, 3)
                                            : matchLlama3(t, i, 1);
    if (n == 0) // Cannot happen: every character matches. Stay total.
      n = 1;
    spans.emplace_back(t.offsets[i], t.offsets[i + n]);
    i += n;
  }
  return spans;
}

const std::string &byteLevelChar(unsigned char b) { return byteChars()[b]; }

int byteLevelByte(char32_t c) {
  if ((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) ||
      (c >= 0xAE && c <= 0xFF))
    return int(c);
  if (c < 256 || c >= 256 + 68)
    return -1;
  // The 68 non-printable bytes, in increasing order, took 256, 257, ...
  static const std::array<int, 68> bytes = [] {
    std::array<int, 68> out{};
    int k = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
                       (b >= 0xAE && b <= 0xFF);
      if (!printable)
        out[k++] = b;
    }
    return out;
  }();
  return bytes[c - 256];
}

} // namespace olmrt::tok
