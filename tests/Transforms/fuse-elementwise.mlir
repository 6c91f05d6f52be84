// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-fuse-elementwise))' | FileCheck %s
//
// The inlined body of a gated residual (x + sigmoid(g) * y) fuses into one
// olm.fused op together with the next residual add, its neighbour; the
// scalar gate computation is pulled in too. A value needed outside a chain
// (%r below, read by the norm) ends the chain.

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %w = olm.weight "wte" {init = {kind = "normal", std = 0.02 : f64}, sources = [{shape = array<i64: 16, 8>, tensor = "wte"}]} : tensor<16x8xf32>
  %g = olm.weight "gate" {init = {kind = "zeros"}, sources = [{shape = array<i64: 1>, tensor = "gate"}]} : tensor<1xf32>
  %n = olm.weight "n" {init = {kind = "ones"}, sources = [{shape = array<i64: 8>, tensor = "n"}]} : tensor<8xf32>
  %x = olm.embed_lookup %ids, %w : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %y = olm.matmul %x, %w : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  %y8 = olm.gated_act %y {kind = "silu"} : tensor<?x?x16xf32> -> tensor<?x?x8xf32>
  %c0 = arith.constant 0 : index
  %gs = tensor.extract %g[%c0] : tensor<1xf32>
  %one = arith.constant 1.0 : f32
  %neg = arith.negf %gs : f32
  %e = math.exp %neg : f32
  %den = arith.addf %one, %e : f32
  %sig = arith.divf %one, %den : f32
  %s = olm.broadcast %sig like %y8 : f32, tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %gy = arith.mulf %s, %y8 : tensor<?x?x8xf32>
  %r = arith.addf %x, %gy : tensor<?x?x8xf32>
  %z = olm.rms_norm %r, %n {eps = 1.0e-6 : f64} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %o = arith.addf %r, %z : tensor<?x?x8xf32>
  %l = olm.matmul %o, %w : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  olm.yield %l : tensor<?x?x16xf32>
}

// CHECK: %[[X:.*]] = olm.embed_lookup
// CHECK: %[[Y:.*]] = olm.gated_act
// CHECK: %[[R:.*]] = olm.fused(%[[G:.*]], %[[Y]], %[[X]]) : (tensor<1xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
// CHECK-NEXT: ^bb0(%[[GA:.*]]: tensor<1xf32>, %[[YA:.*]]: tensor<?x?x8xf32>, %[[XA:.*]]: tensor<?x?x8xf32>):
// CHECK: tensor.extract %[[GA]]
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: %[[B:.*]] = olm.broadcast {{.*}} like %[[YA]]
// CHECK: %[[M:.*]] = arith.mulf %[[B]], %[[YA]]
// CHECK: %[[S:.*]] = arith.addf %[[XA]], %[[M]]
// CHECK: olm.yield %[[S]]
// CHECK: %[[Z:.*]] = olm.rms_norm %[[R]]
// CHECK: %[[O:.*]] = olm.fused(%[[R]], %[[Z]])
// CHECK: arith.addf
// CHECK: olm.matmul %[[O]]
