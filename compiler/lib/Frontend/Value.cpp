//===- Value.cpp - YAML hyperparameter values and expressions -------------===//
#include "olmc/Frontend/Value.h"

#include "llvm/ADT/StringExtras.h"
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

using namespace llvm;

namespace olmc {

std::string HValue::describeKind() const {
  switch (kind) {
  case Kind::Int:
    return "an integer";
  case Kind::Float:
    return "a float";
  case Kind::Bool:
    return "a bool";
  case Kind::String:
    return "a string";
  }
  return "a value";
}

std::string HValue::str() const {
  switch (kind) {
  case Kind::Int:
    return std::to_string(i);
  case Kind::Float: {
    std::ostringstream os;
    os.precision(17);
    os << f;
    return os.str();
  }
  case Kind::Bool:
    return b ? "true" : "false";
  case Kind::String:
    return "'" + s + "'";
  }
  return "";
}

namespace {
bool looksLikeInteger(StringRef t) {
  if (t.consume_front("-") || t.consume_front("+")) {
  }
  return !t.empty() && llvm::all_of(t, isDigit);
}

bool looksLikeFloat(StringRef t) {
  if (t.empty())
    return false;
  std::string copy = t.str();
  char *end = nullptr;
  errno = 0;
  (void)std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size())
    return false;
  // Only decimal notation: reject hex floats, "nan", "inf" spelled by strtod.
  return llvm::all_of(t, [](char c) {
    return isDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '-' ||
           c == '+';
  });
}
} // namespace

std::optional<HValue> parseScalar(StringRef text, bool quoted,
                                  std::string &error) {
  if (quoted)
    return HValue::ofString(text.str());
  if (looksLikeInteger(text)) {
    int64_t v;
    if (text.getAsInteger(10, v)) {
      error = "integer '" + text.str() + "' is out of range";
      return std::nullopt;
    }
    return HValue::ofInt(v);
  }
  if (looksLikeFloat(text)) {
    double v = std::strtod(text.str().c_str(), nullptr);
    if (!std::isfinite(v)) {
      error = "number '" + text.str() + "' is out of range";
      return std::nullopt;
    }
    return HValue::ofFloat(v);
  }
  if (text == "true" || text == "True")
    return HValue::ofBool(true);
  if (text == "false" || text == "False")
    return HValue::ofBool(false);
  return HValue::ofString(text.str());
}

bool isExpression(StringRef text) { return text.contains("${"); }

namespace {

/// Recursive-descent evaluator:
///   expr  := term (('+' | '-') term)*
///   term  := unary (('*' | '/' | '//' | '%') unary)*
///   unary := '-' unary | primary
///   primary := number | '${' name '}' | '(' expr ')'
class Evaluator {
public:
  Evaluator(StringRef text, const NameLookup &lookup)
      : text(text), lookup(lookup) {}

  std::optional<HValue> run() {
    std::optional<HValue> v = parseExpr(0);
    if (!v)
      return std::nullopt;
    skip();
    if (pos != text.size())
      return fail("unexpected '" + text.substr(pos, 1).str() + "'");
    return v;
  }

  std::string error;
  size_t errorPos = 0;

private:
  static constexpr int kMaxDepth = 64;
  StringRef text;
  const NameLookup &lookup;
  size_t pos = 0;

  std::nullopt_t fail(const std::string &msg) {
    if (error.empty()) {
      error = msg;
      errorPos = pos;
    }
    return std::nullopt;
  }

  void skip() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
      ++pos;
  }

  bool peek(StringRef s) {
    skip();
    return text.substr(pos).starts_with(s);
  }

  std::optional<HValue> numeric(std::optional<HValue> v, StringRef what) {
    if (!v)
      return v;
    if (v->kind != HValue::Kind::Int && v->kind != HValue::Kind::Float)
      return fail(what.str() + " needs numbers, got " + v->describeKind() +
                  " " + v->str());
    return v;
  }

  static double asDouble(const HValue &v) {
    return v.kind == HValue::Kind::Int ? double(v.i) : v.f;
  }

  std::optional<HValue> binary(char op, bool floorDiv, const HValue &a,
                               const HValue &b) {
    bool ints = a.kind == HValue::Kind::Int && b.kind == HValue::Kind::Int;
    if (ints) {
      int64_t r;
      switch (op) {
      case '+':
        if (__builtin_add_overflow(a.i, b.i, &r))
          return fail("integer overflow in '+'");
        return HValue::ofInt(r);
      case '-':
        if (__builtin_sub_overflow(a.i, b.i, &r))
          return fail("integer overflow in '-'");
        return HValue::ofInt(r);
      case '*':
        if (__builtin_mul_overflow(a.i, b.i, &r))
          return fail("integer overflow in '*'");
        return HValue::ofInt(r);
      case '/':
      case '%':
        if (b.i == 0)
          return fail("division by zero");
        if (a.i == INT64_MIN && b.i == -1)
          return fail("integer overflow in division");
        if (op == '%') {
          int64_t m = a.i % b.i;
          if (m != 0 && ((m < 0) != (b.i < 0)))
            m += b.i;
          return HValue::ofInt(m);
        }
        if (floorDiv) {
          int64_t q = a.i / b.i;
          if ((a.i % b.i != 0) && ((a.i < 0) != (b.i < 0)))
            --q;
          return HValue::ofInt(q);
        }
        if (a.i % b.i == 0)
          return HValue::ofInt(a.i / b.i);
        return HValue::ofFloat(double(a.i) / double(b.i));
      }
    }
    double x = asDouble(a), y = asDouble(b), r = 0;
    switch (op) {
    case '+':
      r = x + y;
      break;
    case '-':
      r = x - y;
      break;
    case '*':
      r = x * y;
      break;
    case '/':
    case '%':
      if (y == 0.0)
        return fail("division by zero");
      r = op == '%' ? std::fmod(x, y) : (floorDiv ? std::floor(x / y) : x / y);
      break;
    }
    if (!std::isfinite(r))
      return fail("result is not a finite number");
    return HValue::ofFloat(r);
  }

  /// Applies an operator; errors point at the operator.
  std::optional<HValue> binaryAt(size_t opPos, char op, bool floorDiv,
                                 const HValue &a, const HValue &b) {
    size_t after = pos;
    pos = opPos;
    std::optional<HValue> r = binary(op, floorDiv, a, b);
    pos = after;
    return r;
  }

  std::optional<HValue> parseExpr(int depth) {
    if (depth > kMaxDepth)
      return fail("expression nested too deeply");
    std::optional<HValue> lhs = parseTerm(depth);
    while (lhs) {
      skip();
      if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-'))
        break;
      size_t opPos = pos;
      char op = text[pos++];
      std::optional<HValue> rhs = numeric(parseTerm(depth), "arithmetic");
      if (!numeric(lhs, "arithmetic") || !rhs)
        return std::nullopt;
      lhs = binaryAt(opPos, op, false, *lhs, *rhs);
    }
    return lhs;
  }

  std::optional<HValue> parseTerm(int depth) {
    std::optional<HValue> lhs = parseUnary(depth);
    while (lhs) {
      skip();
      if (pos >= text.size() ||
          (text[pos] != '*' && text[pos] != '/' && text[pos] != '%'))
        break;
      size_t opPos = pos;
      char op = text[pos++];
      bool floorDiv = false;
      if (op == '/' && pos < text.size() && text[pos] == '/') {
        floorDiv = true;
        ++pos;
      }
      std::optional<HValue> rhs = numeric(parseUnary(depth), "arithmetic");
      if (!numeric(lhs, "arithmetic") || !rhs)
        return std::nullopt;
      lhs = binaryAt(opPos, op, floorDiv, *lhs, *rhs);
    }
    return lhs;
  }

  std::optional<HValue> parseUnary(int depth) {
    if (depth > kMaxDepth)
      return fail("expression nested too deeply");
    skip();
    if (pos < text.size() && text[pos] == '-') {
      ++pos;
      std::optional<HValue> v = numeric(parseUnary(depth + 1), "negation");
      if (!v)
        return v;
      return binary('-', false, HValue::ofInt(0), *v);
    }
    return parsePrimary(depth);
  }

  std::optional<HValue> parsePrimary(int depth) {
    skip();
    if (pos >= text.size())
      return fail("expected a number, ${name} or '(' at the end of the "
                  "expression");
    if (text[pos] == '(') {
      ++pos;
      std::optional<HValue> v = parseExpr(depth + 1);
      if (!v)
        return v;
      skip();
      if (pos >= text.size() || text[pos] != ')')
        return fail("expected ')'");
      ++pos;
      return v;
    }
    if (text.substr(pos).starts_with("${")) {
      size_t start = pos;
      size_t close = text.find('}', pos);
      if (close == StringRef::npos)
        return fail("unterminated '${'");
      StringRef name = text.slice(pos + 2, close).trim();
      pos = close + 1;
      if (name.empty()) {
        pos = start;
        return fail("empty name in '${}'");
      }
      std::optional<HValue> v = lookup(name);
      if (!v) {
        pos = start;
        return fail("unknown name '" + name.str() + "'");
      }
      return v;
    }
    if (isDigit(text[pos]) || text[pos] == '.') {
      size_t start = pos;
      while (pos < text.size() &&
             (isAlnum(text[pos]) || text[pos] == '.' ||
              ((text[pos] == '-' || text[pos] == '+') &&
               (text[pos - 1] == 'e' || text[pos - 1] == 'E'))))
        ++pos;
      std::string err;
      std::optional<HValue> v =
          parseScalar(text.slice(start, pos), false, err);
      if (!v) {
        pos = start;
        return fail(err);
      }
      if (v->kind != HValue::Kind::Int && v->kind != HValue::Kind::Float) {
        pos = start;
        return fail("'" + text.slice(start, pos).str() + "' is not a number");
      }
      return v;
    }
    return fail("expected a number, ${name} or '(' but found '" +
                text.substr(pos, 1).str() + "'");
  }
};

} // namespace

std::optional<HValue> evaluateExpression(StringRef text,
                                         const NameLookup &lookup,
                                         std::string &error,
                                         size_t &errorColumn) {
  Evaluator ev(text, lookup);
  std::optional<HValue> v = ev.run();
  if (!v) {
    error = ev.error;
    errorColumn = ev.errorPos;
  }
  return v;
}

} // namespace olmc
