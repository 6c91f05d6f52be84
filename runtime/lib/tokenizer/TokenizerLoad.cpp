//===- TokenizerLoad.cpp - Read and check a tokenizer.json ----------------===//
//
// The file comes from strangers: its size, nesting and number of values are
// bounded before it is parsed, every field is type-checked, ids are bounded
// and every token a merge or a template names must exist. Each failure is
// one line: "T.json: field 'model.merges[7]' names 'xy', which is not in
// model.vocab". Kinds of stage this runtime does not implement are errors,
// never silently different output.
//
//===----------------------------------------------------------------------===//

#include "TokenizerImpl.h"
#include "Unicode.h"

#include "olmrt/Error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace olmrt {

using namespace tok;
using json = nlohmann::json;

namespace {

/// Upper bound on the JSON values of one file (the largest real tokenizers
/// have a few million).
constexpr size_t kMaxJsonValues = size_t(1) << 25;

/// Upper bound on how many times longer encoding (normalizer, then
/// pre-tokenizer) or decoding (the decoder chain) can make a text. Bounding
/// each Replace or Prepend to 64 bytes (kMaxInsertBytes) is not enough on
/// its own: stages compose, and a Sequence of five Replace "a" -> 64 x "a"
/// turned 4 bytes into 4 GiB (found by review while writing
/// fuzz_tokenizer). Real tokenizers stay far below: Llama-2's normalizer
/// bounds to 12, Qwen2's NFC + ByteLevel to 12.
constexpr double kMaxGrowth = 256;
/// Upper bound on the bytes of all added-token texts as matched (each
/// normalized one as the normalizer spells it); the tries that hold them
/// take some 40 bytes per byte. Real files have a few KiB.
constexpr size_t kMaxAddedTokenBytes = size_t(16) << 20;

/// At most how many times longer each stage makes a non-empty text,
/// multiplied along Sequences; conservative, never below the truth.
double growth(const Normalizer &n) {
  switch (n.kind) {
  case Normalizer::Sequence: {
    double g = 1;
    for (const Normalizer &child : n.children)
      g *= growth(child);
    return g;
  }
  case Normalizer::NFC:
  case Normalizer::NFD:
    return 3; // The largest canonical expansion is 3 bytes per byte.
  case Normalizer::Prepend:
    return 1 + double(n.content.size()); // On a text of one byte.
  case Normalizer::Replace:
    return std::max(1.0, std::ceil(double(n.content.size()) /
                                   double(n.pattern.size())));
  case Normalizer::Strip:
    return 1;
  }
  return 1;
}

double growth(const PreTokenizer &p) {
  switch (p.kind) {
  case PreTokenizer::Sequence: {
    double g = 1;
    for (const PreTokenizer &child : p.children)
      g *= growth(child);
    return g;
  }
  case PreTokenizer::ByteLevel: // A prefix space, then 2 bytes per byte.
    return (p.addPrefixSpace ? 2 : 1) * 2;
  case PreTokenizer::Split:
    return 1;
  case PreTokenizer::Metaspace: // Spaces replaced, one prepended.
    return 1 + double(p.replacement.size());
  }
  return 1;
}

double growth(const Decoder &d) {
  switch (d.kind) {
  case Decoder::Sequence: {
    double g = 1;
    for (const Decoder &child : d.children)
      g *= growth(child);
    return g;
  }
  case Decoder::ByteLevel:
    return 2; // A 2-byte character can become U+FFFD, 3 bytes.
  case Decoder::Replace:
    return std::max(1.0, std::ceil(double(d.content.size()) /
                                   double(d.pattern.size())));
  case Decoder::Metaspace:
  case Decoder::ByteFallback:
  case Decoder::Fuse:
  case Decoder::Strip:
    return 1;
  }
  return 1;
}

std::string growthText(double g) {
  return g > 1e9 ? std::string("more than 10^9") : std::to_string(int64_t(g));
}

class Loader {
public:
  explicit Loader(std::string name) : name_(std::move(name)) {}

  [[noreturn]] void fail(const std::string &what) const {
    throw Error(name_ + ": " + what);
  }
  [[noreturn]] void fail(const std::string &field,
                         const std::string &what) const {
    fail("field '" + field + "' " + what);
  }

  static std::string join(const std::string &where, const std::string &key) {
    return where.empty() ? key : where + "." + key;
  }
  static std::string index(const std::string &where, size_t i) {
    return where + "[" + std::to_string(i) + "]";
  }

  /// The member, or nullptr when absent or null.
  const json *optional(const json &obj, const std::string &key) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
      return nullptr;
    return &*it;
  }
  const json &required(const json &obj, const std::string &where,
                       const std::string &key) const {
    const json *v = optional(obj, key);
    if (!v)
      fail(join(where, key), "is missing");
    return *v;
  }
  void expectObject(const json &v, const std::string &field) const {
    if (!v.is_object())
      fail(field, "must be an object");
  }
  void expectArray(const json &v, const std::string &field) const {
    if (!v.is_array())
      fail(field, "must be an array");
  }
  std::string stringValue(const json &v, const std::string &field) const {
    if (!v.is_string())
      fail(field, "must be a string");
    const std::string &s = v.get_ref<const std::string &>();
    if (int64_t(s.size()) > TokenizerLimits::kMaxTokenBytes)
      fail(field, "is longer than " +
                      std::to_string(TokenizerLimits::kMaxTokenBytes) +
                      " bytes");
    if (!isValidUtf8(s)) // nlohmann checks; make sure.
      fail(field, "is not valid UTF-8");
    return s;
  }
  std::string string(const json &obj, const std::string &where,
                     const std::string &key) const {
    return stringValue(required(obj, where, key), join(where, key));
  }
  std::optional<std::string> optionalString(const json &obj,
                                            const std::string &where,
                                            const std::string &key) const {
    const json *v = optional(obj, key);
    if (!v)
      return std::nullopt;
    return stringValue(*v, join(where, key));
  }
  bool boolean(const json &obj, const std::string &where,
               const std::string &key, bool fallback) const {
    const json *v = optional(obj, key);
    if (!v)
      return fallback;
    if (!v->is_boolean())
      fail(join(where, key), "must be true or false");
    return v->get<bool>();
  }
  int64_t integerValue(const json &v, const std::string &field, int64_t min,
                       int64_t max) const {
    if (!v.is_number_integer() ||
        (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(max)) ||
        v.get<int64_t>() < min || v.get<int64_t>() > max)
      fail(field, "must be an integer from " + std::to_string(min) + " to " +
                      std::to_string(max));
    return v.get<int64_t>();
  }
  int64_t integer(const json &obj, const std::string &where,
                  const std::string &key, int64_t min, int64_t max,
                  std::optional<int64_t> fallback = std::nullopt) const {
    const json *v = optional(obj, key);
    if (!v && fallback)
      return *fallback;
    if (!v)
      fail(join(where, key), "is missing");
    return integerValue(*v, join(where, key), min, max);
  }
  int32_t id(const json &v, const std::string &field) const {
    return int32_t(integerValue(v, field, 0, TokenizerLimits::kMaxId));
  }
  /// The "type" of a pipeline stage.
  std::string type(const json &obj, const std::string &where) const {
    expectObject(obj, where);
    return string(obj, where, "type");
  }
  /// Text a Replace or Prepend inserts (or replaces): bounded, so that
  /// normalizing or decoding cannot blow text up.
  std::string insertion(const json &obj, const std::string &where,
                        const std::string &key) const {
    std::string s = string(obj, where, key);
    if (int64_t(s.size()) > TokenizerLimits::kMaxInsertBytes)
      fail(join(where, key),
           "is longer than " +
               std::to_string(TokenizerLimits::kMaxInsertBytes) + " bytes");
    return s;
  }
  /// A single character (Metaspace's replacement, Strip's content).
  char32_t character(const json &obj, const std::string &where,
                     const std::string &key) const {
    std::string s = string(obj, where, key);
    size_t pos = 0;
    char32_t c = s.empty() ? 0 : nextCodePoint(s, pos);
    if (s.empty() || pos != s.size())
      fail(join(where, key), "must be one character, got '" + s + "'");
    return c;
  }
  /// A Replace/Split pattern: {"String": s}; {"Regex": r} only where the
  /// caller accepts it (regexOut).
  std::string pattern(const json &obj, const std::string &where,
                      std::optional<SplitRegex> *regexOut) const {
    std::string field = join(where, "pattern");
    const json &p = required(obj, where, "pattern");
    expectObject(p, field);
    if (const json *s = optional(p, "String"))
      return stringValue(*s, join(field, "String"));
    if (const json *r = optional(p, "Regex")) {
      std::string text = stringValue(*r, join(field, "Regex"));
      if (regexOut)
        if (auto kind = recognizeSplitRegex(text)) {
          *regexOut = kind;
          return text;
        }
      fail(join(field, "Regex"),
           regexOut ? "is a regex this runtime does not implement (only the "
                      "GPT-2, Llama-3 and Qwen2 pre-tokenisation regexes)"
                    : "is not supported here (only String patterns)");
    }
    fail(field, "must hold \"String\" or \"Regex\"");
  }

  void checkShape(std::string_view text) const;
  json parse(std::string_view text) const;

  Normalizer normalizer(const json &v, const std::string &where) const;
  PreTokenizer preTokenizer(const json &v, const std::string &where) const;
  Decoder decoder(const json &v, const std::string &where) const;
  PostProcessor postProcessor(const json &v, const std::string &where,
                              const Tokenizer::Impl &impl) const;
  void model(const json &v, const std::string &where,
             Tokenizer::Impl &impl) const;
  void addedTokens(const json &v, const std::string &where,
                   Tokenizer::Impl &impl) const;

private:
  std::string name_;
};

/// Nesting depth and value count, checked by a scan of the text before the
/// parser builds anything.
void Loader::checkShape(std::string_view text) const {
  int depth = 0;
  size_t values = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > TokenizerLimits::kMaxJsonDepth)
        fail("JSON nesting is deeper than " +
             std::to_string(TokenizerLimits::kMaxJsonDepth) + " levels");
      ++values;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',') {
      if (++values > kMaxJsonValues)
        fail("holds more than " + std::to_string(kMaxJsonValues) +
             " JSON values");
    }
  }
}

json Loader::parse(std::string_view text) const {
  checkShape(text);
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception &e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at ..." -> "parse
    // error at ...".
    size_t close = what.find("] ");
    if (what.rfind("[json.exception.", 0) == 0 && close != std::string::npos)
      what = what.substr(close + 2);
    for (char &c : what)
      if (c == '\n' || c == '\r')
        c = ' ';
    fail("not valid JSON: " + what);
  }
}

Normalizer Loader::normalizer(const json &v, const std::string &where) const {
  std::string t = type(v, where);
  Normalizer n{Normalizer::Sequence, {}, {}, false, false, {}};
  if (t == "Sequence") {
    std::string field = join(where, "normalizers");
    const json &list = required(v, where, "normalizers");
    expectArray(list, field);
    for (size_t i = 0; i < list.size(); ++i)
      n.children.push_back(normalizer(list[i], index(field, i)));
  } else if (t == "NFC") {
    n.kind = Normalizer::NFC;
  } else if (t == "NFD") {
    n.kind = Normalizer::NFD;
  } else if (t == "Prepend") {
    n.kind = Normalizer::Prepend;
    n.content = insertion(v, where, "prepend");
  } else if (t == "Replace") {
    n.kind = Normalizer::Replace;
    n.pattern = pattern(v, where, nullptr);
    if (n.pattern.empty())
      fail(join(where, "pattern.String"), "is empty");
    n.content = insertion(v, where, "content");
  } else if (t == "Strip") {
    n.kind = Normalizer::Strip;
    n.stripLeft = boolean(v, where, "strip_left", false);
    n.stripRight = boolean(v, where, "strip_right", false);
  } else {
    fail(join(where, "type"), "is '" + t +
                                  "', a normalizer this runtime does not "
                                  "implement (NFC, NFD, Prepend, Replace, "
                                  "Strip, Sequence)");
  }
  return n;
}

PreTokenizer Loader::preTokenizer(const json &v,
                                  const std::string &where) const {
  std::string t = type(v, where);
  PreTokenizer p{PreTokenizer::Sequence};
  if (t == "Sequence") {
    std::string field = join(where, "pretokenizers");
    const json &list = required(v, where, "pretokenizers");
    expectArray(list, field);
    for (size_t i = 0; i < list.size(); ++i)
      p.children.push_back(preTokenizer(list[i], index(field, i)));
  } else if (t == "ByteLevel") {
    p.kind = PreTokenizer::ByteLevel;
    p.addPrefixSpace = boolean(v, where, "add_prefix_space", true);
    p.useRegex = boolean(v, where, "use_regex", true);
  } else if (t == "Split") {
    p.kind = PreTokenizer::Split;
    std::optional<SplitRegex> regex;
    p.literal = pattern(v, where, &regex);
    p.regex = regex;
    if (regex)
      p.literal.clear();
    std::string behavior = string(v, where, "behavior");
    if (behavior == "Removed")
      p.behavior = SplitBehavior::Removed;
    else if (behavior == "Isolated")
      p.behavior = SplitBehavior::Isolated;
    else if (behavior == "MergedWithPrevious")
      p.behavior = SplitBehavior::MergedWithPrevious;
    else if (behavior == "MergedWithNext")
      p.behavior = SplitBehavior::MergedWithNext;
    else if (behavior == "Contiguous")
      p.behavior = SplitBehavior::Contiguous;
    else
      fail(join(where, "behavior"), "is '" + behavior +
                                        "', not one of Removed, Isolated, "
                                        "MergedWithPrevious, MergedWithNext, "
                                        "Contiguous");
    p.invert = boolean(v, where, "invert", false);
  } else if (t == "Metaspace") {
    p.kind = PreTokenizer::Metaspace;
    std::string replacement;
    appendUtf8(replacement, character(v, where, "replacement"));
    p.replacement = replacement;
    p.split = boolean(v, where, "split", true);
    if (auto scheme = optionalString(v, where, "prepend_scheme")) {
      if (*scheme == "always")
        p.prependScheme = PreTokenizer::Always;
      else if (*scheme == "first")
        p.prependScheme = PreTokenizer::First;
      else if (*scheme == "never")
        p.prependScheme = PreTokenizer::Never;
      else
        fail(join(where, "prepend_scheme"),
             "is '" + *scheme + "', not one of always, first, never");
    } else {
      // Files written before prepend_scheme existed.
      p.prependScheme = boolean(v, where, "add_prefix_space", true)
                            ? PreTokenizer::Always
                            : PreTokenizer::Never;
    }
  } else {
    fail(join(where, "type"), "is '" + t +
                                  "', a pre-tokenizer this runtime does not "
                                  "implement (ByteLevel, Split, Metaspace, "
                                  "Sequence)");
  }
  return p;
}

Decoder Loader::decoder(const json &v, const std::string &where) const {
  std::string t = type(v, where);
  Decoder d{Decoder::Sequence};
  if (t == "Sequence") {
    std::string field = join(where, "decoders");
    const json &list = required(v, where, "decoders");
    expectArray(list, field);
    for (size_t i = 0; i < list.size(); ++i)
      d.children.push_back(decoder(list[i], index(field, i)));
  } else if (t == "ByteLevel") {
    d.kind = Decoder::ByteLevel;
  } else if (t == "Metaspace") {
    d.kind = Decoder::Metaspace;
    d.replacement = character(v, where, "replacement");
    if (auto scheme = optionalString(v, where, "prepend_scheme")) {
      if (*scheme != "always" && *scheme != "first" && *scheme != "never")
        fail(join(where, "prepend_scheme"),
             "is '" + *scheme + "', not one of always, first, never");
      d.prependFirst = *scheme != "never";
    } else {
      d.prependFirst = boolean(v, where, "add_prefix_space", true);
    }
  } else if (t == "ByteFallback") {
    d.kind = Decoder::ByteFallback;
  } else if (t == "Fuse") {
    d.kind = Decoder::Fuse;
  } else if (t == "Strip") {
    d.kind = Decoder::Strip;
    d.stripChar = character(v, where, "content");
    d.stripStart = size_t(integer(v, where, "start", 0, 1 << 20, 0));
    d.stripStop = size_t(integer(v, where, "stop", 0, 1 << 20, 0));
  } else if (t == "Replace") {
    d.kind = Decoder::Replace;
    d.pattern = pattern(v, where, nullptr);
    if (d.pattern.empty())
      fail(join(where, "pattern.String"), "is empty");
    d.content = insertion(v, where, "content");
  } else {
    fail(join(where, "type"), "is '" + t +
                                  "', a decoder this runtime does not "
                                  "implement (ByteLevel, Metaspace, "
                                  "ByteFallback, Fuse, Strip, Replace, "
                                  "Sequence)");
  }
  return d;
}

PostProcessor Loader::postProcessor(const json &v, const std::string &where,
                                    const Tokenizer::Impl &impl) const {
  std::string t = type(v, where);
  PostProcessor p{PostProcessor::Sequence};
  auto knownId = [&](int32_t id, const std::string &field) {
    if (id >= impl.vocabSize)
      fail(field, "is id " + std::to_string(id) +
                      ", which no token of this tokenizer has");
    return id;
  };
  if (t == "Sequence") {
    std::string field = join(where, "processors");
    const json &list = required(v, where, "processors");
    expectArray(list, field);
    for (size_t i = 0; i < list.size(); ++i)
      p.children.push_back(postProcessor(list[i], index(field, i), impl));
  } else if (t == "ByteLevel") {
    p.kind = PostProcessor::ByteLevel;
  } else if (t == "RobertaProcessing" || t == "BertProcessing") {
    p.kind = PostProcessor::Wrap;
    for (const char *key : {"cls", "sep"}) {
      std::string field = join(where, key);
      const json &pair = required(v, where, key);
      if (!pair.is_array() || pair.size() != 2)
        fail(field, "must be a [token, id] pair");
      stringValue(pair[0], index(field, 0));
      int32_t id = knownId(this->id(pair[1], index(field, 1)), index(field, 1));
      (std::string(key) == "cls" ? p.before : p.after).push_back(id);
    }
  } else if (t == "TemplateProcessing") {
    p.kind = PostProcessor::Template;
    std::string specialsField = join(where, "special_tokens");
    const json &specials = required(v, where, "special_tokens");
    expectObject(specials, specialsField);
    std::string singleField = join(where, "single");
    const json &single = required(v, where, "single");
    expectArray(single, singleField);
    bool seenSequence = false;
    for (size_t i = 0; i < single.size(); ++i) {
      std::string field = index(singleField, i);
      const json &item = single[i];
      expectObject(item, field);
      if (const json *seq = optional(item, "Sequence")) {
        expectObject(*seq, join(field, "Sequence"));
        std::string name = string(*seq, join(field, "Sequence"), "id");
        if (name != "A" || seenSequence)
          fail(join(field, "Sequence.id"),
               "must be 'A', once, in the single template");
        seenSequence = true;
      } else if (const json *special = optional(item, "SpecialToken")) {
        expectObject(*special, join(field, "SpecialToken"));
        std::string name = string(*special, join(field, "SpecialToken"), "id");
        const json *entry = optional(specials, name);
        if (!entry)
          fail(join(field, "SpecialToken.id"),
               "names '" + name + "', which special_tokens does not define");
        std::string entryField = join(specialsField, name);
        expectObject(*entry, entryField);
        const json &ids = required(*entry, entryField, "ids");
        expectArray(ids, join(entryField, "ids"));
        for (size_t k = 0; k < ids.size(); ++k) {
          std::string idField = index(join(entryField, "ids"), k);
          int32_t id = knownId(this->id(ids[k], idField), idField);
          (seenSequence ? p.after : p.before).push_back(id);
        }
      } else {
        fail(field, "must hold \"Sequence\" or \"SpecialToken\"");
      }
    }
    if (!seenSequence)
      fail(singleField, "has no {\"Sequence\": {\"id\": \"A\"}} item");
  } else {
    fail(join(where, "type"), "is '" + t +
                                  "', a post-processor this runtime does not "
                                  "implement (TemplateProcessing, ByteLevel, "
                                  "RobertaProcessing, BertProcessing, "
                                  "Sequence)");
  }
  return p;
}

void Loader::model(const json &m, const std::string &where,
                   Tokenizer::Impl &impl) const {
  expectObject(m, where);
  if (auto t = optionalString(m, where, "type")) {
    if (*t != "BPE")
      fail(join(where, "type"),
           "is '" + *t + "'; this runtime implements BPE models only");
  } else if (!optional(m, "merges")) {
    fail(where, "is not a BPE model (no type and no merges)");
  }
  if (const json *dropout = optional(m, "dropout")) {
    if (!dropout->is_number() || dropout->get<double>() != 0.0)
      fail(join(where, "dropout"),
           "must be null or 0: BPE dropout makes encoding random");
  }
  BpeModel &bpe = impl.model;
  bpe.continuingSubwordPrefix =
      optionalString(m, where, "continuing_subword_prefix").value_or("");
  bpe.endOfWordSuffix =
      optionalString(m, where, "end_of_word_suffix").value_or("");
  bpe.fuseUnk = boolean(m, where, "fuse_unk", false);
  bpe.byteFallback = boolean(m, where, "byte_fallback", false);
  bpe.ignoreMerges = boolean(m, where, "ignore_merges", false);

  std::string vocabField = join(where, "vocab");
  const json &vocab = required(m, where, "vocab");
  expectObject(vocab, vocabField);
  bpe.vocab.reserve(vocab.size());
  impl.modelTokens.reserve(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    std::string field = vocabField + "['" + it.key() + "']";
    if (int64_t(it.key().size()) > TokenizerLimits::kMaxTokenBytes)
      fail(vocabField, "has a token longer than " +
                           std::to_string(TokenizerLimits::kMaxTokenBytes) +
                           " bytes");
    int32_t id = this->id(it.value(), field);
    auto [pos, fresh] = impl.modelTokens.emplace(id, it.key());
    if (!fresh)
      fail(vocabField, "gives id " + std::to_string(id) + " to both '" +
                           pos->second + "' and '" + it.key() + "'");
    bpe.vocab.emplace(it.key(), id);
    impl.vocabSize = std::max<int64_t>(impl.vocabSize, int64_t(id) + 1);
  }
  for (int b = 0; b < 256; ++b) {
    static const char hex[] = "0123456789ABCDEF";
    std::string name = "<0x";
    name += hex[b >> 4];
    name += hex[b & 15];
    name += '>';
    bpe.byteIds[b] = bpe.find(name).value_or(-1);
  }
  if (auto unk = optionalString(m, where, "unk_token")) {
    bpe.unkId = bpe.find(*unk);
    if (!bpe.unkId)
      fail(join(where, "unk_token"),
           "is '" + *unk + "', which is not in " + vocabField);
  }

  std::string mergesField = join(where, "merges");
  const json &merges = required(m, where, "merges");
  expectArray(merges, mergesField);
  if (merges.size() > size_t(TokenizerLimits::kMaxId) + 1)
    fail(mergesField, "has more than " +
                          std::to_string(TokenizerLimits::kMaxId + 1) +
                          " merges");
  bpe.merges.reserve(merges.size());
  size_t prefixLength = bpe.continuingSubwordPrefix.size();
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    std::string field = index(mergesField, rank);
    const json &merge = merges[rank];
    std::string a, b;
    if (merge.is_string()) {
      // "a b": exactly one space, as HF requires.
      std::string text = stringValue(merge, field);
      size_t space = text.find(' ');
      if (space == std::string::npos ||
          text.find(' ', space + 1) != std::string::npos)
        fail(field,
             "must be two tokens separated by one space, got '" + text + "'");
      a = text.substr(0, space);
      b = text.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2) {
      a = stringValue(merge[0], index(field, 0));
      b = stringValue(merge[1], index(field, 1));
    } else {
      fail(field, "must be \"a b\" or [\"a\", \"b\"]");
    }
    auto idOf = [&](const std::string &token) {
      auto id = bpe.find(token);
      if (!id)
        fail(field, "names '" + token + "', which is not in " + vocabField);
      return *id;
    };
    int32_t left = idOf(a), right = idOf(b);
    if (b.compare(0, prefixLength, bpe.continuingSubwordPrefix) != 0)
      fail(field, "has a right side '" + b +
                      "' that does not start with the continuing subword "
                      "prefix");
    int32_t merged = idOf(a + b.substr(prefixLength));
    // Like HF, a repeated pair keeps its last rank.
    bpe.merges[(uint64_t(uint32_t(left)) << 32) | uint32_t(right)] = {
        int32_t(rank), merged};
  }
}

void Loader::addedTokens(const json &list, const std::string &where,
                         Tokenizer::Impl &impl) const {
  expectArray(list, where);
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = index(where, i);
    const json &t = list[i];
    expectObject(t, field);
    AddedToken token;
    token.id = id(required(t, field, "id"), join(field, "id"));
    token.content = string(t, field, "content");
    if (token.content.empty())
      fail(join(field, "content"), "is empty");
    token.special = boolean(t, field, "special", false);
    token.singleWord = boolean(t, field, "single_word", false);
    token.lstrip = boolean(t, field, "lstrip", false);
    token.rstrip = boolean(t, field, "rstrip", false);
    token.normalized = boolean(t, field, "normalized", !token.special);
    if (impl.addedById.count(token.id))
      fail(join(field, "id"), "repeats id " + std::to_string(token.id) +
                                  " of an earlier added token");
    size_t k = impl.added.size();
    impl.addedById.emplace(token.id, k);
    impl.addedByContent.emplace(token.content, k);
    impl.vocabSize = std::max<int64_t>(impl.vocabSize, int64_t(token.id) + 1);
    impl.added.push_back(std::move(token));
  }
}

/// The whole file, refused before reading when it is not a regular file or
/// larger than the limit.
std::string readTokenizerFile(const std::string &path) {
  auto failErrno = [&](const std::string &what) {
    throw Error(path + ": " + what + ": " + std::strerror(errno));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    failErrno("cannot open");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0)
    failErrno("cannot stat");
  if (!S_ISREG(st.st_mode))
    throw Error(path + ": not a regular file");
  if (st.st_size > TokenizerLimits::kMaxFileBytes)
    throw Error(path + ": " + std::to_string(st.st_size) +
                " bytes is larger than the " +
                std::to_string(TokenizerLimits::kMaxFileBytes) +
                "-byte limit for a tokenizer.json");
  std::string text(size_t(st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd, &text[done], text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      failErrno("cannot read");
    if (n == 0)
      throw Error(path + ": file shrank while being read");
    done += size_t(n);
  }
  return text;
}

} // namespace

Tokenizer Tokenizer::fromFile(const std::string &path) {
  return fromJson(readTokenizerFile(path), path);
}

Tokenizer Tokenizer::fromJson(std::string_view text, const std::string &name) {
  Loader load(name);
  if (int64_t(text.size()) > TokenizerLimits::kMaxFileBytes)
    load.fail("larger than the " +
              std::to_string(TokenizerLimits::kMaxFileBytes) +
              "-byte limit for a tokenizer.json");
  json root = load.parse(text);
  if (!root.is_object())
    load.fail("is not a tokenizer.json: the top level must be an object");
  auto impl = std::make_shared<Impl>();
  impl->name = name;
  load.model(load.required(root, "", "model"), "model", *impl);
  if (const json *added = load.optional(root, "added_tokens"))
    load.addedTokens(*added, "added_tokens", *impl);
  if (const json *n = load.optional(root, "normalizer"))
    impl->normalizer = load.normalizer(*n, "normalizer");
  if (const json *p = load.optional(root, "pre_tokenizer"))
    impl->preTokenizer = load.preTokenizer(*p, "pre_tokenizer");
  if (const json *d = load.optional(root, "decoder"))
    impl->decoder = load.decoder(*d, "decoder");
  if (const json *p = load.optional(root, "post_processor"))
    impl->postProcessor = load.postProcessor(*p, "post_processor", *impl);

  double encodeGrowth = (impl->normalizer ? growth(*impl->normalizer) : 1) *
                        (impl->preTokenizer ? growth(*impl->preTokenizer) : 1);
  if (encodeGrowth > kMaxGrowth)
    load.fail("normalizer and pre_tokenizer can make a text " +
              growthText(encodeGrowth) + " times longer; the limit is " +
              growthText(kMaxGrowth));
  if (impl->decoder && growth(*impl->decoder) > kMaxGrowth)
    load.fail("decoder", "can make a text " +
                             growthText(growth(*impl->decoder)) +
                             " times longer; the limit is " +
                             growthText(kMaxGrowth));

  // Added tokens are matched in the raw text unless normalized (then in
  // each normalized piece, spelled as the normalizer would write them).
  // Spelled and counted first, so that an oversized set fails before the
  // tries are built.
  std::vector<std::string> spelled(impl->added.size());
  size_t addedBytes = 0;
  for (size_t i = 0; i < impl->added.size(); ++i) {
    const AddedToken &token = impl->added[i];
    spelled[i] = token.content;
    if (token.normalized && impl->normalizer)
      normalize(*impl->normalizer, spelled[i]);
    addedBytes += spelled[i].size();
    if (addedBytes > kMaxAddedTokenBytes)
      load.fail(Loader::index("added_tokens", i),
                "brings the added tokens' text (normalized) past " +
                    std::to_string(kMaxAddedTokenBytes) + " bytes");
  }
  for (size_t i = 0; i < impl->added.size(); ++i) {
    if (!impl->added[i].normalized)
      impl->rawTrie.insert(spelled[i], int32_t(i));
    else if (!spelled[i].empty())
      impl->normalizedTrie.insert(spelled[i], int32_t(i));
  }
  return Tokenizer(std::move(impl));
}

} // namespace olmrt
