// RUN: olmc-opt %s --olm-lower-to-llvm=target=cuda | FileCheck %s
// RUN: sed s/bf16/f32/g %s | not olmc-opt --olm-lower-to-llvm=target=cpu 2>&1 | FileCheck %s --check-prefix=CPU
//
// A LayerNorm folded into its matmul (olm-fuse-norm-matmul) is one call on
// the cuda target: olmg_matmul_layernorm(g, x, norm_w, norm_b, eps, w, bias,
// y, rows, N, K, accumulate, y_f32, act, ldy, gated). GPT-2's q/k/v product
// passes its norm bias and its own bias; a norm without a bias passes null;
// the head writes the float32 logits with their padded row stride
// (15 -> 16). The cpu target does not take it.

module {
olm.model @m attributes {dtype = bf16, olm.arena_bytes = 1024 : i64, olm.buffers = 3 : i64, olm.kv_bytes = 0 : i64, olm.kv_layers = [], olm.max_batch = 2 : i64, olm.max_seq = 8 : i64} {
^bb0(%ids: tensor<?x?xi32>):
  %w = olm.weight "wte" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "wte"}]} : tensor<16x8xf32>
  %g = olm.weight "g" {init = {kind = "ones"}, sources = [{shape = array<i64: 8>, tensor = "g"}]} : tensor<8xf32>
  %b = olm.weight "b" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8>, tensor = "b"}]} : tensor<8xf32>
  %g2 = olm.weight "g2" {init = {kind = "ones"}, sources = [{shape = array<i64: 12>, tensor = "g2"}]} : tensor<12xf32>
  %wq = olm.weight "wq" {init = {kind = "zeros"}, sources = [{shape = array<i64: 12, 8>, tensor = "wq"}]} : tensor<12x8xf32>
  %bq = olm.weight "bq" {init = {kind = "zeros"}, sources = [{shape = array<i64: 12>, tensor = "bq"}]} : tensor<12xf32>
  %w2 = olm.weight "head" {init = {kind = "zeros"}, sources = [{shape = array<i64: 15, 12>, tensor = "head"}]} : tensor<15x12xf32>
  %e = olm.embed_lookup %ids, %w {olm.offset = 0 : i64} : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xbf16>
  %q = olm.matmul %e, %wq bias %bq : tensor<12xf32> norm %g : tensor<8xf32> norm_bias %b : tensor<8xf32> {layer_norm, norm_eps = 1.0e-05 : f64, olm.offset = 256 : i64} : tensor<?x?x8xbf16>, tensor<12x8xf32> -> tensor<?x?x12xbf16>
  %l = olm.matmul %q, %w2 norm %g2 : tensor<12xf32> {layer_norm, norm_eps = 1.0e-06 : f64} : tensor<?x?x12xbf16>, tensor<15x12xf32> -> tensor<?x?x15xbf16>
  olm.yield %l : tensor<?x?x15xbf16>
}
}

// The weight table's entries: wte 0, g 1, b 2, g2 3, wq 4, bq 5, head 6.
// CHECK-DAG: llvm.func @olmg_matmul_layernorm(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, f32, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i32, i32, i32, i64, i32)
// CHECK-LABEL: llvm.func @olmx_prefill(
// CHECK: llvm.call @olmg_embedding(
// q/k/v: weight wq (4), bias bq (5), norm weight g (1), norm bias b (2),
// N = 12, K = 8, no accumulation, the dtype's output, no activation.
// CHECK: %[[I4:.*]] = llvm.mlir.constant(4 : i64) : i64
// CHECK-NEXT: %[[P4:.*]] = llvm.getelementptr %{{.*}}[%[[I4]]]
// CHECK-NEXT: %[[WQ:.*]] = llvm.load %[[P4]]
// CHECK: %[[I5:.*]] = llvm.mlir.constant(5 : i64) : i64
// CHECK-NEXT: %[[P5:.*]] = llvm.getelementptr %{{.*}}[%[[I5]]]
// CHECK-NEXT: %[[BQ:.*]] = llvm.load %[[P5]]
// CHECK: %[[I1:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT: %[[P1:.*]] = llvm.getelementptr %{{.*}}[%[[I1]]]
// CHECK-NEXT: %[[G:.*]] = llvm.load %[[P1]]
// CHECK: %[[I2:.*]] = llvm.mlir.constant(2 : i64) : i64
// CHECK-NEXT: %[[P2:.*]] = llvm.getelementptr %{{.*}}[%[[I2]]]
// CHECK-NEXT: %[[B:.*]] = llvm.load %[[P2]]
// CHECK-NEXT: %[[EPS:.*]] = llvm.mlir.constant(9.99999974E-6 : f32) : f32
// CHECK-NEXT: %[[N:.*]] = llvm.mlir.constant(12 : i64) : i64
// CHECK-NEXT: %[[K:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT: %[[NOACC:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[NOACT:.*]] = llvm.mlir.constant(-1 : i32) : i32
// CHECK-NEXT: %[[LD:.*]] = llvm.mlir.constant(12 : i64) : i64
// CHECK-NEXT: %[[PLAIN:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.call @olmg_matmul_layernorm(%{{.*}}, %{{.*}}, %[[G]], %[[B]], %[[EPS]], %[[WQ]], %[[BQ]], %{{.*}}, %{{.*}}, %[[N]], %[[K]], %[[NOACC]], %{{.*}}, %[[NOACT]], %[[LD]], %[[PLAIN]])
// The head: norm weight g2 (3), no norm bias, no bias, 15 float32 logits a
// row, rows 16 apart.
// CHECK: %[[F32:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: %[[NOBIAS:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT: %[[I3:.*]] = llvm.mlir.constant(3 : i64) : i64
// CHECK-NEXT: %[[P3:.*]] = llvm.getelementptr %{{.*}}[%[[I3]]]
// CHECK-NEXT: %[[G2:.*]] = llvm.load %[[P3]]
// CHECK-NEXT: %[[NONB:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT: %[[EPS2:.*]] = llvm.mlir.constant(9.99999997E-7 : f32) : f32
// CHECK-NEXT: %[[V:.*]] = llvm.mlir.constant(15 : i64) : i64
// CHECK-NEXT: %[[K2:.*]] = llvm.mlir.constant(12 : i64) : i64
// CHECK-NEXT: %{{.*}} = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %{{.*}} = llvm.mlir.constant(-1 : i32) : i32
// CHECK-NEXT: %[[LDL:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %{{.*}} = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.call @olmg_matmul_layernorm(%{{.*}}, %{{.*}}, %[[G2]], %[[NONB]], %[[EPS2]], %{{.*}}, %[[NOBIAS]], %{{.*}}, %{{.*}}, %[[V]], %[[K2]], %{{.*}}, %[[F32]], %{{.*}}, %[[LDL]], %{{.*}})
// CHECK-LABEL: llvm.func @olmx_decode(
// CHECK: llvm.call @olmg_matmul_layernorm(
// CHECK: llvm.call @olmg_matmul_layernorm(

// CPU: <stdin>:22:8: error: 'olm.matmul' op norm (olm-fuse-norm-matmul) is for the cuda target; the cpu target takes olm.rms_norm or olm.layer_norm and the product apart
