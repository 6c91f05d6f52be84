//===- GatedResidual.td - the gres dialect ------------------*- tablegen -*-===//
//
// An example olmc dialect plugin: a gated residual combinator, declared in
// ODS like any MLIR op. It implements olm's CombinatorOpInterface (how it
// combines its child; olm-lower-combinators calls `combine`) and
// LayerOpInterface (its learned gate is a named parameter).
//
//===----------------------------------------------------------------------===//
#ifndef GRES_TD
#define GRES_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "olm/Dialect/OLMInterfaces.td"

def Gres_Dialect : Dialect {
  let name = "gres";
  let cppNamespace = "::gres";
  let summary = "Gated residual combinator (an olmc dialect plugin)";
  // What `combine` builds: olm.param/olm.broadcast, arith, math, tensor.
  let dependentDialects = ["::olm::OLMDialect", "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

/// An initialiser `olmc init-weights` knows.
def Gres_InitAttr : ConfinedAttr<StrAttr, [AttrConstraint<
    CPred<[{::llvm::is_contained({"zeros", "ones", "normal"},
             ::llvm::cast<::mlir::StringAttr>($_self).getValue())}]>,
    "whose value is zeros, ones or normal">]>;

def Gres_GatedResidualOp : Op<Gres_Dialect, "gated_residual", [
    RecursiveMemoryEffects,
    DeclareOpInterfaceMethods<OLM_CombinatorOpInterface, ["combine"]>,
    DeclareOpInterfaceMethods<OLM_LayerOpInterface, ["getParamSpecs"]>]> {
  let summary = "x + sigmoid(g) * body(x), with a learned scalar gate g";
  let description = [{
    The seed library's GatedResidual. `params` names the gate (role
    `gate`, shape [1]); `gate_init` is what `olmc init-weights` writes for
    it (`zeros`, as `torch.zeros(1)`, by default). In a model YAML:

    ```yaml
    - gres.gated_residual:
        name: attn_block
        gate_init: zeros          # optional
        body:
          - rmsnorm: {dim: 64}
          - attention: {dim: 64, heads: 4}
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DictionaryAttr:$params,
                       OptionalAttr<StrAttr>:$name,
                       DefaultValuedStrAttr<Gres_InitAttr, "zeros">:$gate_init);
  let results = (outs AnyRankedTensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($result) $body";
  let hasRegionVerifier = 1;
}

#endif // GRES_TD
