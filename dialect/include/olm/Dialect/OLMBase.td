//===- OLMBase.td - The olm dialect definition -------------*- tablegen -*-===//
#ifndef OLM_BASE_TD
#define OLM_BASE_TD

include "mlir/IR/OpBase.td"

def OLM_Dialect : Dialect {
  let name = "olm";
  let cppNamespace = "::olm";
  let summary = "Transformer language models as composition";
  let description = [{
    The `olm` dialect describes a language model the way its architecture
    diagram reads. *Structure ops* (`olm.block`, `olm.residual`,
    `olm.repeat`, `olm.parallel`) hold their children in regions and say how
    the children are combined; they all implement `CombinatorOpInterface`, so
    passes treat built-in and user-defined combinators alike. *Layer ops*
    (`olm.embedding`, `olm.attention`, `olm.gated_ffn`, ...) are the
    components; they implement `LayerOpInterface`, which lists the named
    parameters (weights) each one owns.

    All values are ranked tensors with value semantics. Activations have the
    shape `[batch, seq, features]` where batch and seq are dynamic. Token ids
    are `tensor<?x?xi32>`.

    Parameters are named by strings such as `layers.{i}.attn.q_proj.weight`.
    A `{...}` placeholder is an affine expression of the index variables of
    the enclosing `olm.repeat` ops (for example `{i}` or `{2*i+1}`); expanding
    the repeat substitutes the iteration number. Every weight therefore has a
    stable hierarchical name that maps onto a checkpoint tensor.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

/// A string attribute restricted to a fixed set of spellings.
class OLM_StrOneOf<list<string> values> : ConfinedAttr<StrAttr, [
    AttrConstraint<CPred<!interleave(!foreach(v, values,
        "::llvm::cast<::mlir::StringAttr>($_self).getValue() == \"" # v # "\""),
        " || ")>, "whose value is one of: " # !interleave(values, ", ")>]>;

class OLM_Op<string mnemonic, list<Trait> traits = []>
    : Op<OLM_Dialect, mnemonic, traits>;

#endif // OLM_BASE_TD
