// RUN: olmc-opt %s --olm-lower-to-llvm=target=cuda | FileCheck %s
// RUN: sed s/bf16/f32/g %s | not olmc-opt --olm-lower-to-llvm=target=cpu 2>&1 | FileCheck %s --check-prefix=CPU
//
// A normed matmul (olm-fuse-norm-matmul) is one call on the cuda target:
// olmg_matmul_norm(g, x, norm_w, eps, offset, w, bias, y, rows, N, K,
// accumulate, y_f32, act, ldy, gated). The gated one passes H (the weight
// has 2H rows) and gated = 1; the head writes the float32 logits with
// their padded row stride (15 -> 16). The cpu target does not take it.

module {
olm.model @m attributes {dtype = bf16, olm.arena_bytes = 1024 : i64, olm.buffers = 3 : i64, olm.kv_bytes = 0 : i64, olm.kv_layers = [], olm.max_batch = 2 : i64, olm.max_seq = 8 : i64} {
^bb0(%ids: tensor<?x?xi32>):
  %w = olm.weight "wte" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "wte"}]} : tensor<16x8xf32>
  %g = olm.weight "g" {init = {kind = "ones"}, sources = [{shape = array<i64: 8>, tensor = "g"}]} : tensor<8xf32>
  %g2 = olm.weight "g2" {init = {kind = "ones"}, sources = [{shape = array<i64: 12>, tensor = "g2"}]} : tensor<12xf32>
  %gu = olm.weight "gu" {init = {kind = "zeros"}, sources = [{shape = array<i64: 24, 8>, tensor = "gu"}]} : tensor<24x8xf32>
  %w2 = olm.weight "head" {init = {kind = "zeros"}, sources = [{shape = array<i64: 15, 12>, tensor = "head"}]} : tensor<15x12xf32>
  %e = olm.embed_lookup %ids, %w {olm.offset = 0 : i64} : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xbf16>
  %h = olm.matmul %e, %gu norm %g : tensor<8xf32> {activation = "silu", gated, norm_eps = 1.0e-05 : f64, norm_offset = 1.0 : f64, olm.offset = 256 : i64} : tensor<?x?x8xbf16>, tensor<24x8xf32> -> tensor<?x?x12xbf16>
  %l = olm.matmul %h, %w2 norm %g2 : tensor<12xf32> {norm_eps = 1.0e-06 : f64} : tensor<?x?x12xbf16>, tensor<15x12xf32> -> tensor<?x?x15xbf16>
  olm.yield %l : tensor<?x?x15xbf16>
}
}

// CHECK-DAG: llvm.func @olmg_matmul_norm(!llvm.ptr, !llvm.ptr, !llvm.ptr, f32, f32, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i32, i32, i32, i64, i32)
// CHECK-LABEL: llvm.func @olmx_prefill(
// CHECK: llvm.call @olmg_embedding(
// The gate/up product: eps, offset 1, H = 12, K = 8, no accumulation,
// SiLU (3), ldy 12, gated.
// CHECK: %[[DT:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: %[[EPS:.*]] = llvm.mlir.constant(9.99999974E-6 : f32) : f32
// CHECK-NEXT: %[[ONE:.*]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK-NEXT: %[[H:.*]] = llvm.mlir.constant(12 : i64) : i64
// CHECK-NEXT: %[[K:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[NOACC:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[SILU:.*]] = llvm.mlir.constant(3 : i32) : i32
// CHECK-NEXT: %[[LD:.*]] = llvm.mlir.constant(12 : i64) : i64
// CHECK-NEXT: %[[GATED:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: llvm.call @olmg_matmul_norm(%{{.*}}, %{{.*}}, %{{.*}}, %[[EPS]], %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[H]], %[[K]], %[[NOACC]], %[[DT]], %[[SILU]], %[[LD]], %[[GATED]])
// The head: 15 float32 logits a row, rows 16 apart, not gated.
// CHECK: %[[F32:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: %[[EPS2:.*]] = llvm.mlir.constant(9.99999997E-7 : f32) : f32
// CHECK-NEXT: %[[ZERO:.*]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
// CHECK-NEXT: %[[N:.*]] = llvm.mlir.constant(15 : i64) : i64
// CHECK-NEXT: %[[K2:.*]] = llvm.mlir.constant(12 : i64) : i64
// CHECK-NEXT: %{{.*}} = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[NOACT:.*]] = llvm.mlir.constant(-1 : i32) : i32
// CHECK-NEXT: %[[LDL:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[PLAIN:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.call @olmg_matmul_norm(%{{.*}}, %{{.*}}, %{{.*}}, %[[EPS2]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[N]], %[[K2]], %{{.*}}, %[[F32]], %[[NOACT]], %[[LDL]], %[[PLAIN]])
// CHECK-LABEL: llvm.func @olmx_decode(
// CHECK: llvm.call @olmg_matmul_norm(
// CHECK: llvm.call @olmg_matmul_norm(

// CPU: <stdin>:19:8: error: 'olm.matmul' op norm (olm-fuse-norm-matmul) is for the cuda target
