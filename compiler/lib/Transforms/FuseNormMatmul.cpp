//===- FuseNormMatmul.cpp - a norm into the product that reads it ---------===//
//
// Every pre-norm transformer layer normalises the residual stream and hands
// the result to one product (the merged q/k/v, the merged gate/up, GPT-2's
// fc), and the final norm feeds the head. At batch 1 the norm is a kernel
// of its own that reads and writes one row between two products, and the
// product then reads that row again: the cuda target's GEMV can normalise
// the row it reads anyway, so the norm's kernel goes. RMSNorms and
// LayerNorms with an affine weight are folded. Gated products only with
// the `gated` option: measured on an H200, the normed gated GEMV lost more
// than the norm kernel cost (bench/NOTES.md, versions 6b to 8).
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
  using FuseNormMatmulBase::FuseNormMatmulBase;

  void runOnOperation() override {
    SmallVector<MatmulOp> products;
    getOperation().getBody().front().walk(
        [&](MatmulOp m) { products.push_back(m); });
    for (MatmulOp m : products) {
      if (m.getNorm() || (m.getGated() && !gated))
        continue;
      Operation *n = m.getInput().getDefiningOp();
      // The normalised activation must be read by this product alone (a
      // second reader would need it stored anyway); a product that also
      // takes it as its residual reads it twice, which the one-use test
      // already refuses.
      if (!n || !n->hasOneUse())
        continue;
      Value x, weight, normBias;
      FloatAttr eps;
      llvm::APFloat offset(0.0);
      bool layer = false;
      if (auto rms = dyn_cast<RMSNormPrimOp>(n)) {
        x = rms.getInput();
        weight = rms.getWeight();
        eps = rms.getEpsAttr();
        offset = rms.getWeightOffset();
      } else if (auto ln = dyn_cast<LayerNormPrimOp>(n)) {
        // Without an affine weight there is nothing to pass as `norm`.
        if (ln.getAffine().empty())
          continue;
        x = ln.getInput();
        weight = ln.getAffine()[0];
        normBias = ln.getAffine().size() > 1 ? ln.getAffine()[1] : Value();
        eps = ln.getEpsAttr();
        layer = true;
      } else {
        continue;
      }
      OpBuilder b(m);
      auto fused = MatmulOp::create(b, m.getLoc(), m.getResult().getType(), x,
                                    m.getWeight(), m.getBias(), m.getResidual(),
                                    m.getActivationAttr(), m.getGated(), weight,
                                    eps, offset, layer, normBias);
      fused->setDiscardableAttrs(m->getDiscardableAttrDictionary());
      m.replaceAllUsesWith(fused.getResult());
      m.erase();
      n->erase();
    }
  }
};

} // namespace
