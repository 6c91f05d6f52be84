//===- Tokenizer.h - tokenizer.json: encode and decode ---------*- C++ -*-===//
//
// A Tokenizer reads the `tokenizer.json` that Hugging Face `tokenizers`
// writes and encodes and decodes exactly as that library does, for the BPE
// tokenizers of the models olmc compiles:
//
//  - byte-level BPE (GPT-2; Llama-3 and Qwen2, whose pre-tokenizer is a
//    Split on their regex followed by ByteLevel): the three pre-tokenisation
//    regexes are recognised by their text and run by a hand-written scanner
//    (PreTokenize.h), not a regex engine;
//  - SentencePiece-style BPE with byte fallback and the U+2581 metaspace
//    (Llama-2, Mistral): normalizer Prepend + Replace, or pre-tokenizer
//    Metaspace;
//  - added and special tokens, matched in the text before anything else;
//  - the normalizers (NFC, NFD, Prepend, Replace, Strip, Sequence),
//    decoders (ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace,
//    Sequence) and post-processors (TemplateProcessing, ByteLevel, Roberta,
//    Bert, Sequence) these use.
//
// Anything else in the file (a WordPiece or Unigram model, a regex the
// scanner does not know, a Lowercase normalizer) is rejected when the file
// is loaded, with a one-line olmrt::Error naming the file and the field,
// rather than encoded differently from Hugging Face. Files are untrusted:
// sizes, counts, ids and nesting are bounded and every reference checked.
//
// Text is UTF-8. Ill-formed input is first repaired the way Python's
// `bytes.decode("utf-8", errors="replace")` and Rust's from_utf8_lossy do
// (each maximal ill-formed subpart becomes U+FFFD), so encode(bytes) equals
// HF's encode of that repaired string. Decoded text is always valid UTF-8;
// bytes that do not form characters come out as U+FFFD as in HF.
//
// Unicode character classes and normalisation data follow the Unicode
// version of the Python that generated UnicodeTables.inc (see
// unicodeVersion()); characters assigned in later versions count as
// "other" here.
//
// A Tokenizer is immutable after loading and safe to share between threads.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_TOKENIZER_H
#define OLMRT_TOKENIZER_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace olmrt {

struct TokenizerLimits {
  /// tokenizer.json files larger than this are refused before parsing.
  static constexpr int64_t kMaxFileBytes = int64_t(256) << 20;
  /// Token ids are in [0, kMaxId].
  static constexpr int64_t kMaxId = (int64_t(1) << 24) - 1;
  /// Longest token text, in bytes.
  static constexpr int64_t kMaxTokenBytes = 1 << 16;
  /// Deepest JSON nesting accepted.
  static constexpr int kMaxJsonDepth = 64;
  /// Longest text a Replace or Prepend normalizer or decoder inserts. The
  /// loader also bounds what the whole chain of stages can do: encoding or
  /// decoding makes a text at most 256 times longer.
  static constexpr int64_t kMaxInsertBytes = 64;
};

class Tokenizer {
public:
  class Impl;

  /// Reads and validates a tokenizer.json. Throws olmrt::Error whose
  /// message starts with `path`.
  static Tokenizer fromFile(const std::string &path);
  /// The same for JSON text already in memory; `name` stands in for the
  /// path in error messages.
  static Tokenizer fromJson(std::string_view json, const std::string &name);

  /// Token ids of `text`. With `addSpecialTokens`, the post-processor's
  /// tokens are added as HF's `encode(text, add_special_tokens=True)`
  /// does (Llama's BOS, for instance).
  std::vector<int32_t> encode(std::string_view text,
                              bool addSpecialTokens = false) const;

  /// The text of `ids`, as HF's `decode(ids, skip_special_tokens)`. Ids
  /// that name no token are skipped, as in HF; use idToToken to check.
  std::string decode(const std::vector<int32_t> &ids,
                     bool skipSpecialTokens = true) const;

  /// The token text of `id` (added tokens first, then the model's vocab).
  std::optional<std::string> idToToken(int64_t id) const;
  /// The id of the token spelled `token` (added tokens first).
  std::optional<int32_t> tokenToId(std::string_view token) const;
  /// True for the ids of added tokens marked special.
  bool isSpecial(int64_t id) const;
  /// One more than the largest id (model vocab and added tokens).
  int64_t vocabSize() const;

  /// The Unicode version of the character tables ("14.0.0").
  static const char *unicodeVersion();

private:
  friend class StreamDecoder; // Decodes windows as continuations.
  explicit Tokenizer(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

/// Turns ids produced one at a time into text as soon as it is final: a
/// character split across several byte tokens is held back until it is
/// complete (and a run of <0xXX> byte-fallback tokens until it ends, since
/// an invalid run decodes differently as a whole), and decoders that treat the
/// first token specially (Llama's leading-space strip) see the same context as
/// a decode of the whole sequence. The concatenation of everything push() and
/// finish() return is decode(all ids).
class StreamDecoder {
public:
  /// `tokenizer` must outlive the decoder.
  explicit StreamDecoder(const Tokenizer &tokenizer,
                         bool skipSpecialTokens = true);
  /// Text that became final with `id`; often empty.
  std::string push(int32_t id);
  /// What is still held back (an incomplete character comes out as
  /// U+FFFD, as decode would give it).
  std::string finish();

private:
  const Tokenizer &tokenizer_;
  bool skipSpecial_;
  std::vector<int32_t> ids_;
  size_t prefixOffset_ = 0;
  size_t readOffset_ = 0;
};

} // namespace olmrt

#endif // OLMRT_TOKENIZER_H
