//===- ImportHF.cpp - Hugging Face config.json -> model YAML --------------===//
//
// Parses the config, picks the family by model_type and writes the YAML the
// family's translation built.
//
//===----------------------------------------------------------------------===//
#include "olmc/ImportHF.h"

#include "Families.h"
#include "HFConfig.h"
#include "YAMLTree.h"

#include <nlohmann/json.hpp>

using nlohmann::json;

namespace olmc {

namespace {

/// A SAX consumer that only records the parser's message, so that a syntax
/// error is reported with its position without relying on exceptions.
class SyntaxCheck : public nlohmann::json_sax<json> {
public:
  std::string message;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t &) override { return true; }
  bool string(string_t &) override { return true; }
  bool binary(binary_t &) override { return true; }
  bool start_object(std::size_t) override { return enter(); }
  bool key(string_t &) override { return true; }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override { return enter(); }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t, const std::string &,
                   const nlohmann::detail::exception &error) override {
    // Drop nlohmann's "[json.exception.parse_error.101] " tag; the rest
    // ("parse error at line 4, column 1: ...") is the useful part.
    message = error.what();
    size_t tagEnd = message.find("] ");
    if (message.rfind("[json.exception.", 0) == 0 &&
        tagEnd != std::string::npos)
      message.erase(0, tagEnd + 2);
    return false;
  }

private:
  /// Configs nest a few levels. Deeper input is refused here, before
  /// anything recurses over it: json::dump(), which error messages use,
  /// recurses once per level and a million levels overflow the stack.
  static constexpr int kMaxDepth = 64;
  int depth = 0;

  bool enter() {
    if (++depth <= kMaxDepth)
      return true;
    message = "arrays and objects nest deeper than " +
              std::to_string(kMaxDepth) + " levels";
    return false;
  }
  bool leave() {
    --depth;
    return true;
  }
};

using Translation = void (*)(hf::HFConfig &, hf::YDocument &);

struct Family {
  const char *modelType;
  Translation translate;
};

const Family kFamilies[] = {
    {"gpt2", hf::translateGPT2},       {"llama", hf::translateLlama},
    {"qwen2", hf::translateQwen2},     {"gpt_neox", hf::translateGPTNeoX},
    {"mistral", hf::translateMistral}, {"gemma2", hf::translateGemma2},
};

std::string supportedList() {
  std::string list;
  for (const Family &family : kFamilies)
    list += (list.empty() ? "" : ", ") + std::string(family.modelType);
  return list;
}

} // namespace

bool importHFConfig(const std::string &jsonText, std::string &yamlOut,
                    std::string &error) {
  SyntaxCheck check;
  if (!json::sax_parse(jsonText, &check) || !check.message.empty()) {
    error = "invalid JSON: " + check.message;
    return false;
  }
  json root = json::parse(jsonText, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) {
    error = "a config.json must hold a JSON object";
    return false;
  }

  hf::ErrorSink sink;
  hf::HFConfig cfg(root, sink);
  std::string modelType = cfg.string("model_type");
  if (sink.failed()) {
    error = sink.message;
    return false;
  }
  const Family *family = nullptr;
  for (const Family &candidate : kFamilies)
    if (modelType == candidate.modelType)
      family = &candidate;
  if (!family) {
    error = "unsupported model_type '" + modelType +
            "' (supported: " + supportedList() + ")";
    return false;
  }

  hf::YDocument doc;
  family->translate(cfg, doc);
  if (sink.failed()) {
    error = sink.message;
    return false;
  }
  yamlOut = hf::writeYAML(doc);
  return true;
}

} // namespace olmc
