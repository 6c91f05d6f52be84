//===- Value.h - YAML hyperparameter values and expressions -----*- C++ -*-===//
//
// Values of hyperparameters and layer options: integer, float, bool or
// string. A string containing `${name}` is an expression over named values
// (see docs/yaml-reference.md) and is evaluated with overflow checks.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_FRONTEND_VALUE_H
#define OLMC_FRONTEND_VALUE_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace olmc {

struct HValue {
  enum class Kind { Int, Float, Bool, String } kind = Kind::Int;
  int64_t i = 0;
  double f = 0.0;
  bool b = false;
  std::string s;

  static HValue ofInt(int64_t v) {
    HValue h;
    h.kind = Kind::Int;
    h.i = v;
    return h;
  }
  static HValue ofFloat(double v) {
    HValue h;
    h.kind = Kind::Float;
    h.f = v;
    return h;
  }
  static HValue ofBool(bool v) {
    HValue h;
    h.kind = Kind::Bool;
    h.b = v;
    return h;
  }
  static HValue ofString(std::string v) {
    HValue h;
    h.kind = Kind::String;
    h.s = std::move(v);
    return h;
  }

  /// "an integer", "a float", ... for diagnostics.
  std::string describeKind() const;
  /// The value as written back, e.g. `2.5`, `"gelu"`.
  std::string str() const;
};

/// Resolves `${name}`; returns nullopt for an unknown name.
using NameLookup = std::function<std::optional<HValue>(llvm::StringRef)>;

/// Converts a plain YAML scalar (written without quotes) to a value:
/// integers and floats as written, true/false, anything else a string.
/// Sets `error` for an integer literal out of the int64 range.
std::optional<HValue> parseScalar(llvm::StringRef text, bool quoted,
                                  std::string &error);

/// True when `text` needs evaluation (contains `${`).
bool isExpression(llvm::StringRef text);

/// Evaluates an expression. On failure returns nullopt and sets `error`
/// and `errorColumn` (0-based offset into `text` where the problem is).
std::optional<HValue> evaluateExpression(llvm::StringRef text,
                                         const NameLookup &lookup,
                                         std::string &error,
                                         size_t &errorColumn);

} // namespace olmc

#endif
