//===- PreTokenize.h - The pre-tokenisation regexes, by hand ----*- C++ -*-===//
//
// Private to olmrt_tokenizer. Hugging Face runs the GPT-2, Llama-3 and
// Qwen2 pre-tokenisation regexes with Oniguruma; here each is a scanner
// that tries the regex's alternatives in order at each position, with the
// same greedy-then-backtrack outcome:
//
//   GPT-2   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+
//           |\s+(?!\S)|\s+
//   Llama-3 (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+
//           |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   Qwen2   the same with \p{N} (one digit) for \p{N}{1,3}
//
// Every character matches some alternative of each, so the matches tile
// the text. The byte-level alphabet (GPT-2's bytes_to_unicode) is here too.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_TOKENIZER_PRETOKENIZE_H
#define OLMRT_LIB_TOKENIZER_PRETOKENIZE_H

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace olmrt::tok {

enum class SplitRegex { Gpt2, Llama3, Qwen2 };

/// The scanner for a Split pattern's regex text, when it is one of the
/// three (exact text, as tokenizer.json spells it).
std::optional<SplitRegex> recognizeSplitRegex(std::string_view pattern);
/// The regex text of `kind` (ByteLevel's built-in regex is GPT-2's).
const char *splitRegexText(SplitRegex kind);

using Span = std::pair<size_t, size_t>; // [begin, end) in bytes.

/// The successive matches of `kind` in valid UTF-8 `text`.
std::vector<Span> splitRegexMatches(SplitRegex kind, std::string_view text);

/// Byte-level BPE's alphabet: byte b is written as the UTF-8 of
/// byteLevelChar(b); byteLevelByte inverts it (-1 for other characters).
const std::string &byteLevelChar(unsigned char b);
int byteLevelByte(char32_t c);

} // namespace olmrt::tok

#endif // OLMRT_LIB_TOKENIZER_PRETOKENIZE_H
