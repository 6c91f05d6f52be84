//===- OLMCustom.td - custom combinators and fusion --------*- tablegen -*-===//
//
// Custom combinators declared in MLIR (`olm.combinator_def`, used in a
// model by `olm.custom`), the elementwise vocabulary their bodies use
// (`olm.broadcast`), and the fused elementwise op that
// olm-fuse-elementwise forms from them and from built-in merges.
//
//===----------------------------------------------------------------------===//
#ifndef OLM_CUSTOM_TD
#define OLM_CUSTOM_TD

include "olm/Dialect/OLMBase.td"
include "olm/Dialect/OLMInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def OLM_CombinatorDefOp : OLM_Op<"combinator_def", [Symbol, IsolatedFromAbove]> {
  let summary = "A combinator defined in MLIR";
  let description = [{
    Declares a combinator: how many children it has, its own parameters
    and its body. The body takes the input `[batch, seq, ?]` (the feature
    size `?` and the element type are bound where the combinator is used),
    applies children with `olm.apply_child`, reads parameters with
    `olm.param_ref`, and combines with `arith`, `math`, `tensor.extract`
    and `olm.broadcast`. A parameter dimension written `-1` is the input's
    feature size.

    ```mlir
    olm.combinator_def @gated_residual children(1)
        params [{name = "gate", shape = array<i64: 1>, init = "zeros"} ] {
    ^bb0(%x: tensor<?x?x?xf32>):
      %y = olm.apply_child 0, %x : tensor<?x?x?xf32> -> tensor<?x?x?xf32>
      %g = olm.param_ref "gate" : tensor<1xf32>
      ...
      olm.yield %r : tensor<?x?x?xf32>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       ConfinedAttr<I64Attr, [IntMinValue<1>]>:$children,
                       ArrayAttr:$params);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `children` `(` $children `)` `params` $params
    attr-dict-with-keyword $body
  }];
  let hasRegionVerifier = 1;
}

def OLM_ApplyChildOp : OLM_Op<"apply_child"> {
  let summary = "Applies the i-th child of the enclosing combinator";
  let arguments = (ins I64Attr:$index, AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat =
      "$index `,` $input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def OLM_ParamRefOp : OLM_Op<"param_ref", [Pure]> {
  let summary = "Reads a parameter declared by the enclosing combinator_def";
  let arguments = (ins StrAttr:$name);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def OLM_BroadcastOp : OLM_Op<"broadcast", [Pure]> {
  let summary = "Broadcasts a scalar or a per-feature vector to an activation";
  let description = [{
    `%b = olm.broadcast %v like %x`: `%v` is a float scalar (every element)
    or a rank-1 tensor of the activation's feature size (along the last
    dimension); the result has `%x`'s type.
  }];
  let arguments = (ins AnyType:$value, AnyRankedTensor:$like);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat =
      "$value `like` $like attr-dict `:` type($value) `,` type($like) `->` type($result)";
  let hasVerifier = 1;
}

def OLM_ParamOp : OLM_Op<"param", [Pure,
    DeclareOpInterfaceMethods<OLM_LayerOpInterface, ["getParamSpecs"]>]> {
  let summary = "A named parameter of a custom combinator, as a value";
  let description = [{
    What `olm.param_ref` becomes when a custom combinator is inlined: the
    parameter's value, named in `params = {value = "checkpoint.name"}`,
    with its `init` for `init-weights`.
  }];
  let arguments = (ins DictionaryAttr:$params, StrAttr:$init);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
}

def OLM_CustomOp : OLM_Op<"custom", [RecursiveMemoryEffects,
    DeclareOpInterfaceMethods<OLM_CombinatorOpInterface, ["combine"]>,
    DeclareOpInterfaceMethods<OLM_LayerOpInterface, ["getParamSpecs"]>]> {
  let summary = "A use of a combinator defined by olm.combinator_def";
  let description = [{
    Applies the combinator `def` to the input with the children in its
    regions; `params` names each of the definition's parameters.
    `olm-lower-combinators` inlines the definition's body through
    `CombinatorOpInterface::combine`, like a built-in combinator.
  }];
  let arguments = (ins AnyRankedTensor:$input, FlatSymbolRefAttr:$def,
                       DictionaryAttr:$params, OptionalAttr<StrAttr>:$name);
  let results = (outs AnyRankedTensor:$result);
  let regions = (region VariadicRegion<SizedRegion<1>>:$children);
  let assemblyFormat = [{
    $def `(` $input `)` attr-dict `:` type($input) `->` type($result) $children
  }];
  let hasRegionVerifier = 1;
}

def OLM_FusedOp : OLM_Op<"fused", [Pure, IsolatedFromAbove]> {
  let summary = "Elementwise work fused into one loop";
  let description = [{
    Formed by olm-fuse-elementwise: the body computes the result element by
    element from the inputs (activations `[batch, seq, F]` read at the same
    element, weights read whole or per feature) with `arith`, `math`,
    `tensor.extract` and `olm.broadcast`; backends emit one loop for it.
  }];
  let arguments = (ins Variadic<AnyType>:$inputs);
  let results = (outs AnyRankedTensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $inputs `)` attr-dict `:` functional-type($inputs, $result) $body
  }];
}

#endif // OLM_CUSTOM_TD
