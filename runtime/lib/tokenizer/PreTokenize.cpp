//===- PreTokenize.cpp - The pre-tokenisation regexes, by hand ------------===//

#include "PreTokenize.h"

#include "Unicode.h"

#include <algorithm>
#include <array>

namespace olmrt::tok {

namespace {

const char kGpt2Regex[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char kLlama3Regex[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char kQwen2Regex[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

/// Valid UTF-8 text read in place: positions are byte offsets of
/// characters, classes are looked up as needed (no per-character arrays,
/// so memory stays that of the text).
struct Text {
  std::string_view s;

  size_t size() const { return s.size(); }
  size_t next(size_t i) const {
    return std::min(s.size(), i + utf8Length((unsigned char)s[i]));
  }
  CharClass cls(size_t i) const {
    size_t pos = i;
    return charClass(nextCodePoint(s, pos));
  }
  bool is(size_t i, CharClass c) const { return i < size() && cls(i) == c; }
  /// [^\s\p{L}\p{N}]
  bool isOther(size_t i) const { return is(i, CharClass::Other); }
  /// End of the run of class `c` starting at i.
  size_t runEnd(size_t i, CharClass c) const {
    while (i < size() && cls(i) == c)
      i = next(i);
    return i;
  }
  bool isNewline(size_t i) const {
    return i < size() && (s[i] == '\r' || s[i] == '\n');
  }
};

char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

/// End of 's|'t|'re|'ve|'m|'ll|'d at i, or 0 when none matches. Only ASCII
/// letters fold (Oniguruma does not match 'ſ' for 's' here).
size_t contraction(const Text &t, size_t i, bool ignoreCase) {
  if (t.s[i] != '\'')
    return 0;
  auto at = [&](size_t k) {
    if (k >= t.size())
      return '\0';
    return ignoreCase ? asciiLower(t.s[k]) : t.s[k];
  };
  char a = at(i + 1), b = at(i + 2);
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return i + 2;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
      (a == 'l' && b == 'l'))
    return i + 3;
  return 0;
}

/// \s+(?!\S)|\s+ at a white-space character i: the run, less its last
/// character when a non-space follows and the run has more than one.
size_t spaceRun(const Text &t, size_t i) {
  size_t last = i, end = i;
  while (end < t.size() && t.cls(end) == CharClass::Space) {
    last = end;
    end = t.next(end);
  }
  return end < t.size() && last != i ? last : end;
}

/// The end of the GPT-2 regex's match at i.
size_t matchGpt2(const Text &t, size_t i) {
  if (size_t end = contraction(t, i, /*ignoreCase=*/false))
    return end;
  // ` ?X+` for X in \p{L}, \p{N}, [^\s\p{L}\p{N}], in that order; only a
  // space can start the optional part, and a space is none of them.
  size_t after = t.next(i);
  size_t start =
      t.s[i] == ' ' && after < t.size() && t.cls(after) != CharClass::Space
          ? after
          : i;
  CharClass c = t.cls(start);
  if (c != CharClass::Space)
    return t.runEnd(start, c);
  return spaceRun(t, i);
}

/// The end of the Llama-3 (maxDigits 3) or Qwen2 (1) regex's match at i.
size_t matchLlama3(const Text &t, size_t i, int maxDigits) {
  if (size_t end = contraction(t, i, /*ignoreCase=*/true))
    return end;
  CharClass c = t.cls(i);
  size_t after = t.next(i);
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (c == CharClass::Letter)
    return t.runEnd(i, CharClass::Letter);
  if (!t.isNewline(i) && c != CharClass::Number &&
      t.is(after, CharClass::Letter))
    return t.runEnd(after, CharClass::Letter);
  // \p{N}{1,maxDigits}
  if (c == CharClass::Number) {
    size_t end = after;
    for (int n = 1; n < maxDigits && t.is(end, CharClass::Number); ++n)
      end = t.next(end);
    return end;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  size_t start = t.s[i] == ' ' && t.isOther(after) ? after : i;
  if (t.isOther(start)) {
    size_t end = t.runEnd(start, CharClass::Other);
    while (t.isNewline(end))
      ++end;
    return end;
  }
  // Only white space is left. \s*[\r\n]+: up to the run's last newline.
  size_t lastNewline = std::string_view::npos;
  for (size_t k = i; k < t.size() && t.cls(k) == CharClass::Space;
       k = t.next(k))
    if (t.isNewline(k))
      lastNewline = k;
  if (lastNewline != std::string_view::npos)
    return lastNewline + 1;
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
  Text t{text};
  std::vector<Span> spans;
  for (size_t i = 0; i < t.size();) {
    size_t end = kind == SplitRegex::Gpt2     ? matchGpt2(t, i)
                 : kind == SplitRegex::Llama3 ? matchLlama3(t, i, 3)
                                              : matchLlama3(t, i, 1);
    if (end <= i) // Cannot happen: every character matches. Stay total.
      end = t.next(i);
    spans.emplace_back(i, end);
    i = end;
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
