//===- OLMInterfaces.td - olm op interfaces ----------------*- tablegen -*-===//
#ifndef OLM_INTERFACES_TD
#define OLM_INTERFACES_TD

include "mlir/IR/OpBase.td"

def OLM_CombinatorOpInterface : OpInterface<"CombinatorOpInterface"> {
  let cppNamespace = "::olm";
  let description = [{
    A combinator takes one input value, owns one or more child regions
    ("children"), and combines the results of applying its children.
    Each child region has exactly one block whose single argument is the
    child's input, terminated by `olm.yield` with the child's output.

    `combine` is the single place that defines what a combinator computes:
    it is given a callback that applies child `i` to a value (with the
    repeat index bindings in effect) and builds the combination from
    primitive ops. Structural lowering (`olm-lower-combinators`) and any
    analysis that needs a combinator's meaning go through it, so a custom
    combinator (built in C++ or declared in MLIR) lowers, fuses and runs
    like the built-in ones without changes to the compiler.
  }];

  let methods = [
    InterfaceMethod<"The value the combinator is applied to.",
      "::mlir::Value", "getCombinatorInput", (ins), [{}],
      [{ return $_op->getOperand(0); }]>,
    InterfaceMethod<"Number of child regions.",
      "unsigned", "getNumChildren", (ins), [{}],
      [{ return $_op->getNumRegions(); }]>,
    InterfaceMethod<"The i-th child region.",
      "::mlir::Region &", "getChild", (ins "unsigned":$i), [{}],
      [{ return $_op->getRegion(i); }]>,
    InterfaceMethod<[{
        How many times child `i` is applied and which index binding
        (name, value) each application has; empty name means none.
        The default is one application without a binding.
      }],
      "::llvm::SmallVector<::olm::IndexBinding>", "getChildBindings",
      (ins "unsigned":$i), [{}],
      [{ return {::olm::IndexBinding{}}; }]>,
    InterfaceMethod<[{
        Builds the combination at the builder's insertion point and returns
        the result. `applyChild(b, childIndex, binding, input)` materialises
        one application of a child and returns its output.
      }],
      "::mlir::FailureOr<::mlir::Value>", "combine",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Value":$input,
           "::olm::ChildApplyFn":$applyChild)>,
  ];

  let verify = [{ return ::olm::detail::verifyCombinatorOp($_op); }];
  let verifyWithRegions = 1;
}

def OLM_LayerOpInterface : OpInterface<"LayerOpInterface"> {
  let cppNamespace = "::olm";
  let description = [{
    A layer op is a component with named parameters. `getParamSpecs` lists
    every parameter the op's attributes call for: its role (`q_weight`,
    `bias`, ...), whether the op requires it, and its shape. The op's
    `params` dictionary maps each role to the hierarchical checkpoint name.
    The interface verifier checks that required roles are named, unknown
    roles are absent, and every `{...}` placeholder in a name is bound by an
    enclosing `olm.repeat`.
  }];

  let methods = [
    InterfaceMethod<"Parameters called for by the op's attributes.",
      "::llvm::SmallVector<::olm::ParamSpec>", "getParamSpecs", (ins)>,
    InterfaceMethod<"Role -> checkpoint name.",
      "::mlir::DictionaryAttr", "getParamNames", (ins), [{}],
      [{ return $_op->template getAttrOfType<::mlir::DictionaryAttr>("params"); }]>,
  ];

  let verify = [{ return ::olm::detail::verifyLayerOp($_op); }];
}

#endif // OLM_INTERFACES_TD
