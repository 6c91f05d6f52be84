// RUN: olmc-opt %s --olm-lower-to-llvm=target=cuda | FileCheck %s
// RUN: sed s/bf16/f32/g %s | not olmc-opt --olm-lower-to-llvm=target=cpu 2>&1 | FileCheck %s --check-prefix=CPU
//
// A gated matmul (olm-fuse-matmul-gated-activation) is one call on the cuda
// target: olmg_matmul_gated(g, x, w, bias, out, rows, H, K, act) with H the
// result's features (the weight has 2H rows) and act OLMK_ACT_SILU (3). The
// cpu target does not take it.

module {
olm.model @m attributes {dtype = bf16, olm.arena_bytes = 1024 : i64, olm.buffers = 3 : i64, olm.kv_bytes = 0 : i64, olm.kv_layers = [], olm.max_batch = 2 : i64, olm.max_seq = 8 : i64} {
^bb0(%ids: tensor<?x?xi32>):
  %w = olm.weight "wte" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "wte"}]} : tensor<16x8xf32>
  %gu = olm.weight "gu" {init = {kind = "zeros"}, sources = [{shape = array<i64: 24, 8>, tensor = "gu"}]} : tensor<24x8xf32>
  %w2 = olm.weight "head" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 12>, tensor = "head"}]} : tensor<16x12xf32>
  %e = olm.embed_lookup %ids, %w {olm.offset = 0 : i64} : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xbf16>
  %h = olm.matmul %e, %gu {activation = "silu", gated, olm.offset = 256 : i64} : tensor<?x?x8xbf16>, tensor<24x8xf32> -> tensor<?x?x12xbf16>
  %l = olm.matmul %h, %w2 : tensor<?x?x12xbf16>, tensor<16x12xf32> -> tensor<?x?x16xbf16>
  olm.yield %l : tensor<?x?x16xbf16>
}
}

// CHECK-DAG: llvm.func @olmg_matmul_gated(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i32)
// CHECK-LABEL: llvm.func @olmx_prefill(
// CHECK: llvm.call @olmg_embedding(
// CHECK: %[[H:.*]] = llvm.mlir.constant(12 : i64) : i64
// CHECK-NEXT: %[[K:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[SILU:.*]] = llvm.mlir.constant(3 : i32) : i32
// CHECK-NEXT: llvm.call @olmg_matmul_gated(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[H]], %[[K]], %[[SILU]])
// CHECK: llvm.call @olmg_matmul(
// CHECK-LABEL: llvm.func @olmx_decode(
// CHECK: llvm.call @olmg_matmul_gated(

// CPU: <stdin>:16:8: error: 'olm.matmul' op gated (olm-fuse-matmul-gated-activation) is for the cuda target
