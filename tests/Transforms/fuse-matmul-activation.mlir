// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-fuse-matmul-activation))' | FileCheck %s
// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-fuse-matmul-activation,olm-fuse-matmul-residual))' | FileCheck %s --check-prefix=BOTH
//
// act(matmul(...)) becomes the matmul with `activation = kind` (with or
// without bias). Not fused: a product with another use, a product that
// already has a residual, an activation that is the model's result.

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %b = olm.weight "b" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8>, tensor = "b"}]} : tensor<8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %m1 = olm.matmul %x, %w bias %b : tensor<8xf32> : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %a1 = olm.act %m1 {kind = "gelu_tanh"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %m2 = olm.matmul %a1, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %a2 = olm.act %m2 {kind = "silu"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %m3 = olm.matmul %a2, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %a3 = olm.act %m3 {kind = "relu"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %s3 = arith.addf %a3, %m3 : tensor<?x?x8xf32>
  %m4 = olm.matmul %s3, %w residual %s3 : tensor<?x?x8xf32> : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %a4 = olm.act %m4 {kind = "gelu"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %m5 = olm.matmul %a4, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %a5 = olm.act %m5 {kind = "relu"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  olm.yield %a5 : tensor<?x?x8xf32>
}

// CHECK: %[[X:.*]] = olm.embed_lookup
// CHECK-NEXT: %[[A1:.*]] = olm.matmul %[[X]], %{{.*}} bias %{{.*}} : tensor<8xf32> {activation = "gelu_tanh"} :
// CHECK-NEXT: %[[A2:.*]] = olm.matmul %[[A1]], %{{.*}} {activation = "silu"} :
// %m3 is also read by the add: left alone.
// CHECK-NEXT: %[[M3:.*]] = olm.matmul %[[A2]], %{{.*}} : tensor
// CHECK-NEXT: %[[A3:.*]] = olm.act %[[M3]] {kind = "relu"}
// CHECK-NEXT: %[[S3:.*]] = arith.addf %[[A3]], %[[M3]]
// %m4 has a residual: left alone.
// CHECK-NEXT: %[[M4:.*]] = olm.matmul %[[S3]], %{{.*}} residual %[[S3]]
// CHECK-NEXT: %[[A4:.*]] = olm.act %[[M4]] {kind = "gelu"}
// The model's result stays an activation.
// CHECK-NEXT: %[[M5:.*]] = olm.matmul %[[A4]], %{{.*}} : tensor
// CHECK-NEXT: %[[A5:.*]] = olm.act %[[M5]] {kind = "relu"}
// CHECK-NEXT: olm.yield %[[A5]]

// olm-fuse-matmul-residual does not give a residual to a product that
// applies an activation (it would be added before the activation).
// BOTH: %[[A1:.*]] = olm.matmul %{{.*}} bias %{{.*}} {activation = "gelu_tanh"} :
// BOTH-NEXT: olm.matmul %[[A1]], %{{.*}} {activation = "silu"} :
