//===- FuseMatmulResidual.cpp - residual adds into matmuls -----------------===//
//
// x + linear(y) is the shape of every residual block's end. A GEMM can add
// C to its product for free (beta = 1), so the add becomes part of the
// matmul: one kernel and one read-modify-write of the activation fewer per
// residual block.
//
//===----------------------------------------------------------------------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "olm/Dialect/OLMOps.h"
#include "olmc/Transforms/Passes.h"

namespace olmc {
#define GEN_PASS_DEF_FUSEMATMULRESIDUAL
#include "olmc/Transforms/Passes.h.inc"
} // namespace olmc

using namespace mlir;
using namespace olm;

namespace {

/// The matmul among the add's operands that can take the other operand as
/// its residual, or null.
MatmulOp fusableProduct(arith::AddFOp add, Value &residual) {
  for (unsigned i = 0; i < 2; ++i) {
    auto m = add->getOperand(i).getDefiningOp<MatmulOp>();
    Value other = add->getOperand(1 - i);
    if (!m || m.getResidual() || m.getActivation() || m.getNorm() ||
        !m->hasOneUse() || other.getType() != m.getResult().getType())
      continue;
    residual = other;
    return m;
  }
  return MatmulOp();
}

struct FuseMatmulResidualPass
    : olmc::impl::FuseMatmulResidualBase<FuseMatmulResidualPass> {
  void runOnOperation() override {
    ModelOp model = getOperation();
    SmallVector<arith::AddFOp> adds;
    model.getBody().front().walk([&](arith::AddFOp add) {
      if (isa<RankedTensorType>(add.getType()))
        adds.push_back(add);
    });
    for (arith::AddFOp add : adds) {
      if (llvm::any_of(add->getUsers(),
                       [](Operation *u) { return isa<YieldOp>(u); }))
        continue;
      Value residual;
      MatmulOp m = fusableProduct(add, residual);
      if (!m)
        continue;
      // The residual must be available where the matmul runs: it is
      // defined before the add; move the matmul down to the add.
      OpBuilder b(add);
      auto fused = MatmulOp::create(
          b, m.getLoc(), m.getResult().getType(), m.getInput(), m.getWeight(),
          m.getBias(), residual, /*activation=*/StringAttr(),
          /*gated=*/false, /*norm=*/Value(),
          /*norm_eps=*/FloatAttr(), /*norm_offset=*/llvm::APFloat(0.0),
          /*layer_norm=*/false, /*norm_bias=*/Value());
      fused->setDiscardableAttrs(m->getDiscardableAttrDictionary());
      add.replaceAllUsesWith(fused.getResult());
      add.erase();
      m.erase();
    }
  }
};

} // namespace
