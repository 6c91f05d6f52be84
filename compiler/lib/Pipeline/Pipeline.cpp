//===- Pipeline.cpp - the phases of olmc compile --------------------------===//
#include "olmc/Pipeline/Pipeline.h"
#include "olmc/Transforms/Passes.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

namespace olmc {

const std::vector<Phase> &compilePhases() {
  static const std::vector<Phase> phases = {
      {"olm", "the verified olm module from the frontend (structure kept)",
       nullptr},
      {"flat",
       "structure ops inlined through CombinatorOpInterface "
       "(olm-lower-combinators), then the compute dtype set on everything, "
       "inlined custom combinator bodies included (olm-convert-dtype)",
       [](PassManager &pm, const CompileOptions &options) {
         pm.addNestedPass<olm::ModelOp>(createLowerCombinators());
         ConvertDtypeOptions dtype;
         dtype.dtype = options.computeDtype();
         pm.addNestedPass<olm::ModelOp>(createConvertDtype(dtype));
       }},
      {"prim",
       "layer ops decomposed into olm primitives with explicit weights "
       "(olm-decompose-layers)",
       [](PassManager &pm, const CompileOptions &) {
         pm.addNestedPass<olm::ModelOp>(createDecomposeLayers());
       }},
      {"fused",
       "activations folded into the matmuls that feed them "
       "(olm-fuse-matmul-activation; for cuda gated ones too, "
       "olm-fuse-matmul-gated-activation), residual adds folded into the "
       "matmuls that produce them (olm-fuse-matmul-residual), for cuda "
       "norms into the matmuls that read them (olm-fuse-norm-matmul, "
       "--fuse-norm-matmul), "
       "chains of elementwise work fused into olm.fused ops "
       "(olm-fuse-elementwise)",
       [](PassManager &pm, const CompileOptions &options) {
         pm.addNestedPass<olm::ModelOp>(createFuseMatmulActivation());
         if (options.target == "cuda")
           pm.addNestedPass<olm::ModelOp>(createFuseMatmulGatedActivation());
         pm.addNestedPass<olm::ModelOp>(createFuseMatmulResidual());
         if (options.target == "cuda" && options.fuseNormMatmul != "none") {
           FuseNormMatmulOptions norms;
           norms.gated = options.fuseNormMatmul == "all";
           pm.addNestedPass<olm::ModelOp>(createFuseNormMatmul(norms));
         }
         pm.addNestedPass<olm::ModelOp>(createFuseElementwise());
       }},
      {"plan",
       "activations placed in one arena by liveness, KV cache laid out "
       "(olm-plan-memory)",
       [](PassManager &pm, const CompileOptions &options) {
         PlanMemoryOptions plan;
         plan.maxSeq = options.maxSeq;
         plan.maxBatch = options.maxBatch;
         pm.addNestedPass<olm::ModelOp>(createPlanMemory(plan));
       }},
      {"llvm",
       "entry points olmx_prefill and olmx_decode in the LLVM dialect, "
       "calling the runtime's kernels; for cuda also the device kernels in "
       "a gpu.module (olm-lower-to-llvm)",
       [](PassManager &pm, const CompileOptions &options) {
         LowerToLLVMOptions lower;
         lower.target = options.target;
         pm.addPass(createLowerToLLVM(lower));
       }},
  };
  return phases;
}

int findPhase(llvm::StringRef name) {
  const auto &phases = compilePhases();
  for (size_t i = 0; i < phases.size(); ++i)
    if (phases[i].name == name)
      return int(i);
  return -1;
}

LogicalResult writeIR(ModuleOp module, llvm::StringRef path) {
  std::string error;
  auto out = openOutputFile(path, &error);
  if (!out) {
    llvm::errs() << "olmc: error: " << error << "\n";
    return failure();
  }
  module.print(out->os());
  out->os() << "\n";
  out->keep();
  return success();
}

LogicalResult
runPhases(ModuleOp module, int first, int last, const CompileOptions &options,
          llvm::StringRef dumpDir,
          const std::function<LogicalResult(PassManager &)> &configurePM) {
  const auto &phases = compilePhases();
  auto dump = [&](int i) -> LogicalResult {
    if (dumpDir.empty())
      return success();
    if (std::error_code ec = llvm::sys::fs::create_directories(dumpDir)) {
      llvm::errs() << "olmc: error: cannot create '" << dumpDir
                   << "': " << ec.message() << "\n";
      return failure();
    }
    llvm::SmallString<256> path(dumpDir);
    llvm::sys::path::append(
        path, llvm::formatv("{0:2}-{1}.mlir", i, phases[i].name).str());
    for (char &c : path)
      if (c == ' ')
        c = '0';
    return writeIR(module, path);
  };
  if (first == 1 && failed(dump(0)))
    return failure();
  for (int i = first; i <= last; ++i) {
    PassManager pm(module->getName());
    if (failed(configurePM(pm)))
      return failure();
    phases[i].addPasses(pm, options);
    if (failed(pm.run(module)) || failed(dump(i)))
      return failure();
  }
  return success();
}

} // namespace olmc
