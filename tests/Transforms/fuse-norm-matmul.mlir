// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-fuse-norm-matmul))' | FileCheck %s --check-prefixes=CHECK,UNGATED
// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-fuse-norm-matmul{gated=true}))' | FileCheck %s --check-prefixes=CHECK,GATED
//
// matmul(rms_norm(x, g)) becomes the matmul of x with `norm g`, the norm's
// eps and weight offset, keeping the product's own bias, residual and
// activation; matmul(layer_norm(x, g[, b])) the matmul of x with `norm g
// norm_bias b` and `layer_norm`. A gated product only with gated=true. Not
// fused: a norm with a second reader, a norm read by something other than
// a matmul, a norm that is also the product's residual, a LayerNorm
// without an affine weight.

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %g = olm.weight "g" {init = {kind = "ones"}, sources = [{shape = array<i64: 8>, tensor = "g"}]} : tensor<8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %gu = olm.weight "gu" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "gu"}]} : tensor<16x8xf32>
  %b = olm.weight "b" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8>, tensor = "b"}]} : tensor<8xf32>
  %lg = olm.weight "lg" {init = {kind = "ones"}, sources = [{shape = array<i64: 8>, tensor = "lg"}]} : tensor<8xf32>
  %lb = olm.weight "lb" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8>, tensor = "lb"}]} : tensor<8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // A plain product with a bias.
  %n1 = olm.rms_norm %x, %g {eps = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %p1 = olm.matmul %n1, %w bias %b : tensor<8xf32> : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  // A gated product, Gemma's 1 + w.
  %n2 = olm.rms_norm %p1, %g {eps = 1.0e-06 : f64, weight_offset = 1.0 : f64} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %p2 = olm.matmul %n2, %gu {activation = "silu", gated} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // An accumulating product: the residual stays.
  %n3 = olm.rms_norm %p2, %g {eps = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %p3 = olm.matmul %n3, %w residual %p2 : tensor<?x?x8xf32> : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  // Two readers: left alone.
  %n4 = olm.rms_norm %p3, %g {eps = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %p4 = olm.matmul %n4, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %s4 = arith.addf %n4, %p4 : tensor<?x?x8xf32>
  // The norm is also the residual: left alone.
  %n5 = olm.rms_norm %s4, %g {eps = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %p5 = olm.matmul %n5, %w residual %n5 : tensor<?x?x8xf32> : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  // Read by an activation, not a matmul: left alone.
  %n6 = olm.rms_norm %p5, %g {eps = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %a6 = olm.act %n6 {kind = "relu"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  // LayerNorms: weight and bias (GPT-2's, the product with a bias of its
  // own and an activation), weight alone, no affine (left alone), two
  // readers (left alone), before a gated product (only with gated=true).
  %l7 = olm.layer_norm %a6 affine(%lg, %lb : tensor<8xf32>, tensor<8xf32>) {eps = 1.0e-05 : f64} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %p7 = olm.matmul %l7, %w bias %b : tensor<8xf32> {activation = "gelu_tanh"} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %l8 = olm.layer_norm %p7 affine(%lg : tensor<8xf32>) {eps = 1.0e-06 : f64} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %p8 = olm.matmul %l8, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %l9 = olm.layer_norm %p8 {eps = 1.0e-05 : f64} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %p9 = olm.matmul %l9, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %l10 = olm.layer_norm %p9 affine(%lg, %lb : tensor<8xf32>, tensor<8xf32>) {eps = 1.0e-05 : f64} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %p10 = olm.matmul %l10, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %s10 = arith.addf %l10, %p10 : tensor<?x?x8xf32>
  %l11 = olm.layer_norm %s10 affine(%lg, %lb : tensor<8xf32>, tensor<8xf32>) {eps = 1.0e-05 : f64} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %p11 = olm.matmul %l11, %gu {activation = "gelu", gated} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  olm.yield %p11 : tensor<?x?x8xf32>
}

// CHECK: %[[G:.*]] = olm.weight "g"
// CHECK-NEXT: %[[W:.*]] = olm.weight "w"
// CHECK-NEXT: %[[GU:.*]] = olm.weight "gu"
// CHECK-NEXT: %[[B:.*]] = olm.weight "b"
// CHECK-NEXT: %[[LG:.*]] = olm.weight "lg"
// CHECK-NEXT: %[[LB:.*]] = olm.weight "lb"
// CHECK-NEXT: %[[X:.*]] = olm.embed_lookup
// CHECK-NEXT: %[[P1:.*]] = olm.matmul %[[X]], %[[W]] bias %[[B]] : tensor<8xf32> norm %[[G]] : tensor<8xf32> {norm_eps = 1.000000e-05 : f64} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
// UNGATED-NEXT: %[[N2:.*]] = olm.rms_norm %[[P1]], %[[G]] {eps = 9.9999999999999995E-7 : f64, weight_offset = 1.000000e+00 : f64}
// UNGATED-NEXT: %[[P2:.*]] = olm.matmul %[[N2]], %{{.*}} {activation = "silu", gated} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
// GATED-NEXT: %[[P2:.*]] = olm.matmul %[[P1]], %{{.*}} norm %[[G]] : tensor<8xf32> {activation = "silu", gated, norm_eps = 9.9999999999999995E-7 : f64, norm_offset = 1.000000e+00 : f64} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[P3:.*]] = olm.matmul %[[P2]], %{{.*}} residual %[[P2]] : tensor<?x?x8xf32> norm %[[G]] : tensor<8xf32> {norm_eps = 1.000000e-05 : f64}
// CHECK-NEXT: %[[N4:.*]] = olm.rms_norm %[[P3]]
// CHECK-NEXT: %[[P4:.*]] = olm.matmul %[[N4]], %{{.*}} : tensor<?x?x8xf32>
// CHECK-NEXT: %[[S4:.*]] = arith.addf %[[N4]], %[[P4]]
// CHECK-NEXT: %[[N5:.*]] = olm.rms_norm %[[S4]]
// CHECK-NEXT: %[[P5:.*]] = olm.matmul %[[N5]], %{{.*}} residual %[[N5]]
// CHECK-NEXT: %[[N6:.*]] = olm.rms_norm %[[P5]]
// CHECK-NEXT: %[[A6:.*]] = olm.act %[[N6]]
// CHECK-NEXT: %[[P7:.*]] = olm.matmul %[[A6]], %[[W]] bias %[[B]] : tensor<8xf32> norm %[[LG]] : tensor<8xf32> norm_bias %[[LB]] : tensor<8xf32> {activation = "gelu_tanh", layer_norm, norm_eps = 1.000000e-05 : f64} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[P8:.*]] = olm.matmul %[[P7]], %[[W]] norm %[[LG]] : tensor<8xf32> {layer_norm, norm_eps = 9.9999999999999995E-7 : f64} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[L9:.*]] = olm.layer_norm %[[P8]] {eps = 1.000000e-05 : f64}
// CHECK-NEXT: %[[P9:.*]] = olm.matmul %[[L9]], %[[W]] :
// CHECK-NEXT: %[[L10:.*]] = olm.layer_norm %[[P9]] affine(%[[LG]], %[[LB]]
// CHECK-NEXT: %[[P10:.*]] = olm.matmul %[[L10]], %[[W]] :
// CHECK-NEXT: %[[S10:.*]] = arith.addf %[[L10]], %[[P10]]
// UNGATED-NEXT: %[[L11:.*]] = olm.layer_norm %[[S10]] affine(%[[LG]], %[[LB]]
// UNGATED-NEXT: olm.matmul %[[L11]], %[[GU]] {activation = "gelu", gated} :
// GATED-NEXT: olm.matmul %[[S10]], %[[GU]] norm %[[LG]] : tensor<8xf32> norm_bias %[[LB]] : tensor<8xf32> {activation = "gelu", gated, layer_norm, norm_eps = 1.000000e-05 : f64} :
// UNGATED-NOT: norm_eps
