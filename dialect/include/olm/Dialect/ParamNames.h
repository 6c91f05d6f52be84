//===- ParamNames.h - hierarchical parameter names --------------*- C++ -*-===//
//
// Parameter names may contain placeholders `{expr}` where expr is an affine
// expression of repeat index variables: `{i}`, `{2*i+1}`, `{i*4 + j - 1}`.
// This header parses such names and substitutes bindings.
//
//===----------------------------------------------------------------------===//
#ifndef OLM_DIALECT_PARAMNAMES_H
#define OLM_DIALECT_PARAMNAMES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <string>

namespace olm {

/// One repeat iteration's binding of an index variable, e.g. i = 3.
struct IndexBinding {
  std::string name; // empty: no binding
  int64_t value = 0;
};

/// Substitutes the bindings into every placeholder of `name`. Placeholders
/// whose variables are all bound become decimal numbers; others are
/// re-printed in canonical form with the bound variables folded in.
/// Returns false and sets `error` when a placeholder is malformed.
bool substituteParamName(llvm::StringRef name,
                         llvm::ArrayRef<IndexBinding> bindings,
                         std::string &result, std::string &error);

/// Collects the variable names used in placeholders of `name`.
bool collectParamNameVars(llvm::StringRef name,
                          llvm::SmallVectorImpl<std::string> &vars,
                          std::string &error);

/// True when `name` is a valid index variable name ([A-Za-z_][A-Za-z0-9_]*).
bool isValidIndexName(llvm::StringRef name);

} // namespace olm

#endif
