//===- Passes.td - olmc compiler passes --------------------*- tablegen -*-===//
#ifndef OLMC_TRANSFORMS_PASSES_TD
#define OLMC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerCombinators : Pass<"olm-lower-combinators", "::olm::ModelOp"> {
  let summary = "Inline structure ops (built-in and custom) through "
                "CombinatorOpInterface";
  let description = [{
    Replaces every op implementing `CombinatorOpInterface` by what its
    `combine` method builds: children are inlined (one copy per
    application; each copy of a repeat body gets its iteration number
    substituted into the `{...}` placeholders of its parameter names) and
    merged with primitive ops (`arith.addf` for residual and sum,
    `tensor.concat` for concat). Outermost combinators are lowered first.
    Unrolling makes compile time grow with depth; a later version may
    instead lower `olm.repeat` to a loop over stacked weights.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // OLMC_TRANSFORMS_PASSES_TD
