// The example plugin's op parses, verifies and prints with olmc-opt
// (--load-dialect-plugin, both spellings), and its output parses again.
// RUN: olmc-opt --load-dialect-plugin=%gres_plugin %s | FileCheck %s
// RUN: olmc-opt --load-dialect-plugin %gres_plugin %s | olmc-opt --load-dialect-plugin=%gres_plugin | FileCheck %s
// Generic form: the gate's initialiser is a property with its default.
// RUN: olmc-opt --load-dialect-plugin=%gres_plugin %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  %y = gres.gated_residual %x {name = "blk", params = {gate = "blk.gate"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    %n = olm.rmsnorm %a {dim = 8, params = {weight = "blk.norm.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
    olm.yield %n : tensor<?x?x8xf32>
  }
  %z = gres.gated_residual %y {gate_init = "ones", params = {gate = "g2"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    olm.yield %a : tensor<?x?x8xf32>
  }
  olm.yield %z : tensor<?x?x8xf32>
}

// CHECK: %[[X:.*]] = olm.embedding
// CHECK: %[[Y:.*]] = gres.gated_residual %[[X]] {name = "blk", params = {gate = "blk.gate"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
// CHECK-NEXT: ^bb0(%[[A:.*]]: tensor<?x?x8xf32>):
// CHECK-NEXT: olm.rmsnorm %[[A]]
// CHECK: gres.gated_residual %[[Y]] {gate_init = "ones", params = {gate = "g2"}}

// GENERIC: "gres.gated_residual"(%{{.*}}) <{gate_init = "zeros", name = "blk", params = {gate = "blk.gate"}}>
// GENERIC: "gres.gated_residual"(%{{.*}}) <{gate_init = "ones", params = {gate = "g2"}}>
