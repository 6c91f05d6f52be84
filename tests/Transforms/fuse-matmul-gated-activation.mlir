// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-fuse-matmul-gated-activation))' | FileCheck %s
//
// gated_act(matmul(...)) becomes the matmul with `gated` and the gating's
// kind: weight [2H, K], result [.., H] (with or without bias). Not fused: a
// product with another use, a product with a residual or an activation of
// its own, a gating that is the model's result.

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %gu = olm.weight "gu" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "gu"}]} : tensor<16x8xf32>
  %b = olm.weight "b" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16>, tensor = "b"}]} : tensor<16xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %p1 = olm.matmul %x, %gu : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  %g1 = olm.gated_act %p1 {kind = "silu"} : tensor<?x?x16xf32> -> tensor<?x?x8xf32>
  %p2 = olm.matmul %g1, %gu bias %b : tensor<16xf32> : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  %g2 = olm.gated_act %p2 {kind = "gelu_tanh"} : tensor<?x?x16xf32> -> tensor<?x?x8xf32>
  %p3 = olm.matmul %g2, %gu : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  %g3 = olm.gated_act %p3 {kind = "silu"} : tensor<?x?x16xf32> -> tensor<?x?x8xf32>
  %s3 = arith.addf %p3, %p3 : tensor<?x?x16xf32>
  %p4 = olm.matmul %g3, %gu {activation = "relu"} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  %g4 = olm.gated_act %p4 {kind = "silu"} : tensor<?x?x16xf32> -> tensor<?x?x8xf32>
  %p5 = olm.matmul %g4, %gu : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  %g5 = olm.gated_act %p5 {kind = "silu"} : tensor<?x?x16xf32> -> tensor<?x?x8xf32>
  olm.yield %g5 : tensor<?x?x8xf32>
}

// CHECK: %[[X:.*]] = olm.embed_lookup
// CHECK-NEXT: %[[G1:.*]] = olm.matmul %[[X]], %{{.*}} {activation = "silu", gated} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[G2:.*]] = olm.matmul %[[G1]], %{{.*}} bias %{{.*}} : tensor<16xf32> {activation = "gelu_tanh", gated} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
// %p3 is also read by the add: left alone.
// CHECK-NEXT: %[[P3:.*]] = olm.matmul %[[G2]], %{{.*}} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
// CHECK-NEXT: %[[G3:.*]] = olm.gated_act %[[P3]] {kind = "silu"}
// CHECK-NEXT: arith.addf %[[P3]], %[[P3]]
// %p4 applies an activation of its own: left alone.
// CHECK-NEXT: %[[P4:.*]] = olm.matmul %[[G3]], %{{.*}} {activation = "relu"} :
// CHECK-NEXT: %[[G4:.*]] = olm.gated_act %[[P4]]
// The model's result stays a gating.
// CHECK-NEXT: %[[P5:.*]] = olm.matmul %[[G4]], %{{.*}} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
// CHECK-NEXT: %[[G5:.*]] = olm.gated_act %[[P5]] {kind = "silu"}
// CHECK-NEXT: olm.yield %[[G5]]
