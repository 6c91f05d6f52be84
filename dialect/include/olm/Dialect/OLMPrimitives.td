//===- OLMPrimitives.td - olm primitive tensor ops ---------*- tablegen -*-===//
//
// The small set of primitives that layer ops decompose into
// (olm-decompose-layers). Weights are explicit values (`olm.weight`), all
// activations are [batch, seq, features]; matrices are [out, in]. Backends
// lower these to kernel calls or generated code.
//
//===----------------------------------------------------------------------===//
#ifndef OLM_PRIMITIVES_TD
#define OLM_PRIMITIVES_TD

include "olm/Dialect/OLMBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class OLM_PrimOp<string mnemonic, list<Trait> traits = []>
    : OLM_Op<mnemonic, traits> {
  let hasVerifier = 1;
}

def OLM_WeightOp : OLM_PrimOp<"weight", [Pure]> {
  let summary = "A weight assembled from checkpoint tensors";
  let description = [{
    The value of a weight as the generated code reads it, in float32.
    `sources` lists checkpoint tensors (`{tensor = "name", shape = [..]}`);
    each is transposed when `transpose` is set, then they are concatenated
    along dimension 0, then `permute` (e.g. `{kind = "qkv_per_head",
    heads = 12, head_dim = 64}`) reorders rows. `init` tells
    `init-weights` how to fill the sources. The runtime does this
    assembly when it loads weights (docs/artifact-format.md).

    ```mlir
    %w = olm.weight "h.0.attn.qkv" {
        sources = [{tensor = "h.0.attn.c_attn.weight",
                    shape = array<i64: 768, 2304>} ],
        transpose = true, init = {kind = "normal", std = 0.02 : f64}}
        : tensor<2304x768xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, ArrayAttr:$sources,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose,
                       OptionalAttr<DictionaryAttr>:$permute,
                       DictionaryAttr:$init);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def OLM_EmbedLookupOp : OLM_PrimOp<"embed_lookup", [Pure]> {
  let summary = "out[b, t] = table[ids[b, t]] * scale";
  let arguments = (ins AnyRankedTensor:$ids, AnyRankedTensor:$table,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` type($ids) `,` type($table) `->` type($result)
  }];
}

def OLM_PosAddOp : OLM_PrimOp<"pos_add"> {
  let summary = "x + table[pos + offset] at the call's positions";
  let description = [{
    Reads the implicit positions of the tokens (pos0 + t), so it is not
    pure.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$table,
                       DefaultValuedAttr<I64Attr, "0">:$offset);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $table attr-dict `:` type($input) `,` type($table) `->` type($result)
  }];
}

def OLM_MatmulOp : OLM_PrimOp<"matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "y = act(x W^T (+ bias)) or x W^T (+ bias) (+ residual), "
                "W: [N, K]; gated: act(gate) * up; x rms- or layer-normed "
                "first with a norm";
  let description = [{
    A residual, when present, has the result's type and is added to the
    product: what `olm-fuse-matmul-residual` makes of a residual add whose
    other operand is this product, so that backends accumulate into it (the
    C operand of a GEMM with beta = 1) instead of running a separate add.

    An `activation`, when present, is applied to the product plus bias:
    what `olm-fuse-matmul-activation` makes of an `olm.act` whose operand is
    this product, so that backends apply it in the GEMM's epilogue. A
    product has at most one of the two (a GEMM epilogue adds C before the
    activation, which is not `act(x W^T) + residual`).

    `gated` (with an `activation`, without a residual) is a gated MLP's
    first half in one op: the weight has 2N rows, gate then up, and the
    result [.., N] is `act(gate) * up` of the product (bias included), what
    `olm-fuse-matmul-gated-activation` makes of an `olm.gated_act` whose
    operand is this product. Backends compute it without writing the 2N
    product where they can (the cuda target's batch-1 GEMV does the gating
    in its epilogue).

    A `norm` weight [K] (with `norm_eps`, and `norm_offset` as
    `olm.rms_norm`'s `weight_offset`) makes the product's input
    `rms_norm(input, norm)`: what `olm-fuse-norm-matmul` makes of an
    `olm.rms_norm` read by this product alone. With `layer_norm` the input
    is `layer_norm(input, norm, norm_bias)` instead (`olm.layer_norm` with
    an affine weight and optionally a bias; `norm_offset` must be 0).
    Backends may keep the normalised row in float32 or round it to the
    compute dtype as the separate op would have stored it: the cuda
    target's batch-1 GEMV normalises the row it reads in float32 (one
    kernel less before each norm's product); larger products normalise
    into scratch (rounded) first.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       Optional<AnyRankedTensor>:$residual,
                       OptionalAttr<OLM_StrOneOf<["gelu", "gelu_tanh", "relu",
                                                  "silu"]>>:$activation,
                       UnitAttr:$gated,
                       Optional<AnyRankedTensor>:$norm,
                       OptionalAttr<F64Attr>:$norm_eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$norm_offset,
                       UnitAttr:$layer_norm,
                       Optional<AnyRankedTensor>:$norm_bias);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^ `:` type($bias))?
    (`residual` $residual^ `:` type($residual))?
    (`norm` $norm^ `:` type($norm))?
    (`norm_bias` $norm_bias^ `:` type($norm_bias))? attr-dict `:`
    type($input) `,` type($weight) `->` type($result)
  }];
}

def OLM_RMSNormPrimOp : OLM_PrimOp<"rms_norm", [Pure]> {
  let summary = "x / sqrt(mean(x^2) + eps) * (w + weight_offset), in f32";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       F64Attr:$eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_offset);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->`
    type($result)
  }];
}

def OLM_LayerNormPrimOp : OLM_PrimOp<"layer_norm", [Pure]> {
  let summary = "(x - mean) / sqrt(var + eps) [* w [+ b]]";
  let arguments = (ins AnyRankedTensor:$input,
                       Variadic<AnyRankedTensor>:$affine, F64Attr:$eps);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`affine` `(` $affine^ `:` type($affine) `)`)? attr-dict `:`
    type($input) `->` type($result)
  }];
}

def OLM_ActOp : OLM_PrimOp<"act", [Pure]> {
  let summary = "Elementwise activation";
  let arguments = (ins AnyRankedTensor:$input,
                       OLM_StrOneOf<["gelu", "gelu_tanh", "relu", "silu"]>:$kind);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def OLM_GatedActOp : OLM_PrimOp<"gated_act", [Pure]> {
  let summary = "act(gu[..., :H]) * gu[..., H:] for gu [..., 2H]";
  let arguments = (ins AnyRankedTensor:$input,
                       OLM_StrOneOf<["gelu", "gelu_tanh", "relu", "silu"]>:$kind);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def OLM_SoftcapOp : OLM_PrimOp<"softcap", [Pure]> {
  let summary = "cap * tanh(x / cap)";
  let arguments = (ins AnyRankedTensor:$input, F64Attr:$cap);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def OLM_AttentionCoreOp : OLM_PrimOp<"attention_core"> {
  let summary = "RoPE, KV-cache append and attention for one layer";
  let description = [{
    Takes the fused projection `qkv` [B, T, (H + 2 KVH) * hd] (query heads,
    then key heads, then value heads) of tokens at positions pos0 ..
    pos0+T-1, applies qk-norm (`norms`: q and k weights, then q and k biases
    for layernorm) and RoPE (`inv_freq`, `rotary_dim`, `interleaved`),
    appends k and v to KV-cache slot `layer`, and attends over the cache.
    It reads and writes the cache, so it is not pure.
  }];
  let arguments = (ins AnyRankedTensor:$qkv, Variadic<AnyRankedTensor>:$norms,
                       I64Attr:$layer, I64Attr:$heads, I64Attr:$kv_heads,
                       I64Attr:$head_dim, I64Attr:$rotary_dim,
                       BoolAttr:$interleaved, I64Attr:$window, BoolAttr:$causal,
                       F64Attr:$scale, F64Attr:$softcap,
                       OLM_StrOneOf<["none", "rmsnorm", "layernorm"]>:$qk_norm,
                       F64Attr:$qk_norm_eps, DenseF32ArrayAttr:$inv_freq);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $qkv (`norms` `(` $norms^ `:` type($norms) `)`)? attr-dict `:`
    type($qkv) `->` type($result)
  }];
}

#endif // OLM_PRIMITIVES_TD
