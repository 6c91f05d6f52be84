// olm-lower-combinators lowers the plugin's combinator through
// CombinatorOpInterface::combine, like a built-in one: the child is inlined,
// the gate becomes an olm.param named by the enclosing repeat's iteration,
// and x + sigmoid(g) * child(x) is written in arith/math on tensors.
// RUN: olmc-opt --load-dialect-plugin=%gres_plugin %s --pass-pipeline='builtin.module(olm.model(olm-lower-combinators))' | FileCheck %s

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  %r = olm.repeat %x count 2 index "i" {name = "blocks"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%b: tensor<?x?x8xf32>):
    %y = gres.gated_residual %b {gate_init = "ones", params = {gate = "blocks.{i}.gate"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
    ^bb0(%a: tensor<?x?x8xf32>):
      %n = olm.rmsnorm %a {dim = 8, params = {weight = "blocks.{i}.norm.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
      olm.yield %n : tensor<?x?x8xf32>
    }
    olm.yield %y : tensor<?x?x8xf32>
  }
  olm.yield %r : tensor<?x?x8xf32>
}

// CHECK-NOT: gres.gated_residual
// CHECK: %[[X:.*]] = olm.embedding
// CHECK: %[[N:.*]] = olm.rmsnorm %[[X]] {{.*}}"blocks.0.norm.weight"
// CHECK: %[[G:.*]] = olm.param {init = "ones", params = {value = "blocks.0.gate"}} : tensor<1xf32>
// CHECK: %[[GS:.*]] = tensor.extract %[[G]]
// CHECK: %[[NEG:.*]] = arith.negf %[[GS]]
// CHECK: %[[E:.*]] = math.exp %[[NEG]]
// CHECK: %[[DEN:.*]] = arith.addf %[[ONE:.*]], %[[E]]
// CHECK: %[[SIG:.*]] = arith.divf %[[ONE]], %[[DEN]]
// CHECK: %[[S:.*]] = olm.broadcast %[[SIG]] like %[[N]]
// CHECK: %[[GY:.*]] = arith.mulf %[[S]], %[[N]]
// CHECK: %[[R0:.*]] = arith.addf %[[X]], %[[GY]] : tensor<?x?x8xf32>
// CHECK: olm.rmsnorm %[[R0]] {{.*}}"blocks.1.norm.weight"
// CHECK: olm.param {init = "ones", params = {value = "blocks.1.gate"}}
// CHECK-NOT: gres.
