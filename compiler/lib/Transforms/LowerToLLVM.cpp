//===- LowerToLLVM.cpp - planned olm model -> LLVM entry points -----------===//
//
// The model body after olm-plan-memory is straight-line code over arena
// buffers, so each op maps to a few LLVM dialect ops: pointer arithmetic
// into the arena / weight table / KV cache and a call. The ABI is
// runtime/include/olmrt/GeneratedABI.h; the kernels are those of
// runtime/include/olmrt/CpuKernels.h (cpu) or CudaKernels.h (cuda, where
// the same straight-line code runs on the host and only enqueues device
// work). Fused elementwise bodies become loops (cpu) or device kernels in
// a gpu.module (cuda); both are emitted by the one emitFusedBody.
//
//===----------------------------------------------------------------------===//
#include "LLVMCodegen.h"
#include "olmc/Transforms/Passes.h"

namespace olmc {
#define GEN_PASS_DEF_LOWERTOLLVM
#include "olmc/Transforms/Passes.h.inc"
} // namespace olmc

using namespace mlir;
using namespace olm;

namespace {

using olmc::lowering::Codegen;

struct LowerToLLVMPass : olmc::impl::LowerToLLVMBase<LowerToLLVMPass> {
  using LowerToLLVMBase::LowerToLLVMBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<ModelOp> models(module.getOps<ModelOp>());
    if (models.size() != 1) {
      module.emitError("expected exactly one olm.model, found ")
          << models.size();
      return signalPassFailure();
    }
    if (target != "cpu" && target != "cuda") {
      module.emitError("unknown target '") << target << "' (cpu or cuda)";
      return signalPassFailure();
    }
    if (failed(Codegen(module, models[0], target == "cuda").run()))
      return signalPassFailure();
    models[0].erase();
    // Custom combinator definitions have been inlined by now.
    for (auto def : llvm::make_early_inc_range(module.getOps<CombinatorDefOp>()))
      def.erase();
  }
};

} // namespace
