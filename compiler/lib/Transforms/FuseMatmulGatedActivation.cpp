//===- FuseMatmulGatedActivation.cpp - gating into the gate/up product ----===//
//
// act(gate) * up over the merged gate+up product is the first half of every
// gated MLP (SwiGLU in Llama and Qwen, GeGLU in Gemma). As two ops it is a
// kernel that writes the [.., 2H] product and one that reads it back; as
// one, a backend can gate in the product's epilogue and write only [.., H]
// (the cuda target's batch-1 GEMV), which removes a kernel a layer from
// every decode step. cuBLASLt cannot gate two columns in its epilogue, so
// larger batches keep two kernels behind the same call.
//
//===----------------------------------------------------------------------===//
#include "olm/Dialect/OLMOps.h"
#include "olmc/Transforms/Passes.h"

namespace olmc {
#define GEN_PASS_DEF_FUSEMATMULGATEDACTIVATION
#include "olmc/Transforms/Passes.h.inc"
} // namespace olmc

using namespace mlir;
using namespace olm;

namespace {

struct FuseMatmulGatedActivationPass
    : olmc::impl::FuseMatmulGatedActivationBase<FuseMatmulGatedActivationPass> {
  void runOnOperation() override {
    SmallVector<GatedActOp> gates;
    getOperation().getBody().front().walk(
        [&](GatedActOp g) { gates.push_back(g); });
    for (GatedActOp g : gates) {
      auto m = g.getInput().getDefiningOp<MatmulOp>();
      // The [.., 2H] product must be read by the gating alone, and be a
      // plain product (no residual, activation or gating of its own); a
      // gating that is the model's result stays (the logits are float32).
      if (!m || m.getResidual() || m.getActivation() || m.getGated() ||
          m.getNorm() || !m->hasOneUse() ||
          llvm::any_of(g->getUsers(),
                       [](Operation *u) { return isa<YieldOp>(u); }))
        continue;
      OpBuilder b(g);
      auto fused =
          MatmulOp::create(b, m.getLoc(), g.getResult().getType(), m.getInput(),
                           m.getWeight(), m.getBias(),
                           /*residual=*/Value(), g.getKindAttr(),
                           /*gated=*/true, /*norm=*/Value(),
                           /*norm_eps=*/FloatAttr(),
                           /*norm_offset=*/llvm::APFloat(0.0),
                           /*layer_norm=*/false, /*norm_bias=*/Value());
      fused->setDiscardableAttrs(m->getDiscardableAttrDictionary());
      g.replaceAllUsesWith(fused.getResult());
      g.erase();
      m.erase();
    }
  }
};

} // namespace
