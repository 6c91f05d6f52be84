//===- fuzz_tokenizer.cpp - libFuzzer target: tokenizer.json --------------===//
//
// The input is a tokenizer.json, optionally followed by a NUL byte and a
// text (JSON text never holds a raw NUL, so the split is unambiguous; the
// seeds in corpus/fuzz_tokenizer have one). Without a NUL a fixed sample
// text is used. When Tokenizer::fromJson accepts the JSON, the text is
// encoded with and without special tokens, the ids are decoded, and so is
// an arbitrary id sequence derived from the text (ids out of range
// included), both at once and through a StreamDecoder. Checked, beyond "no
// crash, no sanitizer report":
//  - every encoded id is in [0, vocabSize());
//  - every decoded text is valid UTF-8 (Tokenizer.h promises it);
//  - a StreamDecoder's pieces concatenate to decode() of the same ids
//    (Tokenizer.h promises that too).
//
//===----------------------------------------------------------------------===//

#include "olmrt/Error.h"
#include "olmrt/Tokenizer.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Strict UTF-8 (no surrogates, no overlongs, at most U+10FFFF), written
/// independently of the tokenizer's own validator.
bool validUtf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len)
      return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char d = (unsigned char)s[i + k];
      if ((d & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

void check(bool ok) {
  if (!ok)
    std::abort();
}

void decodeChecked(const olmrt::Tokenizer &t, const std::vector<int32_t> &ids,
                   bool skipSpecial) {
  std::string whole = t.decode(ids, skipSpecial);
  check(validUtf8(whole));
  olmrt::StreamDecoder stream(t, skipSpecial);
  std::string pieces;
  for (int32_t id : ids)
    pieces += stream.push(id);
  pieces += stream.finish();
  check(pieces == whole);
}

constexpr std::string_view kDefaultText =
    "Hello, world! It's 2024: 3.14159 \xE2\x82\xAC" "12,50 caf\xC3\xA9 "
    "na\xC3\xAFve \xF0\x9F\x98\x80\n\n\tdon't  <s> </s> <|endoftext|> "
    "\xE2\x96\x81x \xFF\xC3 end";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  size_t nul = input.find('\0');
  std::string_view json = input.substr(0, nul);
  std::string_view text =
      nul == std::string_view::npos ? kDefaultText : input.substr(nul + 1);

  std::optional<olmrt::Tokenizer> loaded;
  try {
    loaded.emplace(olmrt::Tokenizer::fromJson(json, "fuzz.json"));
  } catch (const olmrt::Error &) {
    return 0; // Refused with a message: the usual outcome.
  }
  const olmrt::Tokenizer &t = *loaded;
  int64_t vocab = t.vocabSize();
  check(vocab >= 0 && vocab <= olmrt::TokenizerLimits::kMaxId + 1);

  for (bool addSpecial : {false, true}) {
    std::vector<int32_t> ids = t.encode(text, addSpecial);
    for (int32_t id : ids)
      check(id >= 0 && id < vocab);
    decodeChecked(t, ids, /*skipSpecial=*/!addSpecial);
  }

  // Arbitrary ids from the text's bytes, two at a time: -1 .. vocab + 1.
  std::vector<int32_t> ids;
  for (size_t i = 0; i + 1 < text.size() && ids.size() < 256; i += 2) {
    uint32_t raw = uint32_t((unsigned char)text[i]) |
                   (uint32_t((unsigned char)text[i + 1]) << 8);
    ids.push_back(int32_t(int64_t(raw) % (vocab + 3)) - 1);
  }
  decodeChecked(t, ids, true);
  decodeChecked(t, ids, false);

  for (int32_t id : ids) {
    if (std::optional<std::string> token = t.idToToken(id))
      check(t.tokenToId(*token).has_value());
    (void)t.isSpecial(id);
  }
  return 0;
}
