//===- ImporterSupport.cpp - shared pieces of the YAML importer -----------===//
#include "ImporterSupport.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringSet.h"
#include <cmath>

using namespace mlir;
using namespace llvm;

namespace olmc {

std::optional<std::string> nearestSpelling(StringRef word,
                                           ArrayRef<std::string> options) {
  std::optional<std::string> best;
  unsigned bestDistance = ~0u;
  for (const std::string &option : options) {
    unsigned d = word.edit_distance(option, /*AllowReplacements=*/true,
                                    /*MaxEditDistance=*/8);
    if (d < bestDistance) {
      bestDistance = d;
      best = option;
    }
  }
  unsigned allowed = std::max<unsigned>(2, word.size() / 3);
  if (best && bestDistance <= allowed && bestDistance > 0)
    return best;
  return std::nullopt;
}

std::string didYouMean(StringRef word, ArrayRef<std::string> options) {
  if (auto best = nearestSpelling(word, options))
    return "; did you mean '" + *best + "'?";
  return "";
}

std::string joinNames(ArrayRef<std::string> names) {
  std::string out;
  for (const std::string &n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

Location SourceInfo::loc(int line0, int col0) const {
  return FileLineColLoc::get(&context, fileName, line0 < 0 ? 1 : line0 + 1,
                             col0 < 0 ? 1 : col0 + 1);
}

Location SourceInfo::loc(const YAML::Node &node) const {
  if (!node.IsDefined())
    return loc(0, 0);
  YAML::Mark mark = node.Mark();
  return loc(mark.line, mark.column);
}

bool SourceInfo::visit(const YAML::Node &node) {
  if (++visited <= limits.maxNodesVisited)
    return true;
  if (visited == limits.maxNodesVisited + 1)
    error(node) << "the model expands to more than " << limits.maxNodesVisited
                << " YAML nodes (are aliases multiplying it?)";
  return false;
}

std::optional<HValue> evaluateNode(SourceInfo &src, const YAML::Node &node,
                                   const Scope &scope) {
  if (!src.visit(node))
    return std::nullopt;
  if (!node.IsScalar()) {
    const char *kind = node.IsMap()        ? "a mapping"
                       : node.IsSequence() ? "a list"
                                           : "nothing";
    src.error(node) << "expected a value (number, bool, string or "
                       "expression), got "
                    << kind;
    return std::nullopt;
  }
  const std::string &text = node.Scalar();
  if (isExpression(text)) {
    std::string error;
    size_t column = 0;
    auto lookup = [&](StringRef name) { return scope.lookup(name); };
    std::optional<HValue> v = evaluateExpression(text, lookup, error, column);
    if (!v) {
      YAML::Mark mark = node.Mark();
      // Point into the scalar when it is written on one line, unquoted.
      bool quoted = node.Tag() == "!";
      int col = mark.column + int(column) + (quoted ? 1 : 0);
      emitError(src.loc(mark.line, text.find('\n') == std::string::npos
                                       ? col
                                       : mark.column))
          << "in expression '" << text << "': " << error;
    }
    return v;
  }
  std::string error;
  std::optional<HValue> v = parseScalar(text, node.Tag() == "!", error);
  if (!v)
    src.error(node) << error;
  return v;
}

LogicalResult OptionReader::checkKeys(ArrayRef<std::string> allowed) {
  if (map.IsNull())
    return success();
  if (!map.IsMap()) {
    src.error(map) << what << " expects a mapping of options ("
                   << joinNames(allowed) << ")";
    return failure();
  }
  llvm::StringSet<> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!src.visit(it->first))
      return failure();
    if (!it->first.IsScalar()) {
      src.error(it->first) << "option names must be plain words";
      return failure();
    }
    const std::string &key = it->first.Scalar();
    if (!seen.insert(key).second) {
      src.error(it->first) << "duplicate option '" << key << "' in " << what;
      return failure();
    }
    if (!llvm::is_contained(allowed, key)) {
      src.error(it->first) << "unknown option '" << key << "' for " << what
                           << didYouMean(key, allowed)
                           << " (expected one of: " << joinNames(allowed)
                           << ")";
      return failure();
    }
  }
  return success();
}

bool OptionReader::has(StringRef key) const {
  if (!map.IsMap())
    return false;
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key)
      return true;
  return false;
}

YAML::Node OptionReader::node(StringRef key) const {
  if (!map.IsMap())
    return YAML::Node();
  // Look the key up without operator[] on a const node, which would
  // otherwise compare every key's text through yaml-cpp's conversions.
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key)
      return it->second;
  return YAML::Node();
}

YAML::Node OptionReader::keyNode(StringRef key) const {
  if (!map.IsMap())
    return anchor;
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key)
      return it->first;
  return anchor;
}

LogicalResult OptionReader::missing(StringRef key) {
  src.error(anchor) << what << " needs option '" << key << "'";
  return failure();
}

std::optional<HValue> OptionReader::value(StringRef key) {
  YAML::Node n = node(key);
  if (n.IsNull()) {
    src.error(keyNode(key)) << "option '" << key << "' of " << what
                            << " has no value";
    return std::nullopt;
  }
  return evaluateNode(src, n, scope);
}

std::optional<int64_t> OptionReader::getInt(StringRef key, int64_t min,
                                            int64_t max) {
  std::optional<HValue> v = value(key);
  if (!v)
    return std::nullopt;
  int64_t result;
  if (v->kind == HValue::Kind::Int) {
    result = v->i;
  } else if (v->kind == HValue::Kind::Float && std::isfinite(v->f) &&
             v->f == std::floor(v->f) && std::fabs(v->f) < 9.0e15) {
    result = int64_t(v->f); // e.g. 2.5 * 512 = 1280.0
  } else {
    src.error(node(key)) << "option '" << key << "' of " << what
                         << " expects an integer, got " << v->describeKind()
                         << " " << v->str();
    return std::nullopt;
  }
  if (result < min || result > max) {
    src.error(node(key)) << "option '" << key << "' of " << what << " is "
                         << result << "; expected " << min << " to " << max;
    return std::nullopt;
  }
  return result;
}

std::optional<double> OptionReader::getFloat(StringRef key) {
  std::optional<HValue> v = value(key);
  if (!v)
    return std::nullopt;
  if (v->kind == HValue::Kind::Int)
    return double(v->i);
  if (v->kind == HValue::Kind::Float)
    return v->f;
  src.error(node(key)) << "option '" << key << "' of " << what
                       << " expects a number, got " << v->describeKind() << " "
                       << v->str();
  return std::nullopt;
}

std::optional<bool> OptionReader::getBool(StringRef key) {
  std::optional<HValue> v = value(key);
  if (!v)
    return std::nullopt;
  if (v->kind == HValue::Kind::Bool)
    return v->b;
  src.error(node(key)) << "option '" << key << "' of " << what
                       << " expects true or false, got " << v->describeKind()
                       << " " << v->str();
  return std::nullopt;
}

std::optional<std::string> OptionReader::getString(StringRef key) {
  std::optional<HValue> v = value(key);
  if (!v)
    return std::nullopt;
  if (v->kind == HValue::Kind::String)
    return v->s;
  src.error(node(key)) << "option '" << key << "' of " << what
                       << " expects a string, got " << v->describeKind() << " "
                       << v->str();
  return std::nullopt;
}

std::optional<std::string>
OptionReader::getChoice(StringRef key, ArrayRef<std::string> choices) {
  std::optional<HValue> v = value(key);
  if (!v)
    return std::nullopt;
  std::string text = v->kind == HValue::Kind::String ? v->s : v->str();
  if (v->kind != HValue::Kind::String || !llvm::is_contained(choices, text)) {
    src.error(node(key)) << "option '" << key << "' of " << what << " is "
                         << v->str() << "; expected one of: "
                         << joinNames(choices) << didYouMean(text, choices);
    return std::nullopt;
  }
  return text;
}

} // namespace olmc
