//===- Bpe.h - The BPE model of tokenizer.json ------------------*- C++ -*-===//
//
// Private to olmrt_tokenizer. One pre-token in, ids out, as Hugging Face's
// BPE model: each character becomes its vocab entry (or, with byte
// fallback, one <0xXX> token per UTF-8 byte; else the unknown token, runs
// of them fused with fuse_unk; else nothing), then merges are applied
// lowest rank first, leftmost first among equal ranks.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_TOKENIZER_BPE_H
#define OLMRT_LIB_TOKENIZER_BPE_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace olmrt::tok {

struct BpeModel {
  std::unordered_map<std::string, int32_t> vocab;
  /// (left id << 32 | right id) -> (rank, merged id).
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;
  std::optional<int32_t> unkId;
  std::string continuingSubwordPrefix;
  std::string endOfWordSuffix;
  bool fuseUnk = false;
  bool byteFallback = false;
  bool ignoreMerges = false;
  /// <0x00>..<0xFF>, -1 where the vocab lacks one.
  int32_t byteIds[256];

  std::optional<int32_t> find(std::string_view token) const {
    auto it = vocab.find(std::string(token));
    if (it == vocab.end())
      return std::nullopt;
    return it->second;
  }
  /// Appends the ids of `word` (valid UTF-8) to `out`.
  void tokenize(std::string_view word, std::vector<int32_t> &out) const;
};

} // namespace olmrt::tok

#endif // OLMRT_LIB_TOKENIZER_BPE_H
