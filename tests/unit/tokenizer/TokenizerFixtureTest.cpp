//===- TokenizerFixtureTest.cpp - encode/decode equal Hugging Face's ------===//
//
// Inputs/expected.json holds, for each fixture tokenizer, what HF
// `tokenizers` made of the stress texts (make_fixtures.py). Every text must
// encode to exactly those ids, with and without special tokens, and every
// id sequence decode to exactly that text.
//
//===----------------------------------------------------------------------===//

#include "olmrt/Tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace {

using nlohmann::json;

const std::string kInputs = OLMRT_TOKENIZER_INPUTS;

json readExpected() {
  std::ifstream in(kInputs + "/expected.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::string fromHex(const std::string &hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<int32_t> ids(const json &list) {
  return list.get<std::vector<int32_t>>();
}

/// Concatenation of a StreamDecoder's output over `tokens`.
std::string streamed(const olmrt::Tokenizer &tok,
                     const std::vector<int32_t> &tokens, bool skip) {
  olmrt::StreamDecoder stream(tok, skip);
  std::string out;
  for (int32_t id : tokens)
    out += stream.push(id);
  return out + stream.finish();
}

class Fixture : public ::testing::TestWithParam<std::string> {};

TEST(TokenizerFixtures, AllPresent) {
  json expected = readExpected();
  ASSERT_EQ(expected.size(), 7u);
}

TEST_P(Fixture, EncodeAndDecodeMatchHuggingFace) {
  json expected = readExpected();
  const json *entry = nullptr;
  for (const json &e : expected)
    if (e["tokenizer"] == GetParam() + ".json")
      entry = &e;
  ASSERT_NE(entry, nullptr) << GetParam();
  olmrt::Tokenizer tok =
      olmrt::Tokenizer::fromFile(kInputs + "/" + GetParam() + ".json");
  EXPECT_EQ(tok.vocabSize(), (*entry)["vocab_size"].get<int64_t>());

  int index = 0;
  for (const json &c : (*entry)["cases"]) {
    std::string text = fromHex(c["text_hex"]);
    SCOPED_TRACE("case " + std::to_string(index++) + ": " +
                 c["text_hex"].get<std::string>());
    EXPECT_EQ(tok.encode(text), ids(c["ids"]));
    std::vector<int32_t> withSpecial = ids(c["ids_with_special"]);
    EXPECT_EQ(tok.encode(text, /*addSpecialTokens=*/true), withSpecial);
    EXPECT_EQ(tok.decode(withSpecial, true), c["decoded"].get<std::string>());
    EXPECT_EQ(tok.decode(withSpecial, false),
              c["decoded_keep_special"].get<std::string>());
    EXPECT_EQ(streamed(tok, withSpecial, true),
              c["decoded"].get<std::string>());
  }
  index = 0;
  for (const json &c : (*entry)["decode_cases"]) {
    SCOPED_TRACE("decode case " + std::to_string(index++) + ": " +
                 c["ids"].dump());
    std::vector<int32_t> tokens = ids(c["ids"]);
    EXPECT_EQ(tok.decode(tokens, true), c["decoded"].get<std::string>());
    EXPECT_EQ(tok.decode(tokens, false),
              c["decoded_keep_special"].get<std::string>());
    EXPECT_EQ(streamed(tok, tokens, false),
              c["decoded_keep_special"].get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(HuggingFace, Fixture,
                         ::testing::Values("gpt2", "gpt2_prefix", "llama3",
                                           "qwen2", "sp_llama2", "sp_metaspace",
                                           "sp_metaspace_split"));

TEST(Tokenizer, LooksUpTokensAndIds) {
  olmrt::Tokenizer tok = olmrt::Tokenizer::fromFile(kInputs + "/llama3.json");
  auto bos = tok.tokenToId("<|begin_of_text|>");
  ASSERT_TRUE(bos);
  EXPECT_TRUE(tok.isSpecial(*bos));
  EXPECT_EQ(tok.idToToken(*bos), "<|begin_of_text|>");
  auto the = tok.tokenToId("Ġthe");
  ASSERT_TRUE(the);
  EXPECT_FALSE(tok.isSpecial(*the));
  EXPECT_EQ(tok.decode({*the}), " the");
  EXPECT_FALSE(tok.idToToken(-1));
  EXPECT_FALSE(tok.idToToken(tok.vocabSize()));
  EXPECT_FALSE(tok.tokenToId("no such token"));
  // Unknown ids are skipped, as in HF.
  EXPECT_EQ(tok.decode({*the, int32_t(tok.vocabSize()), *the}), " the the");
}

TEST(Tokenizer, StreamsMultiByteCharactersWhole) {
  olmrt::Tokenizer tok = olmrt::Tokenizer::fromFile(kInputs + "/gpt2.json");
  // "€" is three bytes; fed one byte token at a time nothing comes out
  // until the character is complete.
  std::vector<int32_t> bytes;
  for (const char *b : {"â", "Ĥ", "¬"}) {
    auto id = tok.tokenToId(b);
    ASSERT_TRUE(id) << b;
    bytes.push_back(*id);
  }
  ASSERT_EQ(tok.decode(bytes), "\xE2\x82\xAC");
  olmrt::StreamDecoder stream(tok);
  EXPECT_EQ(stream.push(bytes[0]), "");
  EXPECT_EQ(stream.push(bytes[1]), "");
  EXPECT_EQ(stream.push(bytes[2]), "\xE2\x82\xAC");
  EXPECT_EQ(stream.finish(), "");
  // An incomplete character left at the end comes out as U+FFFD.
  olmrt::StreamDecoder partial(tok);
  EXPECT_EQ(partial.push(bytes[0]), "");
  EXPECT_EQ(partial.finish(), "\xEF\xBF\xBD");
}

TEST(Tokenizer, StreamKeepsLlamaLeadingSpaceRule) {
  olmrt::Tokenizer tok =
      olmrt::Tokenizer::fromFile(kInputs + "/sp_llama2.json");
  std::vector<int32_t> ids = tok.encode("Hello world, again and again");
  olmrt::StreamDecoder stream(tok);
  std::string out;
  for (int32_t id : ids)
    out += stream.push(id);
  out += stream.finish();
  EXPECT_EQ(out, "Hello world, again and again");
}

TEST(Tokenizer, IsSharedAcrossCopies) {
  olmrt::Tokenizer a = olmrt::Tokenizer::fromFile(kInputs + "/qwen2.json");
  olmrt::Tokenizer b = a;
  EXPECT_EQ(a.encode("shared"), b.encode("shared"));
}

} // namespace
