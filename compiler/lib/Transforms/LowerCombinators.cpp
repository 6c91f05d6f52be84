//===- LowerCombinators.cpp - inline structure ops ------------------------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "olm/Dialect/OLMOps.h"
#include "olmc/Transforms/Passes.h"

namespace olmc {
#define GEN_PASS_DEF_LOWERCOMBINATORS
#include "olmc/Transforms/Passes.h.inc"
} // namespace olmc

using namespace mlir;
using namespace olm;

namespace {

/// Rewrites the parameter names of every layer op under `root` (inclusive)
/// with `binding` substituted.
LogicalResult bindParamNames(Operation *root, const IndexBinding &binding) {
  if (binding.name.empty())
    return success();
  WalkResult result = root->walk([&](LayerOpInterface layer) {
    DictionaryAttr names = layer.getParamNames();
    if (!names)
      return WalkResult::advance();
    SmallVector<NamedAttribute> rewritten;
    for (NamedAttribute entry : names) {
      auto str = cast<StringAttr>(entry.getValue());
      std::string out, error;
      if (!substituteParamName(str.getValue(), {binding}, out, error)) {
        layer->emitError(error);
        return WalkResult::interrupt();
      }
      rewritten.push_back(
          NamedAttribute(entry.getName(), StringAttr::get(str.getContext(), out)));
    }
    layer->setAttr("params", DictionaryAttr::get(names.getContext(), rewritten));
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// Inlines one application of `child` (a single-block region taking the
/// input and yielding the output) at the builder's insertion point.
FailureOr<Value> inlineChild(OpBuilder &b, Region &child,
                             const IndexBinding &binding, Value input) {
  Block &body = child.front();
  IRMapping mapping;
  mapping.map(body.getArgument(0), input);
  for (Operation &op : body.without_terminator()) {
    Operation *clone = b.clone(op, mapping);
    if (failed(bindParamNames(clone, binding)))
      return failure();
  }
  auto yield = cast<YieldOp>(body.getTerminator());
  return mapping.lookupOrDefault(yield.getValues()[0]);
}

struct LowerCombinatorsPass
    : olmc::impl::LowerCombinatorsBase<LowerCombinatorsPass> {
  void runOnOperation() override {
    while (true) {
      // Outermost first: its copies carry the nested combinators along.
      CombinatorOpInterface next;
      getOperation().walk<WalkOrder::PreOrder>([&](CombinatorOpInterface op) {
        next = op;
        return WalkResult::interrupt();
      });
      if (!next)
        return;
      OpBuilder b(next);
      FailureOr<Value> result = next.combine(
          b, next.getCombinatorInput(),
          [&](OpBuilder &builder, unsigned child, const IndexBinding &binding,
              Value input) {
            return inlineChild(builder, next.getChild(child), binding, input);
          });
      if (failed(result)) {
        next->emitError("failed to lower combinator");
        return signalPassFailure();
      }
      next->getResult(0).replaceAllUsesWith(*result);
      next->erase();
    }
  }
};

} // namespace
