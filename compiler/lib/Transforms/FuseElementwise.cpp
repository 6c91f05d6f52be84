//===- FuseElementwise.cpp - chains of elementwise work -> olm.fused ------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "olm/Dialect/OLMOps.h"
#include "olmc/Transforms/Passes.h"

#include "llvm/ADT/SetVector.h"

namespace olmc {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "olmc/Transforms/Passes.h.inc"
} // namespace olmc

using namespace mlir;
using namespace olm;

namespace {

bool isActivation(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() == 3;
}

/// Elementwise compute: float arithmetic and math on tensors or scalars,
/// and broadcasts.
bool isCompute(Operation *op) {
  if (op->getNumResults() != 1)
    return false;
  if (isa<BroadcastOp>(op))
    return true;
  if (!isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
           arith::NegFOp, arith::MaximumFOp, arith::MinimumFOp, math::ExpOp,
           math::TanhOp, math::LogOp, math::SqrtOp, math::RsqrtOp>(op))
    return false;
  return true;
}

/// Values that are free to recompute inside every group that needs them.
bool isHelper(Operation *op) {
  return isa<arith::ConstantOp, tensor::ExtractOp, tensor::SplatOp,
             tensor::DimOp>(op);
}

struct FuseElementwisePass
    : olmc::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    ModelOp model = getOperation();
    Block &body = model.getBody().front();
    SmallVector<Operation *> ops;
    for (Operation &op : body)
      ops.push_back(&op);
    DenseSet<Operation *> grouped;
    for (Operation *root : llvm::reverse(ops)) {
      if (grouped.contains(root) || !isCompute(root) ||
          !isActivation(root->getResult(0)))
        continue;
      // Absorb producers whose every use is inside the group.
      llvm::SetVector<Operation *> group;
      group.insert(root);
      SmallVector<Operation *> work{root};
      while (!work.empty()) {
        Operation *op = work.pop_back_val();
        for (Value operand : op->getOperands()) {
          Operation *def = operand.getDefiningOp();
          if (!def || group.contains(def) || grouped.contains(def))
            continue;
          bool helper = isHelper(def);
          if (!helper && !isCompute(def))
            continue;
          bool internal = llvm::all_of(def->getUsers(), [&](Operation *u) {
            return group.contains(u);
          });
          if (!helper && !internal)
            continue;
          group.insert(def);
          work.push_back(def);
        }
      }
      SmallVector<Operation *> ordered(group.begin(), group.end());
      llvm::sort(ordered, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
      // Inputs: values the group reads but does not compute.
      llvm::SetVector<Value> inputs;
      for (Operation *op : ordered)
        for (Value v : op->getOperands())
          if (!group.contains(v.getDefiningOp()))
            inputs.insert(v);

      OpBuilder b(root);
      auto fused = FusedOp::create(b, root->getLoc(),
                                   root->getResult(0).getType(),
                                   inputs.getArrayRef());
      Block *inner = new Block();
      fused.getBody().push_back(inner);
      IRMapping mapping;
      for (Value v : inputs)
        mapping.map(v, inner->addArgument(v.getType(), v.getLoc()));
      OpBuilder ib = OpBuilder::atBlockEnd(inner);
      for (Operation *op : ordered)
        ib.clone(*op, mapping);
      YieldOp::create(ib, root->getLoc(),
                      ValueRange{mapping.lookup(root->getResult(0))});
      root->getResult(0).replaceAllUsesWith(fused.getResult());
      for (Operation *op : llvm::reverse(ordered))
        if (op->use_empty()) {
          grouped.insert(op);
          op->erase();
        }
    }
  }
};

} // namespace
