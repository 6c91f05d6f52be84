//===- Tokenizer.cpp - Encode and decode with a loaded tokenizer ----------===//
//
// The steps and their order are Hugging Face's: added tokens are cut out of
// the raw text; each remaining piece is normalized, and normalized added
// tokens cut out of it; what remains is pre-tokenized into words, each
// word goes through the BPE model; the post-processor adds its tokens.
// Decoding looks each id up (added tokens first), drops special tokens when
// asked and runs the decoder chain over the token texts.
//
//===----------------------------------------------------------------------===//

#include "TokenizerImpl.h"
#include "Unicode.h"

#include "olmrt/Error.h"

#include <algorithm>

namespace olmrt {

using namespace tok;

namespace {

//===----------------------------------------------------------------------===//
// Added tokens
//===----------------------------------------------------------------------===//

struct Segment {
  size_t begin, end;
  int32_t added; // Index into Impl::added, or -1 for text.
};

/// The previous code point before byte `pos` of valid UTF-8 text.
char32_t previousCodePoint(std::string_view text, size_t pos) {
  size_t begin = pos - 1;
  while (begin > 0 && ((unsigned char)text[begin] & 0xC0) == 0x80)
    --begin;
  return nextCodePoint(text, begin);
}

/// HF's AddedVocabulary::find_matches: leftmost-longest matches of the
/// trie's texts, filtered by single_word and widened by lstrip/rstrip.
std::vector<Segment> splitAdded(const Tokenizer::Impl &impl,
                                const TokenTrie &trie, std::string_view text) {
  std::vector<Segment> segments;
  size_t n = text.size();
  if (trie.empty()) {
    segments.push_back({0, n, -1});
    return segments;
  }
  size_t done = 0; // End of the last segment emitted.
  size_t pos = 0;
  while (pos < n) {
    size_t length = 0;
    int32_t index = trie.longestAt(text, pos, length);
    if (index < 0) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + length;
    pos = stop;
    const AddedToken &token = impl.added[size_t(index)];
    if (token.singleWord) {
      bool spaceBefore =
          start == 0 || !isWordChar(previousCodePoint(text, start));
      size_t after = stop;
      bool spaceAfter = stop == n || !isWordChar(nextCodePoint(text, after));
      if (!spaceBefore || !spaceAfter)
        continue;
    }
    if (token.lstrip) {
      size_t s = start;
      while (s > 0) {
        size_t prev = s - 1;
        while (prev > 0 && ((unsigned char)text[prev] & 0xC0) == 0x80)
          --prev;
        size_t q = prev;
        if (!isSpace(nextCodePoint(text, q)))
          break;
        s = prev;
      }
      start = std::max(s, done);
    }
    if (token.rstrip) {
      while (stop < n) {
        size_t q = stop;
        if (!isSpace(nextCodePoint(text, q)))
          break;
        stop = q;
      }
      // As HF, the search goes on from the match's own end: a token that
      // starts with the white space just swallowed still matches (and the
      // two overlap).
    }
    if (done < start)
      segments.push_back({done, start, -1});
    segments.push_back({start, stop, index});
    done = stop;
  }
  if (done != n || n == 0)
    segments.push_back({done, n, -1});
  return segments;
}

//===----------------------------------------------------------------------===//
// Normalizers
//===----------------------------------------------------------------------===//

std::string replaceAll(std::string_view text, const std::string &pattern,
                       const std::string &content) {
  if (pattern.empty())
    return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    size_t hit = text.find(pattern, pos);
    if (hit == std::string_view::npos)
      break;
    out.append(text.substr(pos, hit - pos));
    out += content;
    pos = hit + pattern.size();
  }
  out.append(text.substr(pos));
  return out;
}

} // namespace

void tok::normalize(const Normalizer &n, std::string &text) {
  switch (n.kind) {
  case Normalizer::Sequence:
    for (const Normalizer &child : n.children)
      normalize(child, text);
    return;
  case Normalizer::NFC:
    text = toNFC(text);
    return;
  case Normalizer::NFD:
    text = toNFD(text);
    return;
  case Normalizer::Prepend:
    if (!text.empty())
      text.insert(0, n.content);
    return;
  case Normalizer::Replace:
    text = replaceAll(text, n.pattern, n.content);
    return;
  case Normalizer::Strip: {
    size_t begin = 0, end = text.size();
    if (n.stripLeft)
      while (begin < end) {
        size_t q = begin;
        if (!isSpace(nextCodePoint(text, q)))
          break;
        begin = q;
      }
    if (n.stripRight)
      while (end > begin) {
        size_t prev = end - 1;
        while (prev > begin && ((unsigned char)text[prev] & 0xC0) == 0x80)
          --prev;
        size_t q = prev;
        if (!isSpace(nextCodePoint(text, q)))
          break;
        end = prev;
      }
    text = text.substr(begin, end - begin);
    return;
  }
  }
}

namespace {

//===----------------------------------------------------------------------===//
// Pre-tokenizers
//===----------------------------------------------------------------------===//

/// A piece of text on its way to the model. atStart: it begins at offset
/// 0 of the original text (Metaspace's prepend_scheme "first").
struct Piece {
  std::string text;
  bool atStart;
};

/// Matches (true) and the text between them (false), covering `text`.
using Matches = std::vector<std::pair<Span, bool>>;

Matches literalMatches(std::string_view text, const std::string &literal) {
  Matches matches;
  if (literal.empty()) {
    matches.push_back({{0, text.size()}, false});
    return matches;
  }
  size_t prev = 0;
  for (size_t hit = text.find(literal); hit != std::string_view::npos;
       hit = text.find(literal, hit + literal.size())) {
    if (prev != hit)
      matches.push_back({{prev, hit}, false});
    matches.push_back({{hit, hit + literal.size()}, true});
    prev = hit + literal.size();
  }
  if (prev != text.size())
    matches.push_back({{prev, text.size()}, false});
  return matches;
}

Matches regexMatches(std::string_view text, SplitRegex regex) {
  Matches matches;
  for (const Span &span : splitRegexMatches(regex, text))
    matches.push_back({span, true});
  return matches;
}

/// HF's NormalizedString::split: the spans to keep under `behavior`.
std::vector<Span> applyBehavior(Matches matches, SplitBehavior behavior) {
  std::vector<Span> out;
  bool previousMatch = false;
  switch (behavior) {
  case SplitBehavior::Isolated:
    for (auto &[span, isMatch] : matches)
      out.push_back(span);
    break;
  case SplitBehavior::Removed:
    for (auto &[span, isMatch] : matches)
      if (!isMatch)
        out.push_back(span);
    break;
  case SplitBehavior::MergedWithPrevious:
    for (auto &[span, isMatch] : matches) {
      if (isMatch && !previousMatch && !out.empty())
        out.back().second = span.second;
      else
        out.push_back(span);
      previousMatch = isMatch;
    }
    break;
  case SplitBehavior::MergedWithNext:
    for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
      auto &[span, isMatch] = *it;
      if (isMatch && !previousMatch && !out.empty())
        out.back().first = span.first;
      else
        out.push_back(span);
      previousMatch = isMatch;
    }
    std::reverse(out.begin(), out.end());
    break;
  case SplitBehavior::Contiguous:
    for (auto &[span, isMatch] : matches) {
      if (isMatch == previousMatch && !out.empty())
        out.back().second = span.second;
      else
        out.push_back(span);
      previousMatch = isMatch;
    }
    break;
  }
  return out;
}

void splitPiece(const Piece &piece, const std::vector<Span> &spans,
                std::vector<Piece> &out) {
  for (const Span &span : spans)
    if (span.second > span.first)
      out.push_back({piece.text.substr(span.first, span.second - span.first),
                     piece.atStart && span.first == 0});
}

std::string toByteLevel(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (unsigned char b : text)
    out += byteLevelChar(b);
  return out;
}

void preTokenize(const PreTokenizer &p, std::vector<Piece> &pieces) {
  if (p.kind == PreTokenizer::Sequence) {
    for (const PreTokenizer &child : p.children)
      preTokenize(child, pieces);
    return;
  }
  std::vector<Piece> out;
  out.reserve(pieces.size());
  for (Piece &piece : pieces) {
    switch (p.kind) {
    case PreTokenizer::Sequence:
      break;
    case PreTokenizer::ByteLevel: {
      if (p.addPrefixSpace && !piece.text.empty() && piece.text[0] != ' ')
        piece.text.insert(0, " ");
      std::vector<Piece> parts;
      if (p.useRegex)
        splitPiece(piece,
                   applyBehavior(regexMatches(piece.text, SplitRegex::Gpt2),
                                 SplitBehavior::Isolated),
                   parts);
      else if (!piece.text.empty())
        parts.push_back(std::move(piece));
      for (Piece &part : parts)
        out.push_back({toByteLevel(part.text), part.atStart});
      break;
    }
    case PreTokenizer::Split: {
      Matches matches = p.regex ? regexMatches(piece.text, *p.regex)
                                : literalMatches(piece.text, p.literal);
      if (p.invert)
        for (auto &match : matches)
          match.second = !match.second;
      splitPiece(piece, applyBehavior(std::move(matches), p.behavior), out);
      break;
    }
    case PreTokenizer::Metaspace: {
      std::string text = replaceAll(piece.text, " ", p.replacement);
      bool prepend =
          !text.empty() &&
          text.compare(0, p.replacement.size(), p.replacement) != 0 &&
          (p.prependScheme == PreTokenizer::Always ||
           (p.prependScheme == PreTokenizer::First && piece.atStart));
      if (prepend)
        text.insert(0, p.replacement);
      Piece replaced{std::move(text), piece.atStart};
      if (p.split)
        splitPiece(replaced,
                   applyBehavior(literalMatches(replaced.text, p.replacement),
                                 SplitBehavior::MergedWithNext),
                   out);
      else if (!replaced.text.empty())
        out.push_back(std::move(replaced));
      break;
    }
    }
  }
  pieces = std::move(out);
}

//===----------------------------------------------------------------------===//
// Decoders
//===----------------------------------------------------------------------===//

/// "<0x4A>" -> 0x4A, as HF's ByteFallback reads it (u8::from_str_radix,
/// which also takes a '+' sign).
int byteFallbackValue(const std::string &token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>')
    return -1;
  auto hex = [](char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  if (token[3] == '+')
    return hex(token[4]);
  int hi = hex(token[3]), lo = hex(token[4]);
  if (hi < 0 || lo < 0)
    return -1;
  return hi * 16 + lo;
}

/// Runs decoder `d` over `tokens`. `continuation`: the tokens continue a
/// text (a StreamDecoder window after the first), so the effects reserved
/// for the start of the text do not apply: Metaspace keeps the first
/// token's replacement, and a Strip over the whole text (`whole`: a Fuse or
/// ByteLevel made the tokens one text) keeps its start. Without this a
/// window's start was stripped like the text's, and the stream lost
/// characters that decode() keeps (found by fuzz_tokenizer).
void decodeChain(const Decoder &d, std::vector<std::string> &tokens,
                 bool continuation, bool &whole) {
  switch (d.kind) {
  case Decoder::Sequence:
    for (const Decoder &child : d.children)
      decodeChain(child, tokens, continuation, whole);
    return;
  case Decoder::ByteLevel: {
    std::string bytes;
    for (const std::string &token : tokens) {
      size_t start = bytes.size();
      bool mapped = true;
      for (size_t pos = 0; pos < token.size();) {
        int b = byteLevelByte(nextCodePoint(token, pos));
        if (b < 0) {
          mapped = false;
          break;
        }
        bytes.push_back(char(b));
      }
      if (!mapped) { // HF keeps such a token's own bytes.
        bytes.resize(start);
        bytes += token;
      }
    }
    tokens.assign(1, repairUtf8(bytes));
    whole = true;
    return;
  }
  case Decoder::Metaspace:
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string &token = tokens[i];
      for (size_t pos = 0; pos < token.size();) {
        char32_t c = nextCodePoint(token, pos);
        if (c == d.replacement) {
          if (!(i == 0 && d.prependFirst && !continuation))
            out.push_back(' ');
        } else {
          appendUtf8(out, c);
        }
      }
      tokens[i] = std::move(out);
    }
    return;
  case Decoder::ByteFallback: {
    std::vector<std::string> out;
    std::string pending;
    auto flush = [&] {
      if (pending.empty())
        return;
      if (isValidUtf8(pending))
        out.push_back(pending);
      else
        for (size_t k = 0; k < pending.size(); ++k)
          out.push_back("\xEF\xBF\xBD");
      pending.clear();
    };
    for (std::string &token : tokens) {
      int b = byteFallbackValue(token);
      if (b >= 0) {
        pending.push_back(char(b));
        continue;
      }
      flush();
      out.push_back(std::move(token));
    }
    flush();
    tokens = std::move(out);
    return;
  }
  case Decoder::Fuse: {
    std::string all;
    for (const std::string &token : tokens)
      all += token;
    tokens.assign(1, std::move(all));
    whole = true;
    return;
  }
  case Decoder::Strip:
    for (std::string &token : tokens) {
      std::u32string cps;
      for (size_t pos = 0; pos < token.size();)
        cps.push_back(nextCodePoint(token, pos));
      size_t begin = 0, end = cps.size();
      for (size_t i = 0;
           i < d.stripStart && begin < end && !(whole && continuation); ++i) {
        if (cps[begin] != d.stripChar)
          break;
        ++begin;
      }
      for (size_t i = 0; i < d.stripStop && end > begin; ++i) {
        if (cps[end - 1] != d.stripChar)
          break;
        --end;
      }
      std::string out;
      for (size_t i = begin; i < end; ++i)
        appendUtf8(out, cps[i]);
      token = std::move(out);
    }
    return;
  case Decoder::Replace:
    for (std::string &token : tokens)
      token = replaceAll(token, d.pattern, d.content);
    return;
  }
}

void postProcess(const PostProcessor &p, std::vector<int32_t> &ids) {
  switch (p.kind) {
  case PostProcessor::Sequence:
    for (const PostProcessor &child : p.children)
      postProcess(child, ids);
    return;
  case PostProcessor::ByteLevel:
    return;
  case PostProcessor::Template:
  case PostProcessor::Wrap: {
    std::vector<int32_t> out(p.before);
    out.insert(out.end(), ids.begin(), ids.end());
    out.insert(out.end(), p.after.begin(), p.after.end());
    ids = std::move(out);
    return;
  }
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// TokenTrie
//===----------------------------------------------------------------------===//

namespace tok {

void TokenTrie::insert(std::string_view text, int32_t token) {
  int32_t node = 0;
  for (unsigned char c : text) {
    auto &children = nodes_[size_t(node)].children;
    auto it = std::lower_bound(children.begin(), children.end(), c,
                               [](const std::pair<unsigned char, int32_t> &e,
                                  unsigned char v) { return e.first < v; });
    if (it != children.end() && it->first == c) {
      node = it->second;
      continue;
    }
    int32_t next = int32_t(nodes_.size());
    children.insert(it, {c, next});
    nodes_.emplace_back();
    node = next;
  }
  // The first of several tokens with the same text keeps it.
  if (nodes_[size_t(node)].token < 0)
    nodes_[size_t(node)].token = token;
}

int32_t TokenTrie::longestAt(std::string_view text, size_t pos,
                             size_t &length) const {
  int32_t node = 0, best = -1;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto &children = nodes_[size_t(node)].children;
    unsigned char c = (unsigned char)text[i];
    auto it = std::lower_bound(children.begin(), children.end(), c,
                               [](const std::pair<unsigned char, int32_t> &e,
                                  unsigned char v) { return e.first < v; });
    if (it == children.end() || it->first != c)
      break;
    node = it->second;
    if (nodes_[size_t(node)].token >= 0) {
      best = nodes_[size_t(node)].token;
      length = i + 1 - pos;
    }
  }
  return best;
}

} // namespace tok

//===----------------------------------------------------------------------===//
// Tokenizer::Impl
//===----------------------------------------------------------------------===//

std::vector<int32_t> Tokenizer::Impl::encode(std::string_view input,
                                             bool addSpecial) const {
  std::string repaired;
  std::string_view text = input;
  if (!isValidUtf8(input)) {
    repaired = repairUtf8(input);
    text = repaired;
  }
  std::vector<int32_t> ids;
  std::vector<Piece> pieces;
  for (const Segment &raw : splitAdded(*this, rawTrie, text)) {
    if (raw.added >= 0) {
      ids.push_back(added[size_t(raw.added)].id);
      continue;
    }
    std::string normalized(text.substr(raw.begin, raw.end - raw.begin));
    if (normalizer)
      normalize(*normalizer, normalized);
    for (const Segment &seg : splitAdded(*this, normalizedTrie, normalized)) {
      if (seg.added >= 0) {
        ids.push_back(added[size_t(seg.added)].id);
        continue;
      }
      pieces.clear();
      pieces.push_back({normalized.substr(seg.begin, seg.end - seg.begin),
                        raw.begin == 0 && seg.begin == 0});
      if (preTokenizer)
        preTokenize(*preTokenizer, pieces);
      for (const Piece &piece : pieces)
        model.tokenize(piece.text, ids);
    }
  }
  if (addSpecial && postProcessor)
    postProcess(*postProcessor, ids);
  return ids;
}

const std::string *Tokenizer::Impl::decodedText(int64_t id,
                                                bool skipSpecial) const {
  const std::string *text = tokenText(id);
  if (text && skipSpecial) {
    auto it = addedByContent.find(*text);
    if (it != addedByContent.end() && added[it->second].special)
      return nullptr;
  }
  return text;
}

const std::string *Tokenizer::Impl::tokenText(int64_t id) const {
  if (id < 0 || id > TokenizerLimits::kMaxId)
    return nullptr;
  auto it = addedById.find(int32_t(id));
  if (it != addedById.end())
    return &added[it->second].content;
  auto model = modelTokens.find(int32_t(id));
  return model == modelTokens.end() ? nullptr : &model->second;
}

std::string Tokenizer::Impl::decode(const std::vector<int32_t> &ids,
                                    bool skipSpecial,
                                    bool continuation) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids)
    if (const std::string *text = decodedText(id, skipSpecial))
      tokens.push_back(*text);
  if (!decoder) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i)
      out += (i ? " " : "") + tokens[i];
    return out;
  }
  bool whole = false;
  decodeChain(*decoder, tokens, continuation, whole);
  std::string out;
  for (const std::string &token : tokens)
    out += token;
  return out;
}

//===----------------------------------------------------------------------===//
// Tokenizer
//===----------------------------------------------------------------------===//

Tokenizer::Tokenizer(std::shared_ptr<const Impl> impl)
    : impl_(std::move(impl)) {}

std::vector<int32_t> Tokenizer::encode(std::string_view text,
                                       bool addSpecialTokens) const {
  return impl_->encode(text, addSpecialTokens);
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids,
                              bool skipSpecialTokens) const {
  return impl_->decode(ids, skipSpecialTokens);
}

std::optional<std::string> Tokenizer::idToToken(int64_t id) const {
  if (const std::string *text = impl_->tokenText(id))
    return *text;
  return std::nullopt;
}

std::optional<int32_t> Tokenizer::tokenToId(std::string_view token) const {
  auto it = impl_->addedByContent.find(token);
  if (it != impl_->addedByContent.end())
    return impl_->added[it->second].id;
  return impl_->model.find(token);
}

bool Tokenizer::isSpecial(int64_t id) const {
  if (id < 0 || id > TokenizerLimits::kMaxId)
    return false;
  auto it = impl_->addedById.find(int32_t(id));
  return it != impl_->addedById.end() && impl_->added[it->second].special;
}

int64_t Tokenizer::vocabSize() const { return impl_->vocabSize; }

const char *Tokenizer::unicodeVersion() { return unicodeTablesVersion(); }

//===----------------------------------------------------------------------===//
// StreamDecoder
//===----------------------------------------------------------------------===//

namespace {
bool endsWithReplacement(const std::string &text) {
  return text.size() >= 3 &&
         text.compare(text.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}
} // namespace

StreamDecoder::StreamDecoder(const Tokenizer &tokenizer, bool skipSpecialTokens)
    : tokenizer_(tokenizer), skipSpecial_(skipSpecialTokens) {}

std::string StreamDecoder::push(int32_t id) {
  ids_.push_back(id);
  // ByteFallback turns a run of <0xXX> tokens that is not valid UTF-8 into
  // one U+FFFD per byte, so a byte token can change how the bytes before
  // it decode: nothing is final until the run ends.
  // Ids that decode drops (no such token, a special token skipped) do not
  // end such a run either: the decoder never sees them, so the bytes on
  // both sides meet. Emitting at them made the stream differ from decode()
  // (found by fuzz_tokenizer).
  const std::string *token = tokenizer_.impl_->decodedText(id, skipSpecial_);
  if (!token || byteFallbackValue(*token) >= 0)
    return std::string();
  // Decode a window that starts a little before the new tokens, so that
  // decoders which treat the first token specially see the same context
  // both times; emit the difference once it no longer ends in an
  // incomplete character.
  // A window after the first continues the text: decoded without the
  // effects reserved for the start of the text (decodeChain). Text was
  // emitted before prefixOffset_ > 0, so the text does not start in it.
  std::vector<int32_t> window(ids_.begin() + ptrdiff_t(prefixOffset_),
                              ids_.begin() + ptrdiff_t(readOffset_));
  bool continuation = prefixOffset_ > 0;
  std::string before =
      tokenizer_.impl_->decode(window, skipSpecial_, continuation);
  window.assign(ids_.begin() + ptrdiff_t(prefixOffset_), ids_.end());
  std::string after =
      tokenizer_.impl_->decode(window, skipSpecial_, continuation);
  if (after.size() <= before.size() || endsWithReplacement(after) ||
      after.compare(0, before.size(), before) != 0)
    return std::string();
  prefixOffset_ = readOffset_;
  readOffset_ = ids_.size();
  return after.substr(before.size());
}

std::string StreamDecoder::finish() {
  std::vector<int32_t> window(ids_.begin() + ptrdiff_t(prefixOffset_),
                              ids_.begin() + ptrdiff_t(readOffset_));
  bool continuation = prefixOffset_ > 0;
  std::string before =
      tokenizer_.impl_->decode(window, skipSpecial_, continuation);
  window.assign(ids_.begin() + ptrdiff_t(prefixOffset_), ids_.end());
  std::string after =
      tokenizer_.impl_->decode(window, skipSpecial_, continuation);
  prefixOffset_ = readOffset_ = ids_.size();
  if (after.size() <= before.size() ||
      after.compare(0, before.size(), before) != 0)
    return std::string();
  return after.substr(before.size());
}

} // namespace olmrt
