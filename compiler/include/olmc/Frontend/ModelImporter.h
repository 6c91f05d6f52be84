//===- ModelImporter.h - model YAML -> olm dialect --------------*- C++ -*-===//
#ifndef OLMC_FRONTEND_MODELIMPORTER_H
#define OLMC_FRONTEND_MODELIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace olmc {

/// Limits that keep untrusted model files from exhausting time or memory.
struct ImportLimits {
  size_t maxFileBytes = 16u << 20;
  int maxNodeDepth = 64;
  size_t maxNodesVisited = 100000;
  int64_t maxRepeatCount = 4096;
  int64_t maxDim = int64_t(1) << 24;
  int64_t maxParamElements = int64_t(1) << 36;
};

/// Parses the model YAML `text` (from `fileName`, used in locations) into a
/// module holding one verified `olm.model`. Diagnostics are emitted through
/// the context's diagnostic engine at `fileName:line:col`; returns null on
/// error.
mlir::OwningOpRef<mlir::ModuleOp>
importModelYAML(mlir::MLIRContext &context, llvm::StringRef fileName,
                llvm::StringRef text, const ImportLimits &limits = {});

} // namespace olmc

#endif
