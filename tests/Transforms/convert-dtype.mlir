// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-convert-dtype{dtype=f32}))' | FileCheck %s
//
// A bf16 model compiled for the CPU computes in f32: every activation and
// the model's dtype change, token ids stay integers.

olm.model @m attributes {dtype = bf16} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x8xbf16>
  %r = olm.residual %x : tensor<?x?x8xbf16> -> tensor<?x?x8xbf16> {
  ^bb0(%a: tensor<?x?x8xbf16>):
    %n = olm.rmsnorm %a {dim = 8, params = {weight = "n.weight"}} : tensor<?x?x8xbf16> -> tensor<?x?x8xbf16>
    olm.yield %n : tensor<?x?x8xbf16>
  }
  %h = olm.output_head %r {dim = 8, vocab = 16, tied = true, params = {weight = "wte.weight"}} : tensor<?x?x8xbf16> -> tensor<?x?x16xbf16>
  olm.yield %h : tensor<?x?x16xbf16>
}

// CHECK: olm.model @m attributes {dtype = f32}
// CHECK: ^bb0(%{{.*}}: tensor<?x?xi32>):
// CHECK: olm.embedding {{.*}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
// CHECK: olm.residual {{.*}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
// CHECK: ^bb0(%{{.*}}: tensor<?x?x8xf32>):
// CHECK: olm.rmsnorm {{.*}} -> tensor<?x?x8xf32>
// CHECK: olm.output_head {{.*}} -> tensor<?x?x16xf32>
// CHECK-NOT: bf16
