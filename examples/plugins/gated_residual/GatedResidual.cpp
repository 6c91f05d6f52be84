//===- GatedResidual.cpp - the gres dialect plugin ------------------------===//
//
// gres.gated_residual computes x + sigmoid(g) * body(x). Everything olmc
// needs to know about it is here:
//   - verifyRegions: what a well-formed use looks like;
//   - getParamSpecs (LayerOpInterface): its parameter `gate`, shape [1], so
//     the frontend names it (`<path>.gate`) and repeats number it;
//   - combine (CombinatorOpInterface): the computation, built from the child
//     and elementwise ops that olm-fuse-elementwise fuses into one loop with
//     its neighbours; the gate becomes an olm.param, an ordinary weight
//     (safetensors, init-weights).
// OLMC_DIALECT_PLUGIN at the end is the entry point olmc loads.
//
//===----------------------------------------------------------------------===//
#include "GatedResidual.h"

#include "olmc/Plugin/DialectPlugin.h"

using namespace mlir;

#include "GatedResidualDialect.cpp.inc"

void gres::GresDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "GatedResidual.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "GatedResidual.cpp.inc"

namespace gres {

LogicalResult GatedResidualOp::verifyRegions() {
  auto in = dyn_cast<RankedTensorType>(getInput().getType());
  if (!in || in.getRank() != 3 || !isa<FloatType>(in.getElementType()))
    return emitOpError("applies to an activation tensor<BxTxFxf..>, got ")
           << getInput().getType();
  auto yield = cast<olm::YieldOp>(getBody().front().getTerminator());
  Type out = yield.getValues()[0].getType();
  if (out != in)
    return emitOpError("the body must keep the input type ")
           << in << " (x + sigmoid(g) * body(x)), but it yields " << out;
  if (getResult().getType() != in)
    return emitOpError("result type ")
           << getResult().getType() << " must be the input type " << in;
  return success();
}

SmallVector<olm::ParamSpec> GatedResidualOp::getParamSpecs() {
  return {olm::ParamSpec{"gate", {1}, /*required=*/true}};
}

FailureOr<Value> GatedResidualOp::combine(OpBuilder &b, Value input,
                                          olm::ChildApplyFn applyChild) {
  FailureOr<Value> y = applyChild(b, 0, olm::IndexBinding{}, input);
  if (failed(y))
    return failure();
  Location loc = getLoc();
  Type element = cast<RankedTensorType>(input.getType()).getElementType();

  // The gate: a named parameter, read as a scalar.
  auto name = getParams().getAs<StringAttr>("gate");
  Value gate = olm::ParamOp::create(
      b, loc, RankedTensorType::get({1}, element),
      b.getDictionaryAttr({b.getNamedAttr("value", name)}),
      b.getStringAttr(getGateInit()));
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value g = tensor::ExtractOp::create(b, loc, gate, ValueRange{c0});

  // sigmoid(g) = 1 / (1 + exp(-g))
  Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(element, 1.0));
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, g));
  Value sig = arith::DivFOp::create(
      b, loc, one, arith::AddFOp::create(b, loc, one, e));

  // x + sigmoid(g) * y, elementwise.
  Value s = olm::BroadcastOp::create(b, loc, y->getType(), sig, *y);
  Value gy = arith::MulFOp::create(b, loc, s, *y);
  return arith::AddFOp::create(b, loc, input, gy).getResult();
}

} // namespace gres

OLMC_DIALECT_PLUGIN("gres", "1.0", [](DialectRegistry *registry) {
  registry->insert<gres::GresDialect>();
})
