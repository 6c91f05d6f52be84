//===- TokenizerErrorTest.cpp - Bad tokenizer.json files ------------------===//
//
// Every rejection is one olmrt::Error line that starts with the file's name
// and says which field is wrong.
//
//===----------------------------------------------------------------------===//

#include "olmrt/Error.h"
#include "olmrt/Tokenizer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace {

std::string loadError(const std::string &json) {
  try {
    olmrt::Tokenizer::fromJson(json, "T.json");
  } catch (const olmrt::Error &e) {
    std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    EXPECT_EQ(what.rfind("T.json: ", 0), 0u) << what;
    return what;
  }
  ADD_FAILURE() << "accepted: " << json;
  return "";
}

/// A minimal valid file with `model` fields and top-level `extra`.
std::string file(const std::string &model, const std::string &extra = "") {
  return R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2},
             "merges": ["a b"])" +
         model + "}" + extra + "}";
}

struct Case {
  std::string json;
  std::string message;
};

TEST(TokenizerErrors, OneLineNamingTheField) {
  const Case cases[] = {
      {"", "T.json: not valid JSON: parse error"},
      {"[1, 2]", "T.json: is not a tokenizer.json"},
      {"{}", "T.json: field 'model' is missing"},
      {std::string(100, '[') + std::string(100, ']'),
       "T.json: JSON nesting is deeper than 64 levels"},
      {R"({"model": {"type": "WordPiece", "vocab": {}}})",
       "field 'model.type' is 'WordPiece'; this runtime implements BPE"},
      {R"({"model": {"vocab": {}}})", "is not a BPE model"},
      {R"({"model": {"type": "BPE", "vocab": [], "merges": []}})",
       "field 'model.vocab' must be an object"},
      {R"({"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}})",
       "field 'model.vocab['a']' must be an integer from 0 to 16777215"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 1.5}, "merges": []}})",
       "field 'model.vocab['a']' must be an integer"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 99999999999}, "merges": []}})",
       "must be an integer from 0 to 16777215"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}})",
       "field 'model.vocab' gives id 0 to both"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a c"]}})",
       "field 'model.merges[0]' names 'c', which is not in model.vocab"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a a"]}})",
       "field 'model.merges[0]' names 'aa', which is not in model.vocab"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a  a"]}})",
       "must be two tokens separated by one space"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [7]}})",
       "field 'model.merges[0]' must be \"a b\" or [\"a\", \"b\"]"},
      {file(R"(, "unk_token": "<unk>")"),
       "field 'model.unk_token' is '<unk>', which is not in model.vocab"},
      {file(R"(, "dropout": 0.1)"), "BPE dropout makes encoding random"},
      {file(R"(, "byte_fallback": "yes")"),
       "field 'model.byte_fallback' must be true or false"},
      {file("", R"(, "added_tokens": [{"id": 5}])"),
       "field 'added_tokens[0].content' is missing"},
      {file("", R"(, "added_tokens": [{"id": 5, "content": ""}])"),
       "field 'added_tokens[0].content' is empty"},
      {file(
           "",
           R"(, "added_tokens": [{"id": 5, "content": "x"}, {"id": 5, "content": "y"}])"),
       "field 'added_tokens[1].id' repeats id 5"},
      {file("", R"(, "normalizer": {"type": "NFKC"})"),
       "field 'normalizer.type' is 'NFKC', a normalizer this runtime does "
       "not implement"},
      {file(
           "",
           R"(, "normalizer": {"type": "Sequence", "normalizers": [{"type": "Lowercase"}]})"),
       "field 'normalizer.normalizers[0].type' is 'Lowercase'"},
      {file(
           "",
           R"(, "normalizer": {"type": "Replace", "pattern": {"Regex": " +"}, "content": "x"})"),
       "field 'normalizer.pattern.Regex' is not supported here"},
      {file(
           "",
           R"(, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\w+"}, "behavior": "Isolated"})"),
       "field 'pre_tokenizer.pattern.Regex' is a regex this runtime does not "
       "implement"},
      {file(
           "",
           R"(, "pre_tokenizer": {"type": "Split", "pattern": {"String": "x"}, "behavior": "Sideways"})"),
       "field 'pre_tokenizer.behavior' is 'Sideways'"},
      {file("", R"(, "normalizer": {"type": "Prepend", "prepend": ")" +
                    std::string(65, 'x') + R"("})"),
       "field 'normalizer.prepend' is longer than 64 bytes"},
      {file(
           "",
           R"(, "decoder": {"type": "Replace", "pattern": {"String": ""}, "content": "x"})"),
       "field 'decoder.pattern.String' is empty"},
      {file("", R"(, "pre_tokenizer": {"type": "Whitespace"})"),
       "field 'pre_tokenizer.type' is 'Whitespace', a pre-tokenizer"},
      {file("",
            R"(, "pre_tokenizer": {"type": "Metaspace", "replacement": "ab"})"),
       "field 'pre_tokenizer.replacement' must be one character"},
      {file("", R"(, "decoder": {"type": "WordPiece"})"),
       "field 'decoder.type' is 'WordPiece', a decoder"},
      {file("",
            R"(, "decoder": {"type": "Strip", "content": " ", "start": -1})"),
       "field 'decoder.start' must be an integer from 0"},
      {file(
           "",
           R"(, "post_processor": {"type": "TemplateProcessing", "single": [], "special_tokens": {}})"),
       "field 'post_processor.single' has no {\"Sequence\""},
      {file(
           "",
           R"(, "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}], "special_tokens": {}})"),
       "field 'post_processor.single[0].SpecialToken.id' names '<s>', which "
       "special_tokens does not define"},
      {file(
           "",
           R"(, "post_processor": {"type": "RobertaProcessing", "cls": ["<s>", 9], "sep": ["</s>", 1]})"),
       "field 'post_processor.cls[1]' is id 9, which no token of this "
       "tokenizer has"},
      {file("", R"(, "post_processor": {"type": "Nope"})"),
       "field 'post_processor.type' is 'Nope'"},
      {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"\xFF\": 0}}}",
       "T.json: not valid JSON"},
  };
  for (const Case &c : cases) {
    std::string what = loadError(c.json);
    EXPECT_NE(what.find(c.message), std::string::npos)
        << "got: " << what << "\nwant: " << c.message;
  }
}

TEST(TokenizerErrors, AcceptsTheMinimalFile) {
  olmrt::Tokenizer tok = olmrt::Tokenizer::fromJson(file(""), "T.json");
  EXPECT_EQ(tok.encode("abba"), (std::vector<int32_t>{2, 1, 0}));
  EXPECT_EQ(tok.vocabSize(), 3);
  // No decoder: tokens joined by spaces, as in HF.
  EXPECT_EQ(tok.decode({2, 1}), "ab b");
}

TEST(TokenizerErrors, Files) {
  try {
    olmrt::Tokenizer::fromFile("/nonexistent/tokenizer.json");
    FAIL();
  } catch (const olmrt::Error &e) {
    EXPECT_STREQ(e.what(),
                 "/nonexistent/tokenizer.json: cannot open: No such file or "
                 "directory");
  }
  try {
    olmrt::Tokenizer::fromFile("/");
    FAIL();
  } catch (const olmrt::Error &e) {
    EXPECT_STREQ(e.what(), "/: not a regular file");
  }
}

} // namespace
