//===- Pipeline.h - the phases of olmc compile ------------------*- C++ -*-===//
//
// A compile runs named phases in order; `--compile-to=PHASE` stops after
// one, `--dump-phases-to=DIR` writes the IR after each. Later phases
// (lowering, bufferization, codegen) register here as they are built.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_PIPELINE_PIPELINE_H
#define OLMC_PIPELINE_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <string>
#include <vector>

namespace olmc {

struct CompileOptions {
  std::string target = "cpu"; // cpu | cuda
  std::string dtype;          // "" = the model's own
  int64_t maxSeq = 1024;
  int64_t maxBatch = 1;
  /// cuda: which norms olm-fuse-norm-matmul folds into their products:
  /// "none", "ungated" (all but gated products'; measured the fastest on an
  /// H200, bench/NOTES.md version 8) or "all".
  std::string fuseNormMatmul = "ungated";
  /// The model's own dtype, from the olm module.
  std::string modelDtype = "f32";

  /// The dtype the generated code computes in: --dtype if given, else the
  /// model's; the CPU target computes in f32.
  std::string computeDtype() const {
    if (target == "cpu")
      return "f32";
    return dtype.empty() ? modelDtype : dtype;
  }
};

struct Phase {
  std::string name;
  std::string description;
  /// Adds this phase's passes; null for the frontend phase.
  std::function<void(mlir::PassManager &, const CompileOptions &)> addPasses;
};

/// All phases in order. The first, "olm", is the frontend's output.
const std::vector<Phase> &compilePhases();

/// Index of `name` in compilePhases(), or -1.
int findPhase(llvm::StringRef name);

/// Runs phases first..last on `module` (phase 0 is the import itself, so
/// first >= 1). When `dumpDir` is non-empty, writes `NN-<phase>.mlir` there
/// after each phase (and phase 0 when first == 1). `configurePM` applies
/// the command line's pass-manager options.
mlir::LogicalResult
runPhases(mlir::ModuleOp module, int first, int last,
          const CompileOptions &options,
          llvm::StringRef dumpDir,
          const std::function<mlir::LogicalResult(mlir::PassManager &)>
              &configurePM);

/// Writes the module's IR to `path` ("-" = stdout).
mlir::LogicalResult writeIR(mlir::ModuleOp module, llvm::StringRef path);

} // namespace olmc

#endif
