//===- TokenizerDefectsTest.cpp - Regression tests from fuzzing -----------===//
//
// One test per defect found by fuzz_tokenizer (tests/fuzz) or by review
// while writing it; docs/security.md lists them. Each fails without its fix.
//
//===----------------------------------------------------------------------===//

#include "olmrt/Error.h"
#include "olmrt/Tokenizer.h"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string loadError(const std::string &json) {
  try {
    olmrt::Tokenizer::fromJson(json, "T.json");
  } catch (const olmrt::Error &e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << json;
  return "";
}

std::string minimal(const std::string &extra) {
  return R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []})" +
         extra + "}";
}

std::string repeated(const std::string &item, int times) {
  std::string out;
  for (int i = 0; i < times; ++i)
    out += (i ? ", " : "") + item;
  return out;
}

// Each Replace inserts at most 64 bytes, but a Sequence of them multiplies:
// five Replace "a" -> 64 x "a" made encode("aaaa") allocate 4 GiB (out of
// memory; a crash under a memory limit). The loader now bounds the product
// of the stages' growth.
TEST(TokenizerDefects, ComposedReplaceNormalizersCannotBlowUpText) {
  std::string replace = R"({"type": "Replace", "pattern": {"String": "a"},
                            "content": ")" +
                        std::string(64, 'a') + R"("})";
  std::string what = loadError(minimal(
      R"(, "normalizer": {"type": "Sequence", "normalizers": [)" +
      repeated(replace, 5) + "]}"));
  EXPECT_EQ(what, "T.json: normalizer and pre_tokenizer can make a text "
                  "more than 10^9 times longer; the limit is 256");
  // With the pre-tokenizer: 64 x 4 (a prefix space, then 2 bytes per
  // byte) is the limit and accepted; 3 (NFC) x 64 x 4 is not.
  std::string byteLevel =
      R"(, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": true})";
  EXPECT_NO_THROW(olmrt::Tokenizer::fromJson(
      minimal(R"(, "normalizer": )" + replace + byteLevel), "T.json"));
  what = loadError(minimal(
      R"(, "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, )" +
      replace + "]}" + byteLevel));
  EXPECT_EQ(what, "T.json: normalizer and pre_tokenizer can make a text 768 "
                  "times longer; the limit is 256");
}

TEST(TokenizerDefects, ComposedByteLevelPreTokenizersCannotBlowUpText) {
  // Each ByteLevel doubles non-ASCII text; 20 of them made it 2^20 times
  // longer.
  std::string what = loadError(minimal(
      R"(, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [)" +
      repeated(R"({"type": "ByteLevel", "add_prefix_space": false})", 20) +
      "]}"));
  EXPECT_EQ(what, "T.json: normalizer and pre_tokenizer can make a text "
                  "1048576 times longer; the limit is 256");
}

TEST(TokenizerDefects, ComposedReplaceDecodersCannotBlowUpText) {
  std::string replace = R"({"type": "Replace", "pattern": {"String": "a"},
                            "content": ")" +
                        std::string(64, 'a') + R"("})";
  std::string what = loadError(minimal(
      R"(, "decoder": {"type": "Sequence", "decoders": [)" +
      repeated(replace, 3) + "]}"));
  EXPECT_EQ(what, "T.json: field 'decoder' can make a text 262144 times "
                  "longer; the limit is 256");
}

TEST(TokenizerDefects, RealPipelinesStayWithinTheGrowthLimit) {
  // Llama-2's normalizer (Prepend + Replace), Qwen2's NFC + Split +
  // ByteLevel and a Replace decoder load as before.
  std::string llama2 = minimal(
      R"(, "normalizer": {"type": "Sequence", "normalizers": [
           {"type": "Prepend", "prepend": "\u2581"},
           {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
         "decoder": {"type": "Sequence", "decoders": [
           {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
           {"type": "ByteFallback"}, {"type": "Fuse"},
           {"type": "Strip", "content": " ", "start": 1, "stop": 0}]})");
  EXPECT_NO_THROW(olmrt::Tokenizer::fromJson(llama2, "T.json"));
  std::string qwen2 = minimal(
      R"(, "normalizer": {"type": "NFC"},
         "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
           {"type": "Split", "pattern": {"String": " "}, "behavior": "Isolated"},
           {"type": "ByteLevel", "add_prefix_space": true}]},
         "decoder": {"type": "ByteLevel"})");
  EXPECT_NO_THROW(olmrt::Tokenizer::fromJson(qwen2, "T.json"));
}

TEST(TokenizerDefects, NormalizedAddedTokensAreBounded) {
  // A normalized added token is stored as the normalizer spells it; with
  // the growth limit of 256 one 64 KiB token could take 16 MiB, and a few
  // hundred of them tens of GiB of trie. Their total is bounded.
  std::string replace = R"({"type": "Replace", "pattern": {"String": "a"},
                            "content": ")" +
                        std::string(64, 'a') + R"("})";
  std::string tokens;
  for (int i = 0; i < 8; ++i)
    tokens += std::string(i ? ", " : "") + R"({"id": )" +
              std::to_string(1 + i) + R"(, "content": ")" +
              std::string(65536, 'a').replace(0, 1, 1, char('b' + i)) + R"("})";
  std::string what = loadError(minimal(R"(, "normalizer": )" + replace +
                                       R"(, "added_tokens": [)" + tokens +
                                       "]"));
  EXPECT_EQ(what, "T.json: field 'added_tokens[4]' brings the added tokens' "
                  "text (normalized) past 16777216 bytes");
}

} // namespace

namespace {

std::string streamed(const olmrt::Tokenizer &tok,
                     const std::vector<int32_t> &ids) {
  olmrt::StreamDecoder stream(tok);
  std::string out;
  for (int32_t id : ids)
    out += stream.push(id);
  return out + stream.finish();
}

// Found by fuzz_tokenizer: StreamDecoder decodes a window of the last
// tokens, and a decoder that strips the start of the whole text (Strip
// after Fuse) stripped the window's start too. With "start": 2 (Llama-2
// has 1, which happened to work) the stream lost a space that decode()
// keeps. Windows now decode as a continuation, without the start-of-text
// effects.
TEST(TokenizerDefects, StreamDecoderWindowIsNotTheStartOfTheText) {
  for (const char *start : {"1", "2"}) {
    std::string json =
        R"({"model": {"type": "BPE", "merges": [],
              "vocab": {"\u2581": 0, "a": 1, "\u2581a": 2, "": 3}},
            "decoder": {"type": "Sequence", "decoders": [
              {"type": "Replace", "pattern": {"String": "\u2581"},
               "content": " "},
              {"type": "Fuse"},
              {"type": "Strip", "content": " ", "start": )" +
        std::string(start) + R"(, "stop": 0}]}})";
    olmrt::Tokenizer tok = olmrt::Tokenizer::fromJson(json, "T.json");
    for (const std::vector<int32_t> &ids :
         {std::vector<int32_t>{2, 0, 2}, std::vector<int32_t>{2, 0, 3, 2},
          std::vector<int32_t>{0, 0, 0, 2, 3, 0, 2},
          std::vector<int32_t>{2, 3, 2, 3, 0, 0}}) {
      EXPECT_EQ(streamed(tok, ids), tok.decode(ids))
          << "start " << start << ", " << ids.size() << " ids";
    }
  }
}

// Found by fuzz_tokenizer: decode() drops ids that name no token (and
// special tokens it skips) before the decoder runs, so byte tokens on both
// sides of them form one run for ByteFallback; StreamDecoder took such an
// id for the end of the run and emitted "\n" where decode() gives two
// U+FFFD (the run 0A 96 is not UTF-8).
TEST(TokenizerDefects, StreamDecoderIgnoresIdsThatDecodeDrops) {
  olmrt::Tokenizer tok = olmrt::Tokenizer::fromJson(
      R"({"model": {"type": "BPE", "merges": [], "byte_fallback": true,
            "vocab": {"<0x0A>": 0, "<0x96>": 1, "a": 2}},
          "added_tokens": [{"id": 3, "content": "<s>", "special": true}],
          "decoder": {"type": "Sequence", "decoders": [
            {"type": "ByteFallback"}, {"type": "Fuse"}]}})",
      "T.json");
  for (const std::vector<int32_t> &ids :
       {std::vector<int32_t>{0, 99, 1}, std::vector<int32_t>{0, 3, 1},
        std::vector<int32_t>{2, 0, -5, 3, 1, 2}}) {
    EXPECT_EQ(streamed(tok, ids), tok.decode(ids)) << ids.size() << " ids";
    EXPECT_NE(tok.decode(ids).find("\xEF\xBF\xBD\xEF\xBF\xBD"),
              std::string::npos);
  }
}

} // namespace
