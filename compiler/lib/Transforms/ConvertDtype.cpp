//===- ConvertDtype.cpp - set the compute dtype ---------------------------===//
#include "olm/Dialect/OLMOps.h"
#include "olmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace olmc {
#define GEN_PASS_DEF_CONVERTDTYPE
#include "olmc/Transforms/Passes.h.inc"
} // namespace olmc

using namespace mlir;

namespace {

Type withElement(Type type, Type element) {
  // Scalars too: the bodies of custom combinators compute on values they
  // extract from their parameters (generated code computes in f32 anyway;
  // the types only say what memory holds).
  if (isa<FloatType>(type))
    return element;
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || !isa<FloatType>(t.getElementType()))
    return type;
  return RankedTensorType::get(t.getShape(), element);
}

struct ConvertDtypePass : olmc::impl::ConvertDtypeBase<ConvertDtypePass> {
  using ConvertDtypeBase::ConvertDtypeBase;
  void runOnOperation() override {
    olm::ModelOp model = getOperation();
    Builder b(model);
    Type element = dtype == "f32"   ? Type(b.getF32Type())
                   : dtype == "f16" ? Type(b.getF16Type())
                   : dtype == "bf16"
                       ? Type(b.getBF16Type())
                       : Type();
    if (!element) {
      model.emitError("unknown dtype '") << dtype << "'";
      return signalPassFailure();
    }
    model.setDtype(element);
    model.walk([&](Operation *op) {
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            arg.setType(withElement(arg.getType(), element));
      for (OpResult result : op->getResults())
        result.setType(withElement(result.getType(), element));
      // Float constants (e.g. the 1/N of a mean merge) follow.
      if (auto cst = dyn_cast<arith::ConstantOp>(op))
        if (auto f = dyn_cast<FloatAttr>(cst.getValue()))
          if (f.getType() != element && isa<FloatType>(f.getType())) {
            cst.setValueAttr(FloatAttr::get(element, f.getValueAsDouble()));
            cst.getResult().setType(element);
          }
    });
  }
};

} // namespace
