//===- TokenizerImpl.h - The parts of a loaded tokenizer --------*- C++ -*-===//
//
// Private to olmrt_tokenizer. TokenizerLoad.cpp builds an Impl from
// tokenizer.json, checking everything; Tokenizer.cpp runs it. Each pipeline
// stage is a small tagged struct holding the fields its kinds use.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_TOKENIZER_TOKENIZERIMPL_H
#define OLMRT_LIB_TOKENIZER_TOKENIZERIMPL_H

#include "Bpe.h"
#include "PreTokenize.h"

#include "olmrt/Tokenizer.h"

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace olmrt::tok {

struct Normalizer {
  enum Kind { Sequence, NFC, NFD, Prepend, Replace, Strip } kind;
  std::string pattern; // Replace: the string replaced.
  std::string content; // Prepend: what is prepended; Replace: replacement.
  bool stripLeft = false, stripRight = false;
  std::vector<Normalizer> children;
};

/// Applies `n` to valid UTF-8 `text` in place.
void normalize(const Normalizer &n, std::string &text);

/// How a Split keeps the delimiters it finds (HF SplitDelimiterBehavior).
enum class SplitBehavior {
  Removed,
  Isolated,
  MergedWithPrevious,
  MergedWithNext,
  Contiguous
};

struct PreTokenizer {
  enum Kind { Sequence, ByteLevel, Split, Metaspace } kind;
  // ByteLevel.
  bool addPrefixSpace = false;
  bool useRegex = true;
  // Split: a regex the scanner knows, or a literal string.
  std::optional<SplitRegex> regex;
  std::string literal;
  SplitBehavior behavior = SplitBehavior::Isolated;
  bool invert = false;
  // Metaspace.
  std::string replacement;
  enum Prepend { Always, First, Never } prependScheme = Always;
  bool split = true;
  std::vector<PreTokenizer> children;
};

struct Decoder {
  enum Kind {
    Sequence,
    ByteLevel,
    Metaspace,
    ByteFallback,
    Fuse,
    Strip,
    Replace
  } kind;
  std::string pattern; // Replace.
  std::string content; // Replace: replacement. Strip: the character.
  char32_t stripChar = 0;
  size_t stripStart = 0, stripStop = 0;
  char32_t replacement = 0; // Metaspace.
  bool prependFirst = true; // Metaspace: the first token's are dropped.
  std::vector<Decoder> children;
};

struct PostProcessor {
  enum Kind { Sequence, ByteLevel, Template, Wrap } kind;
  /// Template: ids before and after the sequence in the single template.
  /// Wrap (Roberta, Bert): cls before, sep after.
  std::vector<int32_t> before, after;
  std::vector<PostProcessor> children;
};

struct AddedToken {
  int32_t id;
  std::string content;
  bool singleWord = false, lstrip = false, rstrip = false;
  bool normalized = false, special = false;
};

/// A byte trie over added-token texts, for leftmost-longest matching.
class TokenTrie {
public:
  void insert(std::string_view text, int32_t token);
  bool empty() const { return nodes_.size() <= 1; }
  /// The token (index into Impl::added) of the longest text starting at
  /// text[pos], and its length; -1 when none.
  int32_t longestAt(std::string_view text, size_t pos, size_t &length) const;

private:
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> children; // Sorted.
    int32_t token = -1;
  };
  std::vector<Node> nodes_{Node()};
};

} // namespace olmrt::tok

namespace olmrt {

class Tokenizer::Impl {
public:
  std::string name; // For messages.
  tok::BpeModel model;
  std::optional<tok::Normalizer> normalizer;
  std::optional<tok::PreTokenizer> preTokenizer;
  std::optional<tok::Decoder> decoder;
  std::optional<tok::PostProcessor> postProcessor;
  std::vector<tok::AddedToken> added;
  std::map<std::string, size_t, std::less<>> addedByContent;
  std::map<int32_t, size_t> addedById;
  /// Special and non-normalized added tokens, matched in the raw text;
  /// normalized ones, matched in each normalized piece.
  tok::TokenTrie rawTrie, normalizedTrie;
  /// id -> the model's token text.
  std::unordered_map<int32_t, std::string> modelTokens;
  int64_t vocabSize = 0;

  std::vector<int32_t> encode(std::string_view text, bool addSpecial) const;
  /// `continuation`: the ids continue a text (see decodeChain).
  std::string decode(const std::vector<int32_t> &ids, bool skipSpecial,
                     bool continuation = false) const;
  const std::string *tokenText(int64_t id) const;
  /// tokenText, or null for a special token when `skipSpecial`: the text
  /// decode() gives the decoder for `id`.
  const std::string *decodedText(int64_t id, bool skipSpecial) const;
};

} // namespace olmrt

#endif // OLMRT_LIB_TOKENIZER_TOKENIZERIMPL_H
