//===- NpyHeader.cpp - A strict parser for the .npy header literal --------===//

#include "NpyHeader.h"
#include "IoSupport.h"

namespace olmrt::io {

namespace {

/// numpy itself refuses arrays of more dimensions than this.
constexpr size_t kMaxRank = 64;

class Parser {
public:
  Parser(const std::string &path, std::string_view text)
      : path_(path), text_(text) {}

  NpyHeader parse() {
    NpyHeader header;
    bool haveDescr = false, haveOrder = false, haveShape = false;
    expect('{');
    while (!peekIs('}')) {
      std::string key = parseString();
      expect(':');
      if (key == "descr") {
        once(haveDescr, key);
        if (peekIs('['))
          error("structured dtypes are not supported");
        header.descr = parseString();
      } else if (key == "fortran_order") {
        once(haveOrder, key);
        header.fortranOrder = parseBool();
      } else if (key == "shape") {
        once(haveShape, key);
        header.shape = parseShape();
      } else {
        error("unexpected key " + inQuotes(key));
      }
      // Entries are separated by commas; one may trail before '}'.
      if (!consume(','))
        break;
    }
    expect('}');
    skipSpace();
    if (pos_ != text_.size())
      error("unexpected text after the dict");
    if (!haveDescr || !haveOrder || !haveShape)
      error(std::string("missing key '") +
            (!haveDescr   ? "descr"
             : !haveOrder ? "fortran_order"
                          : "shape") +
            "'");
    return header;
  }

private:
  [[noreturn]] void error(const std::string &what) {
    fail(path_, "malformed .npy header: " + what + " (at header offset " +
                    std::to_string(pos_) + ")");
  }

  void once(bool &seen, const std::string &key) {
    if (seen)
      error("key " + inQuotes(key) + " appears twice");
    seen = true;
  }

  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool peekIs(char c) {
    skipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  bool consume(char c) {
    if (!peekIs(c))
      return false;
    ++pos_;
    return true;
  }

  void expect(char c) {
    if (!consume(c))
      error(std::string("expected '") + c + "'");
  }

  std::string parseString() {
    skipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      error("expected a quoted string");
    char quote = text_[pos_++];
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      // No string numpy writes needs escapes; refusing them keeps the
      // parser trivially correct.
      if (text_[pos_] == '\\' || text_[pos_] == '\n')
        error("escapes and line breaks in strings are not supported");
      ++pos_;
    }
    if (pos_ >= text_.size())
      error("unterminated string");
    return std::string(text_.substr(start, pos_++ - start));
  }

  bool parseWord(std::string_view word) {
    skipSpace();
    if (text_.substr(pos_, word.size()) != word)
      return false;
    pos_ += word.size();
    return true;
  }

  bool parseBool() {
    if (parseWord("True"))
      return true;
    if (parseWord("False"))
      return false;
    error("expected True or False");
  }

  int64_t parseDimension() {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == '-')
      error("negative dimension");
    if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9')
      error("expected a non-negative integer");
    uint64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      uint64_t digit = uint64_t(text_[pos_++] - '0');
      if (value > (uint64_t(INT64_MAX) - digit) / 10)
        error("dimension does not fit in 64 bits");
      value = value * 10 + digit;
    }
    if (pos_ < text_.size() && text_[pos_] == 'L')
      ++pos_; // Python 2 long literal, as old numpy wrote it.
    return int64_t(value);
  }

  /// A tuple: "()", "(3,)" or "(2, 3)" with an optional trailing comma.
  /// "(3)" is the integer 3 in Python, not a tuple, so it is refused.
  std::vector<int64_t> parseShape() {
    expect('(');
    std::vector<int64_t> shape;
    bool trailingComma = false;
    while (!peekIs(')')) {
      if (shape.size() == kMaxRank)
        error("more than " + std::to_string(kMaxRank) + " dimensions");
      shape.push_back(parseDimension());
      trailingComma = consume(',');
      if (!trailingComma)
        break;
    }
    expect(')');
    if (shape.size() == 1 && !trailingComma)
      error("shape must be a tuple");
    return shape;
  }

  const std::string &path_;
  std::string_view text_;
  size_t pos_ = 0;
};

} // namespace

NpyHeader parseNpyHeader(const std::string &path, std::string_view text) {
  return Parser(path, text).parse();
}

} // namespace olmrt::io
