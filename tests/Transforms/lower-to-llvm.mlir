// RUN: olmc-opt %s --olm-lower-to-llvm | FileCheck %s
//
// The planned model becomes olmx_prefill and olmx_decode: loads of the
// run context, pointers into the arena / weight table / KV cache, kernel
// calls, and a generated loop for the residual add. Decode folds the
// sequence length to 1.

module {
olm.model @m attributes {dtype = f32, olm.arena_bytes = 2048 : i64, olm.buffers = 6 : i64, olm.kv_bytes = 512 : i64, olm.kv_layers = [{head_dim = 4 : i64, k_offset = 0 : i64, kv_heads = 1 : i64, v_offset = 64 : i64}], olm.max_batch = 2 : i64, olm.max_seq = 8 : i64} {
^bb0(%ids: tensor<?x?xi32>):
  %w = olm.weight "wte" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "wte"}]} : tensor<16x8xf32>
  %q = olm.weight "qkv" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "qkv"}]} : tensor<16x8xf32>
  %e = olm.embed_lookup %ids, %w {olm.offset = 0 : i64} : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %qkv = olm.matmul %e, %q {olm.offset = 1024 : i64} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  %a = olm.attention_core %qkv {causal = true, head_dim = 4, heads = 2, interleaved = false, inv_freq = array<f32: 1.0, 0.01>, kv_heads = 1, layer = 0, qk_norm = "none", qk_norm_eps = 1.0e-6 : f64, rotary_dim = 4, scale = 0.5 : f64, softcap = 0.0 : f64, window = 0, olm.offset = 512 : i64} : tensor<?x?x16xf32> -> tensor<?x?x8xf32>
  %r = arith.addf %e, %a {olm.offset = 1536 : i64} : tensor<?x?x8xf32>
  %l = olm.matmul %r, %w : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  olm.yield %l : tensor<?x?x16xf32>
}
}

// CHECK-NOT: olm.model
// CHECK-DAG: llvm.func @olmk_embedding(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, f32)
// CHECK-DAG: llvm.func @olmk_matmul(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i32)
// CHECK-DAG: llvm.func @olmk_attention(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr)
// The attention layer's configuration: heads 2, kv_heads 1, head_dim 4,
// rotary 4, half-split, no window, causal, max_seq 8, no qk-norm.
// CHECK-DAG: llvm.mlir.global internal constant @olmx_const_{{[0-9]+}}(dense<[2, 1, 4, 4, 0, 0, 1, 8, 0]> : tensor<9xi64>)
// CHECK-DAG: llvm.mlir.global internal constant @olmx_const_{{[0-9]+}}(dense<[1.000000e+00, 0.00999999977]> : tensor<2xf32>)
// CHECK-DAG: llvm.func internal @olmx_add(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64)

// CHECK-LABEL: llvm.func @olmx_prefill(%{{.*}}: !llvm.ptr) -> i32
// CHECK: %[[B:.*]] = llvm.load {{.*}} : !llvm.ptr -> i64
// CHECK: %[[T:.*]] = llvm.load {{.*}} : !llvm.ptr -> i64
// CHECK: %[[M:.*]] = llvm.mul %[[B]], %[[T]]
// CHECK: llvm.call @olmk_embedding({{.*}}, %[[M]], {{.*}})
// CHECK: llvm.call @olmk_matmul(
// CHECK: llvm.call @olmk_attention(
// CHECK: llvm.call @olmx_add(
// CHECK: llvm.call @olmk_matmul(
// CHECK: llvm.return

// CHECK-LABEL: llvm.func @olmx_decode(%{{.*}}: !llvm.ptr) -> i32
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: llvm.mul %{{.*}}, %[[ONE]]
