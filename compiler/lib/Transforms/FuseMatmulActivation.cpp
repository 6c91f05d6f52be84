//===- FuseMatmulActivation.cpp - activations into matmul epilogues -------===//
//
// act(x W^T + b) is the first half of every non-gated MLP (GPT-2, GPT-NeoX).
// A GEMM can apply the bias and a pointwise activation as it writes its
// result (cuBLASLt's GELU_BIAS epilogue), so the activation stops being a
// kernel of its own that reads and writes the widest activation of the
// layer once more.
//
//===----------------------------------------------------------------------===//
#include "olm/Dialect/OLMOps.h"
#include "olmc/Transforms/Passes.h"

namespace olmc {
#define GEN_PASS_DEF_FUSEMATMULACTIVATION
#include "olmc/Transforms/Passes.h.inc"
} // namespace olmc

using namespace mlir;
using namespace olm;

namespace {

struct FuseMatmulActivationPass
    : olmc::impl::FuseMatmulActivationBase<FuseMatmulActivationPass> {
  void runOnOperation() override {
    SmallVector<ActOp> acts;
    getOperation().getBody().front().walk(
        [&](ActOp act) { acts.push_back(act); });
    for (ActOp act : acts) {
      auto m = act.getInput().getDefiningOp<MatmulOp>();
      // The product must be used by the activation alone (nothing else
      // may see it before the activation) and have no residual (C is
      // added before an epilogue's activation); an activation that is the
      // model's result stays (the logits are float32 and padded on cuda).
      if (!m || m.getResidual() || m.getActivation() || m.getNorm() ||
          !m->hasOneUse() ||
          m.getResult().getType() != act.getResult().getType() ||
          llvm::any_of(act->getUsers(),
                       [](Operation *u) { return isa<YieldOp>(u); }))
        continue;
      OpBuilder b(act);
      auto fused =
          MatmulOp::create(b, m.getLoc(), m.getResult().getType(), m.getInput(),
                           m.getWeight(), m.getBias(),
                           /*residual=*/Value(), act.getKindAttr(),
                           /*gated=*/false, /*norm=*/Value(),
                           /*norm_eps=*/FloatAttr(),
                           /*norm_offset=*/llvm::APFloat(0.0),
                           /*layer_norm=*/false, /*norm_bias=*/Value());
      fused->setDiscardableAttrs(m->getDiscardableAttrDictionary());
      act.replaceAllUsesWith(fused.getResult());
      act.erase();
      m.erase();
    }
  }
};

} // namespace
