//===- ParamNames.cpp - hierarchical parameter names ----------------------===//
#include "olm/Dialect/ParamNames.h"

#include "llvm/ADT/StringExtras.h"
#include <map>

using namespace llvm;

namespace olm {
namespace {

/// An affine expression sum(coef * var) + constant.
struct AffineForm {
  std::map<std::string, int64_t> coefs;
  int64_t constant = 0;
};

/// Coefficients and constants stay within +-2^62: every product and sum is
/// checked against it, so none overflows int64 and printAffine can negate
/// any of them.
constexpr int64_t kMaxMagnitude = int64_t(1) << 62;

/// out = a * b + c, or false when a step overflows or leaves the range.
bool mulAdd(int64_t a, int64_t b, int64_t c, int64_t &out) {
  int64_t product;
  return !__builtin_mul_overflow(a, b, &product) &&
         !__builtin_add_overflow(product, c, &out) && out >= -kMaxMagnitude &&
         out <= kMaxMagnitude;
}

/// Recursive-descent-free parser: terms separated by + or -, each term a
/// product of integers and at most one variable.
bool parseAffine(StringRef text, AffineForm &form, std::string &error) {
  size_t pos = 0;
  auto skipSpaces = [&] {
    while (pos < text.size() && text[pos] == ' ')
      ++pos;
  };
  auto fail = [&](const std::string &msg) {
    error = "in placeholder '{" + text.str() + "}': " + msg;
    return false;
  };
  bool first = true;
  while (true) {
    skipSpaces();
    int64_t sign = 1;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      sign = text[pos] == '-' ? -1 : 1;
      ++pos;
    } else if (!first) {
      if (pos >= text.size())
        break;
      return fail("expected '+' or '-'");
    }
    first = false;
    int64_t coef = sign;
    std::string var;
    bool any = false;
    while (true) {
      skipSpaces();
      if (pos >= text.size())
        return fail("expected a number or an index variable");
      if (isDigit(text[pos])) {
        int64_t v = 0;
        while (pos < text.size() && isDigit(text[pos])) {
          if (v > (int64_t(1) << 40))
            return fail("number too large");
          v = v * 10 + (text[pos++] - '0');
        }
        if (!mulAdd(coef, v, 0, coef))
          return fail("number too large");
      } else if (isAlpha(text[pos]) || text[pos] == '_') {
        size_t start = pos;
        while (pos < text.size() && (isAlnum(text[pos]) || text[pos] == '_'))
          ++pos;
        if (!var.empty())
          return fail("a term may contain only one index variable");
        var = text.slice(start, pos).str();
      } else {
        return fail(std::string("unexpected character '") + text[pos] + "'");
      }
      any = true;
      skipSpaces();
      if (pos < text.size() && text[pos] == '*') {
        ++pos;
        continue;
      }
      break;
    }
    if (!any)
      return fail("empty term");
    int64_t &sum = var.empty() ? form.constant : form.coefs[var];
    if (!mulAdd(coef, 1, sum, sum))
      return fail("number too large");
    skipSpaces();
    if (pos >= text.size())
      break;
  }
  return true;
}

std::string printAffine(const AffineForm &form) {
  std::string out;
  for (auto &[var, coef] : form.coefs) {
    if (coef == 0)
      continue;
    if (!out.empty())
      out += coef < 0 ? "-" : "+";
    else if (coef < 0)
      out += "-";
    int64_t mag = coef < 0 ? -coef : coef;
    if (mag != 1)
      out += std::to_string(mag) + "*";
    out += var;
  }
  if (form.constant != 0 || out.empty()) {
    if (!out.empty())
      out += form.constant < 0 ? "-" : "+";
    else if (form.constant < 0)
      out += "-";
    out += std::to_string(form.constant < 0 ? -form.constant : form.constant);
  }
  return out;
}

/// Calls `fn(start, end, inner)` for each placeholder; false on unbalanced
/// braces.
template <typename Fn>
bool forEachPlaceholder(StringRef name, std::string &error, Fn fn) {
  size_t pos = 0;
  while (pos < name.size()) {
    size_t open = name.find_first_of("{}", pos);
    if (open == StringRef::npos)
      return true;
    if (name[open] == '}') {
      error = "unbalanced '}' in parameter name '" + name.str() + "'";
      return false;
    }
    size_t close = name.find_first_of("{}", open + 1);
    if (close == StringRef::npos || name[close] == '{') {
      error = "unterminated '{' in parameter name '" + name.str() + "'";
      return false;
    }
    if (!fn(open, close, name.slice(open + 1, close)))
      return false;
    pos = close + 1;
  }
  return true;
}

} // namespace

bool isValidIndexName(StringRef name) {
  if (name.empty() || !(isAlpha(name[0]) || name[0] == '_'))
    return false;
  return llvm::all_of(name, [](char c) { return isAlnum(c) || c == '_'; });
}

bool substituteParamName(StringRef name, ArrayRef<IndexBinding> bindings,
                         std::string &result, std::string &error) {
  result.clear();
  size_t copied = 0;
  bool ok = forEachPlaceholder(
      name, error, [&](size_t open, size_t close, StringRef inner) {
        AffineForm form;
        if (!parseAffine(inner, form, error))
          return false;
        for (const IndexBinding &b : bindings) {
          if (b.name.empty())
            continue;
          auto it = form.coefs.find(b.name);
          if (it == form.coefs.end())
            continue;
          if (!mulAdd(it->second, b.value, form.constant, form.constant)) {
            error = "in placeholder '{" + inner.str() + "}': the value for " +
                    b.name + " = " + std::to_string(b.value) + " is too large";
            return false;
          }
          form.coefs.erase(it);
        }
        bool allBound = llvm::all_of(
            form.coefs, [](auto &kv) { return kv.second == 0; });
        result += name.slice(copied, open).str();
        if (allBound)
          result += std::to_string(form.constant);
        else
          result += "{" + printAffine(form) + "}";
        copied = close + 1;
        return true;
      });
  if (!ok)
    return false;
  result += name.substr(copied).str();
  return true;
}

bool collectParamNameVars(StringRef name, SmallVectorImpl<std::string> &vars,
                          std::string &error) {
  return forEachPlaceholder(name, error,
                            [&](size_t, size_t, StringRef inner) {
                              AffineForm form;
                              if (!parseAffine(inner, form, error))
                                return false;
                              for (auto &kv : form.coefs)
                                if (kv.second != 0)
                                  vars.push_back(kv.first);
                              return true;
                            });
}

} // namespace olm
