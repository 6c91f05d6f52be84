//===- Emitter.h - building olm ops from YAML nodes -------------*- C++ -*-===//
#ifndef OLMC_LIB_FRONTEND_EMITTER_H
#define OLMC_LIB_FRONTEND_EMITTER_H

#include "ImporterSupport.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace olmc {

/// State of one import: where ops go, the model's dtype, and what later
/// nodes need to know about earlier ones.
struct EmitState {
  EmitState(SourceInfo &src, mlir::OpBuilder &builder)
      : src(src), builder(builder) {}
  SourceInfo &src;
  mlir::OpBuilder &builder;
  mlir::Type dtype;
  /// Name of the first token embedding's weight (for tied heads).
  std::optional<std::string> embeddingWeight;
};

/// Where a node sits: its parameter-name path and visible values.
struct NodeContext {
  std::string path; // dotted, may contain {i} placeholders
  const Scope *scope = nullptr;
  int depth = 0;       // structure nesting, bounded by the limits
  int repeatDepth = 0; // for default index names i, j, k, ...
  std::vector<std::string> defStack;

  /// `path` extended by `component` (which may itself be dotted).
  std::string child(llvm::StringRef component) const {
    if (component.empty())
      return path;
    return path.empty() ? component.str() : path + "." + component.str();
  }
};

/// The layer kinds the frontend knows (embedding, attention, ...).
const std::vector<std::string> &layerKinds();
bool isLayerKind(llvm::StringRef kind);

/// Emits the layer `kind` with the option map `options` on `input`.
mlir::FailureOr<mlir::Value> emitLayer(EmitState &st, llvm::StringRef kind,
                                       const YAML::Node &kindKey,
                                       const YAML::Node &options,
                                       mlir::Value input,
                                       const NodeContext &nc);

/// The activation type [?, ?, features] in the model dtype.
mlir::RankedTensorType activationType(EmitState &st, int64_t features);

} // namespace olmc

#endif
