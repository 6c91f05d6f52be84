//===- ImporterSupport.h - shared pieces of the YAML importer ---*- C++ -*-===//
//
// Locations, diagnostics, scopes and typed option access used by the model
// importer. Everything that reports an error points at the YAML node that
// caused it.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_LIB_FRONTEND_IMPORTERSUPPORT_H
#define OLMC_LIB_FRONTEND_IMPORTERSUPPORT_H

#include "olmc/Frontend/ModelImporter.h"
#include "olmc/Frontend/Value.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace olmc {

/// The closest candidate to `word` by edit distance, if close enough to be a
/// plausible misspelling.
std::optional<std::string> nearestSpelling(llvm::StringRef word,
                                           llvm::ArrayRef<std::string> options);

/// ", did you mean 'x'?" or "".
std::string didYouMean(llvm::StringRef word,
                       llvm::ArrayRef<std::string> options);

/// "a, b, c".
std::string joinNames(llvm::ArrayRef<std::string> names);

/// Named values visible at a point: hparams, then def arguments.
class Scope {
public:
  explicit Scope(const Scope *parent = nullptr) : parent(parent) {}
  void set(const std::string &name, HValue value) { values[name] = value; }
  bool hasLocal(const std::string &name) const { return values.count(name); }
  std::optional<HValue> lookup(llvm::StringRef name) const {
    auto it = values.find(name.str());
    if (it != values.end())
      return it->second;
    return parent ? parent->lookup(name) : std::nullopt;
  }

private:
  std::map<std::string, HValue> values;
  const Scope *parent;
};

/// Per-file state shared by the importer's functions: file name, context,
/// limits and the node-visit budget.
class SourceInfo {
public:
  SourceInfo(mlir::MLIRContext &context, llvm::StringRef fileName,
             const ImportLimits &limits)
      : context(context), fileName(fileName.str()), limits(limits) {}

  mlir::Location loc(const YAML::Node &node) const;
  mlir::Location loc(int line0, int col0) const;
  mlir::InFlightDiagnostic error(const YAML::Node &node) const {
    return mlir::emitError(loc(node));
  }
  /// Counts one visited node; false (with a diagnostic) once over budget.
  bool visit(const YAML::Node &node);

  mlir::MLIRContext &context;
  std::string fileName;
  const ImportLimits &limits;

private:
  size_t visited = 0;
};

/// Typed access to the options of one YAML map, reporting unknown keys,
/// missing keys and type mismatches at the offending node.
class OptionReader {
public:
  /// `anchor` locates errors about the map as a whole (missing options)
  /// when the map itself was absent from the file (`kind:` with no value).
  OptionReader(SourceInfo &src, const YAML::Node &map, const Scope &scope,
               std::string what, const YAML::Node &anchor = YAML::Node())
      : src(src), map(map), scope(scope), what(std::move(what)),
        anchor(anchor.IsDefined() ? anchor : map) {}

  /// Fails on any key not in `allowed`, suggesting the nearest.
  mlir::LogicalResult checkKeys(llvm::ArrayRef<std::string> allowed);

  bool has(llvm::StringRef key) const;
  YAML::Node node(llvm::StringRef key) const;
  /// The key node itself (for locations of the key text).
  YAML::Node keyNode(llvm::StringRef key) const;

  /// Evaluates the option's value (scalar, maybe an expression).
  std::optional<HValue> value(llvm::StringRef key);
  std::optional<int64_t> getInt(llvm::StringRef key, int64_t min,
                                int64_t max);
  std::optional<double> getFloat(llvm::StringRef key);
  std::optional<bool> getBool(llvm::StringRef key);
  std::optional<std::string> getString(llvm::StringRef key);
  std::optional<std::string> getChoice(llvm::StringRef key,
                                       llvm::ArrayRef<std::string> choices);
  mlir::LogicalResult missing(llvm::StringRef key);

  SourceInfo &src;
  YAML::Node map; // by value: yaml-cpp iterators hand out temporaries
  const Scope &scope;
  std::string what;
  YAML::Node anchor;
};

/// Evaluates a scalar node in `scope`: literals, and expressions with
/// `${name}` references. Emits a diagnostic and returns nullopt on error.
std::optional<HValue> evaluateNode(SourceInfo &src, const YAML::Node &node,
                                   const Scope &scope);

} // namespace olmc

#endif
