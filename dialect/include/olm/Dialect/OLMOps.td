//===- OLMOps.td - olm structure and layer ops -------------*- tablegen -*-===//
#ifndef OLM_OPS_TD
#define OLM_OPS_TD

include "olm/Dialect/OLMBase.td"
include "olm/Dialect/OLMInterfaces.td"
include "olm/Dialect/OLMPrimitives.td"
include "olm/Dialect/OLMCustom.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

def OLM_ModelOp : OLM_Op<"model", [Symbol, IsolatedFromAbove]> {
  let summary = "A language model: token ids in, logits out";
  let description = [{
    The root of a compiled model. Its single-block body takes the token ids
    (`tensor<?x?xi32>`, batch by sequence) and yields the logits
    (`tensor<?x?xVOCABxT>`). Positions are implicit: the body describes one
    forward pass over tokens at positions `p .. p+T`; lowering introduces
    the KV cache and the prefill and decode entry points.

    ```mlir
    olm.model @tiny attributes {dtype = f32} {
    ^bb0(%ids: tensor<?x?xi32>):
      ...
      olm.yield %logits : tensor<?x?x256xf32>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttr:$dtype);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
}

def OLM_YieldOp : OLM_Op<"yield", [Pure, Terminator, ReturnLike]> {
  let summary = "Ends a model, child or combinator-definition region";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, {}); }]>];
}

//===----------------------------------------------------------------------===//
// Structure ops (combinators)
//===----------------------------------------------------------------------===//

class OLM_StructureOp<string mnemonic, list<Trait> traits = []>
    : OLM_Op<mnemonic, !listconcat(traits, [
        RecursiveMemoryEffects, RecursivelySpeculatable,
        DeclareOpInterfaceMethods<OLM_CombinatorOpInterface,
                                  ["combine", "getChildBindings"]>])> {
  let results = (outs AnyRankedTensor:$result);
  let hasRegionVerifier = 1;
}

def OLM_BlockOp : OLM_StructureOp<"block"> {
  let summary = "Sequential container: the body's ops run in order";
  let description = [{
    `olm.block` groups a sequence of components. Its body takes the input
    and yields the output; it exists so that structure stays visible (and
    named) until lowering inlines it. An optional `name` adds a component
    to the hierarchical names of the parameters inside.

    ```mlir
    %y = olm.block %x {name = "attn"} : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
    ^bb0(%a: tensor<?x?x64xf32>):
      ...
      olm.yield %z : tensor<?x?x64xf32>
    }
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, OptionalAttr<StrAttr>:$name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($result) $body";
}

def OLM_ResidualOp : OLM_StructureOp<"residual"> {
  let summary = "Skip connection: x + body(x)";
  let description = [{
    Computes `x + body(x)`. The body's output type must equal the input
    type.
  }];
  let arguments = (ins AnyRankedTensor:$input, OptionalAttr<StrAttr>:$name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($result) $body";
}

def OLM_RepeatOp : OLM_StructureOp<"repeat"> {
  let summary = "count independent copies of the body, applied in sequence";
  let description = [{
    Applies the body `count` times, threading the output of one iteration
    into the next. As with a factory in the seed library, every iteration
    has its own weights: parameter names inside the body contain `{index}`
    placeholders (affine in `index`, e.g. `{i}` or `{2*i+1}`), and
    iteration `k` binds `index = k`. The body's output type must equal its
    input type.

    ```mlir
    %y = olm.repeat %x count 12 index "i" : tensor<?x?x768xf32> -> tensor<?x?x768xf32> {
    ^bb0(%a: tensor<?x?x768xf32>):
      %n = olm.layernorm %a {dim = 768, params = {weight = "h.{i}.ln_1.weight", bias = "h.{i}.ln_1.bias"}} : ...
      ...
    }
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       ConfinedAttr<I64Attr, [IntMinValue<1>]>:$count,
                       StrAttr:$index, OptionalAttr<StrAttr>:$name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $input `count` $count `index` $index attr-dict `:` type($input) `->`
    type($result) $body
  }];
}

def OLM_ParallelOp : OLM_StructureOp<"parallel"> {
  let summary = "N branches on the same input, merged";
  let description = [{
    Applies every branch to the same input and merges the outputs:
    `sum` and `mean` need equal output types; `concat` joins along `dim`
    (negative counts from the end), where the other dimensions must agree.
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       DefaultValuedAttr<OLM_StrOneOf<["sum", "mean", "concat"]>,
                                         "\"sum\"">:$merge,
                       DefaultValuedAttr<I64Attr, "-1">:$dim,
                       OptionalAttr<StrAttr>:$name);
  let regions = (region VariadicRegion<SizedRegion<1>>:$branches);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($result) $branches
  }];
}

//===----------------------------------------------------------------------===//
// Layer ops
//===----------------------------------------------------------------------===//

class OLM_LayerOp<string mnemonic, list<Trait> traits = []>
    : OLM_Op<mnemonic, !listconcat(traits, [Pure,
        DeclareOpInterfaceMethods<OLM_LayerOpInterface, ["getParamSpecs"]>])> {
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def OLM_EmbeddingOp : OLM_LayerOp<"embedding"> {
  let summary = "Token embedding: ids [B,T] -> [B,T,dim]";
  let description = [{
    Looks up row `id` of the `weight` parameter `[vocab, dim]` and
    multiplies it by `scale` (Gemma uses `sqrt(dim)`).
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       ConfinedAttr<I64Attr, [IntMinValue<1>]>:$vocab,
                       ConfinedAttr<I64Attr, [IntMinValue<1>]>:$dim,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale,
                       DictionaryAttr:$params);
}

def OLM_PosEmbeddingOp : OLM_LayerOp<"pos_embedding"> {
  let summary = "Learned absolute position embedding: x + P[pos + offset]";
  let arguments = (ins AnyRankedTensor:$input,
                       ConfinedAttr<I64Attr, [IntMinValue<1>]>:$max_positions,
                       ConfinedAttr<I64Attr, [IntMinValue<1>]>:$dim,
                       DefaultValuedAttr<I64Attr, "0">:$offset,
                       DictionaryAttr:$params);
}

def OLM_LayerNormOp : OLM_LayerOp<"layernorm"> {
  let summary = "LayerNorm over the last dimension";
  let description = [{
    `(x - mean) / sqrt(var + eps)`, then `* weight` when `affine` and
    `+ bias` when `affine` and `bias`. Statistics are computed in f32.
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       ConfinedAttr<I64Attr, [IntMinValue<1>]>:$dim,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps,
                       DefaultValuedAttr<BoolAttr, "true">:$affine,
                       DefaultValuedAttr<BoolAttr, "true">:$bias,
                       DictionaryAttr:$params);
}

def OLM_RMSNormOp : OLM_LayerOp<"rmsnorm"> {
  let summary = "RMSNorm over the last dimension, computed in f32";
  let description = [{
    `x / sqrt(mean(x^2) + eps) * (weight + weight_offset)`; Gemma stores
    `weight - 1` and uses `weight_offset = 1`.
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       ConfinedAttr<I64Attr, [IntMinValue<1>]>:$dim,
                       DefaultValuedAttr<F64Attr, "1e-6">:$eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_offset,
                       DictionaryAttr:$params);
}

def OLM_LinearOp : OLM_LayerOp<"linear"> {
  let summary = "y = x W^T (+ b)";
  let description = [{
    `weight` is `[out_features, in_features]` (`weight_layout = "out_in"`,
    torch.nn.Linear) or `[in_features, out_features]` (`"in_out"`,
    GPT-2's Conv1D).
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       ConfinedAttr<I64Attr, [IntMinValue<1>]>:$in_features,
                       ConfinedAttr<I64Attr, [IntMinValue<1>]>:$out_features,
                       DefaultValuedAttr<BoolAttr, "false">:$bias,
                       DefaultValuedAttr<OLM_StrOneOf<["out_in", "in_out"]>,
                                         "\"out_in\"">:$weight_layout,
                       DictionaryAttr:$params);
}

def OLM_AttentionOp : OLM_LayerOp<"attention"> {
  let summary = "Multi-head / grouped-query self-attention";
  let description = [{
    Self-attention with `heads` query heads and `kv_heads` key/value heads
    (MHA when equal, GQA when `kv_heads` divides `heads`, MQA when 1), each
    of size `head_dim`.

    * RoPE when `rope_theta` is present: `rope_layout` `half` rotates the
      two halves of each head (Hugging Face `rotate_half`), `interleaved`
      rotates adjacent pairs; `rope_fraction` of each head is rotated;
      `rope_scaling` holds e.g. `{type = "llama3", factor = 32.0, ...}`.
    * `qk_norm` normalises q and k per head before RoPE.
    * `softcap > 0` applies `softcap * tanh(logits / softcap)`.
    * `sliding_window > 0` lets a query see only that many most recent keys.
    * `scale` defaults to `1/sqrt(head_dim)`.
    * `qkv_layout`: `separate` (q/k/v weights), `fused` (one weight with
      q, k, v stacked, as GPT-2's `c_attn`), or `fused_per_head` (stacked
      per head, as GPT-NeoX's `query_key_value`).
  }];
  let arguments = (ins
      AnyRankedTensor:$input,
      ConfinedAttr<I64Attr, [IntMinValue<1>]>:$dim,
      ConfinedAttr<I64Attr, [IntMinValue<1>]>:$heads,
      ConfinedAttr<I64Attr, [IntMinValue<1>]>:$kv_heads,
      ConfinedAttr<I64Attr, [IntMinValue<1>]>:$head_dim,
      DefaultValuedAttr<BoolAttr, "true">:$causal,
      DefaultValuedAttr<BoolAttr, "false">:$qkv_bias,
      DefaultValuedAttr<BoolAttr, "false">:$out_bias,
      OptionalAttr<F64Attr>:$rope_theta,
      DefaultValuedAttr<OLM_StrOneOf<["half", "interleaved"]>,
                        "\"half\"">:$rope_layout,
      DefaultValuedAttr<F64Attr, "1.0">:$rope_fraction,
      OptionalAttr<DictionaryAttr>:$rope_scaling,
      DefaultValuedAttr<OLM_StrOneOf<["none", "rmsnorm", "layernorm"]>,
                        "\"none\"">:$qk_norm,
      DefaultValuedAttr<F64Attr, "1e-6">:$qk_norm_eps,
      DefaultValuedAttr<F64Attr, "0.0">:$softcap,
      DefaultValuedAttr<I64Attr, "0">:$sliding_window,
      OptionalAttr<F64Attr>:$scale,
      DefaultValuedAttr<OLM_StrOneOf<["separate", "fused", "fused_per_head"]>,
                        "\"separate\"">:$qkv_layout,
      DefaultValuedAttr<OLM_StrOneOf<["out_in", "in_out"]>,
                        "\"out_in\"">:$weight_layout,
      DictionaryAttr:$params);
}

def OLM_FFNOp : OLM_LayerOp<"ffn"> {
  let summary = "Feed-forward: down(act(up(x)))";
  let arguments = (ins
      AnyRankedTensor:$input,
      ConfinedAttr<I64Attr, [IntMinValue<1>]>:$dim,
      ConfinedAttr<I64Attr, [IntMinValue<1>]>:$hidden,
      DefaultValuedAttr<OLM_StrOneOf<["gelu", "gelu_tanh", "relu", "silu"]>,
                        "\"gelu\"">:$activation,
      DefaultValuedAttr<BoolAttr, "true">:$bias,
      DefaultValuedAttr<OLM_StrOneOf<["out_in", "in_out"]>,
                        "\"out_in\"">:$weight_layout,
      DictionaryAttr:$params);
}

def OLM_GatedFFNOp : OLM_LayerOp<"gated_ffn"> {
  let summary = "Gated feed-forward: down(act(gate(x)) * up(x))";
  let description = [{
    SwiGLU with `activation = "silu"`, GeGLU with `"gelu"` or
    `"gelu_tanh"`. `gate_up_layout = "fused"` reads one `[2*hidden, dim]`
    weight holding gate then up.
  }];
  let arguments = (ins
      AnyRankedTensor:$input,
      ConfinedAttr<I64Attr, [IntMinValue<1>]>:$dim,
      ConfinedAttr<I64Attr, [IntMinValue<1>]>:$hidden,
      DefaultValuedAttr<OLM_StrOneOf<["gelu", "gelu_tanh", "relu", "silu"]>,
                        "\"silu\"">:$activation,
      DefaultValuedAttr<BoolAttr, "false">:$bias,
      DefaultValuedAttr<OLM_StrOneOf<["separate", "fused"]>,
                        "\"separate\"">:$gate_up_layout,
      DictionaryAttr:$params);
}

def OLM_OutputHeadOp : OLM_LayerOp<"output_head"> {
  let summary = "Optional final norm, then logits = x W^T";
  let description = [{
    `tied = true` means `weight` names the token embedding's weight
    (`[vocab, dim]`), which the verifier checks. `softcap > 0` applies
    `softcap * tanh(logits / softcap)`.
  }];
  let arguments = (ins
      AnyRankedTensor:$input,
      ConfinedAttr<I64Attr, [IntMinValue<1>]>:$dim,
      ConfinedAttr<I64Attr, [IntMinValue<1>]>:$vocab,
      DefaultValuedAttr<BoolAttr, "false">:$tied,
      DefaultValuedAttr<OLM_StrOneOf<["none", "layernorm", "rmsnorm"]>,
                        "\"none\"">:$norm,
      DefaultValuedAttr<F64Attr, "1e-5">:$norm_eps,
      DefaultValuedAttr<F64Attr, "0.0">:$softcap,
      DefaultValuedAttr<BoolAttr, "false">:$bias,
      DictionaryAttr:$params);
}

#endif // OLM_OPS_TD
