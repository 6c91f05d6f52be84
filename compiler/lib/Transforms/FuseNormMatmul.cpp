//===- FuseNormMatmul.cpp - an RMSNorm into the product that reads it -----===//
//
// Every pre-norm transformer layer normalises the residual stream and hands
// the result to one product (the merged q/k/v, the merged gate/up), and the
// final norm feeds the head. At batch 1 the norm is a kernel of its own
// that reads and writes one row between two products, and the product then
// reads that row again: the cuda target's GEMV can normalise the row it
// reads anyway, so the norm's kernel goes (two a layer in a decode step).
// The normalised row is rounded to the compute dtype before the products,
// as the separate op would have stored it, so the numbers do not change.
//
//===----------------------------------------------------------------------===//
#include "olm/Dialect/OLMOps.h"
#include "olmc/Transforms/Passes.h"

namespace olmc {
#define GEN_PASS_DEF_FUSENORMMATMUL
#include "olmc/Transforms/Passes.h.inc"
} // namespace olmc

using namespace mlir;
using namespace olm;

namespace {

struct FuseNormMatmulPass : olmc::impl::FuseNormMatmulBase<FuseNormMatmulPass> {
  void runOnOperation() override {
    SmallVector<MatmulOp> products;
    getOperation().getBody().front().walk(
        [&](MatmulOp m) { products.push_back(m); });
    for (MatmulOp m : products) {
      auto n = m.getInput().getDefiningOp<RMSNormPrimOp>();
      // The normalised activation must be read by this product alone (a
      // second reader would need it stored anyway), and the product must
      // not also take it as its residual.
      if (!n || m.getNorm() || !n->hasOneUse() ||
          m.getResidual() == n.getResult())
        continue;
      OpBuilder b(m);
      auto fused = MatmulOp::create(
          b, m.getLoc(), m.getResult().getType(), n.getInput(), m.getWeight(),
          m.getBias(), m.getResidual(), m.getActivationAttr(), m.getGatedAttr(),
          n.getWeight(), n.getEpsAttr(), n.getWeightOffsetAttr());
      fused->setDiscardableAttrs(m->getDiscardableAttrDictionary());
      m.replaceAllUsesWith(fused.getResult());
      m.erase();
      n.erase();
    }
  }
};

} // namespace
