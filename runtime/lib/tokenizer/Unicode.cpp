//===- Unicode.cpp - UTF-8, character classes and NFC/NFD -----------------===//

#include "Unicode.h"

#include <algorithm>
#include <vector>

namespace olmrt::tok {

namespace {

struct ClassRange {
  uint32_t first, last;
  uint8_t value;
};
struct DecompositionEntry {
  uint32_t codePoint;
  uint16_t offset;
  uint8_t length;
};
struct CompositionEntry {
  uint32_t first, second, composite;
};

#include "UnicodeTables.inc"

template <size_t N>
uint8_t lookupRange(const ClassRange (&table)[N], char32_t c) {
  const ClassRange *end = table + N;
  const ClassRange *it = std::upper_bound(
      table, end, uint32_t(c),
      [](uint32_t v, const ClassRange &r) { return v < r.first; });
  if (it == table)
    return 0;
  --it;
  return c <= it->last ? it->value : 0;
}

// Hangul syllables decompose and compose algorithmically (Unicode 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161,
                   kTBase = 0x11A7;
constexpr int kLCount = 19, kVCount = 21, kTCount = 28;
constexpr int kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

void appendDecomposition(std::u32string &out, char32_t c) {
  if (c >= kSBase && c < kSBase + kSCount) {
    int s = int(c - kSBase);
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount)
      out.push_back(kTBase + s % kTCount);
    return;
  }
  const DecompositionEntry *end =
      kDecompositions + sizeof(kDecompositions) / sizeof(kDecompositions[0]);
  const DecompositionEntry *it = std::lower_bound(
      kDecompositions, end, uint32_t(c),
      [](const DecompositionEntry &e, uint32_t v) { return e.codePoint < v; });
  if (it != end && it->codePoint == c) {
    out.append(kDecompositionPool + it->offset,
               kDecompositionPool + it->offset + it->length);
    return;
  }
  out.push_back(c);
}

/// The primary composite of (a, b), or 0.
char32_t compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase &&
      b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 &&
      b > kTBase && b < kTBase + kTCount)
    return a + (b - kTBase);
  const CompositionEntry *end =
      kCompositions + sizeof(kCompositions) / sizeof(kCompositions[0]);
  const CompositionEntry *it = std::lower_bound(
      kCompositions, end, std::make_pair(uint32_t(a), uint32_t(b)),
      [](const CompositionEntry &e, std::pair<uint32_t, uint32_t> v) {
        return std::make_pair(e.first, e.second) < v;
      });
  if (it != end && it->first == a && it->second == b)
    return it->composite;
  return 0;
}

/// Full canonical decomposition in canonical order.
std::u32string decompose(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();)
    appendDecomposition(out, nextCodePoint(text, pos));
  // Canonical ordering: a stable sort of each run of non-starters by
  // combining class (insertion sort; runs are short).
  for (size_t i = 1; i < out.size(); ++i) {
    uint8_t cc = combiningClass(out[i]);
    if (cc == 0)
      continue;
    size_t j = i;
    while (j > 0) {
      uint8_t prev = combiningClass(out[j - 1]);
      if (prev == 0 || prev <= cc)
        break;
      std::swap(out[j - 1], out[j]);
      --j;
    }
  }
  return out;
}

std::string toUtf8(const std::u32string &cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps)
    appendUtf8(out, c);
  return out;
}

bool isAscii(std::string_view text) {
  for (unsigned char c : text)
    if (c >= 0x80)
      return false;
  return true;
}

} // namespace

CharClass charClass(char32_t c) {
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
      return CharClass::Letter;
    if (c >= '0' && c <= '9')
      return CharClass::Number;
    if (c == ' ' || (c >= 0x09 && c <= 0x0D))
      return CharClass::Space;
    return CharClass::Other;
  }
  return CharClass(lookupRange(kClassRanges, c) & 3);
}

bool isWordChar(char32_t c) {
  if (c < 0x80)
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
  return lookupRange(kClassRanges, c) & 4;
}

uint8_t combiningClass(char32_t c) {
  if (c < 0x300)
    return 0;
  return lookupRange(kCombiningClasses, c);
}

const char *unicodeTablesVersion() { return OLMRT_UNICODE_VERSION; }

std::string repairUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0, n = text.size();
  auto byte = [&](size_t k) { return (unsigned char)text[k]; };
  while (i < n) {
    unsigned char b = byte(i);
    if (b < 0x80) {
      out.push_back(char(b));
      ++i;
      continue;
    }
    // Expected length and the range of the second byte (Unicode table 3-7).
    size_t length = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF)
      length = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
      length = 3;
      if (b == 0xE0)
        lo = 0xA0;
      else if (b == 0xED)
        hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      length = 4;
      if (b == 0xF0)
        lo = 0x90;
      else if (b == 0xF4)
        hi = 0x8F;
    }
    size_t good = 1; // Bytes of a well-formed prefix, lead included.
    if (length) {
      while (good < length && i + good < n) {
        unsigned char c = byte(i + good);
        bool ok = good == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
        if (!ok)
          break;
        ++good;
      }
    }
    if (length && good == length) {
      out.append(text.substr(i, length));
    } else {
      appendUtf8(out, kReplacementChar);
    }
    i += good;
  }
  return out;
}

bool isValidUtf8(std::string_view text) {
  if (isAscii(text))
    return true;
  return repairUtf8(text) == text;
}

char32_t nextCodePoint(std::string_view text, size_t &pos) {
  unsigned char b = (unsigned char)text[pos];
  size_t length = utf8Length(b);
  if (pos + length > text.size()) { // Not valid text; do not read past it.
    ++pos;
    return kReplacementChar;
  }
  char32_t c;
  if (length == 1)
    c = b;
  else if (length == 2)
    c = b & 0x1F;
  else if (length == 3)
    c = b & 0x0F;
  else
    c = b & 0x07;
  for (size_t k = 1; k < length; ++k)
    c = (c << 6) | ((unsigned char)text[pos + k] & 0x3F);
  pos += length;
  return c;
}

void appendUtf8(std::string &out, char32_t c) {
  if (c < 0x80) {
    out.push_back(char(c));
  } else if (c < 0x800) {
    out.push_back(char(0xC0 | (c >> 6)));
    out.push_back(char(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(char(0xE0 | (c >> 12)));
    out.push_back(char(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(char(0x80 | (c & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (c >> 18)));
    out.push_back(char(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(char(0x80 | (c & 0x3F)));
  }
}

std::string toNFD(std::string_view text) {
  if (isAscii(text))
    return std::string(text);
  return toUtf8(decompose(text));
}

std::string toNFC(std::string_view text) {
  if (isAscii(text))
    return std::string(text);
  std::u32string cps = decompose(text);
  std::u32string out;
  out.reserve(cps.size());
  // Canonical composition (UAX #15): each character combines with the last
  // starter unless a character in between blocks it.
  size_t starter = std::u32string::npos;
  uint8_t lastClass = 0;
  for (char32_t c : cps) {
    uint8_t cc = combiningClass(c);
    if (starter != std::u32string::npos) {
      bool adjacent = out.size() == starter + 1;
      bool blocked = !adjacent && (lastClass == 0 || lastClass >= cc);
      if (!blocked) {
        if (char32_t composite = compose(out[starter], c)) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (cc == 0)
      starter = out.size();
    out.push_back(c);
    lastClass = cc;
  }
  return toUtf8(out);
}

} // namespace olmrt::tok
