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

def ConvertDtype : Pass<"olm-convert-dtype", "::olm::ModelOp"> {
  let summary = "Set the compute dtype of every activation";
  let description = [{
    Rewrites the float element type of every tensor value in the model
    (activations and logits) to `dtype` and records it on the model. The
    CPU target computes in f32.
  }];
  let options = [
    Option<"dtype", "dtype", "std::string", /*default=*/"\"f32\"",
           "f32, f16 or bf16">,
  ];
}

def DecomposeLayers : Pass<"olm-decompose-layers", "::olm::ModelOp"> {
  let summary = "Decompose layer ops into olm primitives with explicit weights";
  let description = [{
    Replaces each layer op by primitives (`olm.matmul`, `olm.rms_norm`,
    `olm.attention_core`, ...) and its parameters by `olm.weight` values
    that say how to assemble each weight from checkpoint tensors: q, k and
    v become one fused projection, gate and up one, GPT-2's Conv1D weights
    are transposed, GPT-NeoX's per-head qkv rows permuted. Equal weights
    (a tied head and its embedding) are one value. RoPE inverse
    frequencies, including Llama-3 scaling, are computed here in float32
    as transformers does. Runs after olm-lower-combinators.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def FuseMatmulResidual
    : Pass<"olm-fuse-matmul-residual", "::olm::ModelOp"> {
  let summary = "Fold residual adds into the matmul that produces one side";
  let description = [{
    `arith.addf %r, %m` (either order) where `%m` is an `olm.matmul` used
    only by that add becomes the matmul with `residual %r`: backends then
    accumulate the product into the residual (the C operand of the GEMM,
    beta = 1) instead of launching an add, which removes one kernel and
    one pass over the activation per residual block (the attention output
    projection and the MLP down projection of a transformer layer). An add
    that produces the model's result is left alone (the logits are written
    by the caller's buffer). olm-plan-memory then lets the sum reuse the
    residual's buffer when the residual dies at the add, so the GEMM
    accumulates in place.
  }];
}

def FuseMatmulActivation
    : Pass<"olm-fuse-matmul-activation", "::olm::ModelOp"> {
  let summary = "Fold pointwise activations into the matmul that feeds them";
  let description = [{
    `olm.act %m` where `%m` is an `olm.matmul` (with or without bias,
    without residual) used only by that activation becomes the matmul with
    `activation = "<kind>"`: backends apply it as the product is written
    (the cuda target through cuBLASLt's GELU/RELU epilogues where they
    compute the same function, after the product otherwise; the cpu target
    in place after its BLAS call), which removes one kernel and one pass
    over the MLP's widest activation per layer. A product with another use
    is left alone, and so is one that already has a residual. Runs before
    olm-fuse-matmul-residual would see the activation's result.
  }];
}

def FuseMatmulGatedActivation
    : Pass<"olm-fuse-matmul-gated-activation", "::olm::ModelOp"> {
  let summary = "Fold a gated MLP's act(gate) * up into the gate/up matmul";
  let description = [{
    `olm.gated_act %m` where `%m` is a plain `olm.matmul` (no residual, no
    activation) used only by it becomes the matmul with `gated` and
    `activation = "<kind>"`, whose result is the gated [.., H]. Backends
    gate where the product is written: the cuda target's batch-1 GEMV
    computes both rows of a pair and writes only `act(gate) * up`, one
    kernel and one [.., 2H] round trip less per layer and decode step;
    larger products run cuBLASLt into scratch, then the gating kernel. The
    compile pipeline runs it for the cuda target only (the cpu target's
    BLAS call has no epilogue to put it in); lowering a gated matmul for
    the cpu target is an error.
  }];
}

def FuseNormMatmul : Pass<"olm-fuse-norm-matmul", "::olm::ModelOp"> {
  let summary = "Fold an RMSNorm or a LayerNorm into the matmul that reads it";
  let description = [{
    `olm.matmul (olm.rms_norm %x, %g)` where the norm's result is read by
    that matmul alone becomes `olm.matmul %x ... norm %g` with `norm_eps`
    and `norm_offset` from the norm: the product's input is the normalised
    row. `olm.layer_norm %x affine(%g, %b)` (or with the weight alone)
    becomes `norm %g norm_bias %b` with `layer_norm`. The cuda target's
    batch-1 GEMV normalises the row it reads (an RMSNorm: x times the norm
    weight in its main loop, the block's sum of squares beside it, rstd in
    the epilogue; a LayerNorm: each warp sums the row itself first, then
    the loop normalises exactly), so a layer's norms are no kernels of
    their own in a decode step; larger products normalise into scratch,
    then multiply.

    Gated products (a gated MLP's gate/up) are left alone unless `gated`
    is set: measured on an H200 the normed gated GEMV cost more than the
    norm kernel it saved, on Llama-3.2-1B (+1.4 us) and Qwen2.5-0.5B
    (+0.2 us), while the q/k/v product gained 0.4 and 1.0 us, and GPT-2's
    LayerNormed q/k/v and fc products 0.4 and 0.25 us (bench/NOTES.md,
    versions 7 and 8). Runs after the other matmul
    fusions (they leave a normed product alone). `olmc compile --target
    cuda` runs it (`--fuse-norm-matmul=ungated`, the default; `all` sets
    `gated`, `none` skips it). Lowering a normed matmul for the cpu target
    is an error.
  }];
  let options = [
    Option<"gated", "gated", "bool", /*default=*/"false",
           "also fold norms into gated products">
  ];
}

def FuseElementwise : Pass<"olm-fuse-elementwise", "::olm::ModelOp"> {
  let summary = "Fuse chains of elementwise work into olm.fused ops";
  let description = [{
    Groups elementwise ops on activations (`arith` float ops, `math` ops,
    `olm.broadcast`), together with the scalar and per-feature work that
    feeds them (`tensor.extract` of weights, constants, splats), into one
    `olm.fused` op per chain. A chain ends where a value is needed by more
    than the chain (it is then computed once and read by its users). The
    bodies of custom combinators and the merges of built-in ones (residual
    adds, means) fuse with their elementwise neighbours this way; backends
    emit one loop per `olm.fused`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def PlanMemory : Pass<"olm-plan-memory", "::olm::ModelOp"> {
  let summary = "Static memory plan: activations share one arena by liveness";
  let description = [{
    Gives every activation of the (flat, decomposed) model a byte offset in
    one arena (`olm.offset` on its defining op), sized for
    `max-batch * max-seq` tokens and 64-byte aligned; values whose live
    ranges do not overlap share memory (first fit over free intervals).
    The model's result (the logits) is written to the caller's buffer and
    takes no arena space. Also lays out the KV cache: one key and one value
    block `[max-batch, kv_heads, max-seq, head_dim]` per attention layer.
    Records `olm.arena_bytes`, `olm.kv_bytes`, `olm.kv_layers`,
    `olm.max_seq` and `olm.max_batch` on the model.
  }];
  let options = [
    Option<"maxSeq", "max-seq", "int64_t", /*default=*/"1024",
           "longest sequence (prompt + generated tokens)">,
    Option<"maxBatch", "max-batch", "int64_t", /*default=*/"1",
           "most sequences per call">,
  ];
}

def LowerToLLVM : Pass<"olm-lower-to-llvm", "::mlir::ModuleOp"> {
  let summary = "Generate the entry points in the LLVM dialect (and, for "
                "cuda, the device kernels in a gpu.module)";
  let description = [{
    Turns the planned model (after olm-plan-memory) into two LLVM functions
    following runtime/include/olmrt/GeneratedABI.h: `olmx_prefill` (any
    number of tokens) and `olmx_decode` (one token per sequence, so the
    sequence length folds to 1).

    `target=cpu`: each primitive becomes a call into the kernels of
    runtime/include/olmrt/CpuKernels.h with pointers into the arena, the
    weight table and the KV cache; residual adds, merges, copies and
    `olm.fused` bodies become loops generated here (vectorised by LLVM).

    `target=cuda`: the same entry points become host code that enqueues
    work through runtime/include/olmrt/CudaKernels.h (every pointer is a
    device pointer; the backend context is the first argument of every
    call). Each `olm.fused` body becomes a kernel in
    `gpu.module @olmx_kernels` (LLVM dialect with NVVM special registers,
    targeting `#nvvm.target<chip = "sm_90">`), launched through
    `olmg_launch`; its loads and stores use the compute dtype and its
    arithmetic f32. The kernels are listed in the module attribute
    `olm.device_kernels` for the manifest.

    Attention layer configurations and RoPE frequencies become constant
    globals. The olm.model op is removed.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "cpu or cuda">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect"];
}

#endif // OLMC_TRANSFORMS_PASSES_TD
