// RUN: olmc-opt %s -split-input-file --pass-pipeline='builtin.module(olm.model(olm-lower-combinators))' | FileCheck %s
//
// Structure ops are inlined through CombinatorOpInterface: repeats unroll
// with the iteration number substituted into parameter names (nested
// repeats compose their affine placeholders), residuals add the skip
// connection, parallels merge their branches.

olm.model @nested attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  %r = olm.repeat %x count 2 index "i" {name = "layers"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    %s = olm.repeat %a count 2 index "j" : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
    ^bb0(%b: tensor<?x?x8xf32>):
      %res = olm.residual %b : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
      ^bb0(%c: tensor<?x?x8xf32>):
        %n = olm.rmsnorm %c {dim = 8, params = {weight = "layers.{2*i+j}.norm.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
        olm.yield %n : tensor<?x?x8xf32>
      }
      olm.yield %res : tensor<?x?x8xf32>
    }
    olm.yield %s : tensor<?x?x8xf32>
  }
  olm.yield %r : tensor<?x?x8xf32>
}

// CHECK-LABEL: olm.model @nested
// CHECK-NOT: olm.repeat
// CHECK-NOT: olm.residual
// CHECK: %[[E:.*]] = olm.embedding
// CHECK: %[[N0:.*]] = olm.rmsnorm %[[E]] {{.*}}"layers.0.norm.weight"
// CHECK: %[[A0:.*]] = arith.addf %[[E]], %[[N0]]
// CHECK: %[[N1:.*]] = olm.rmsnorm %[[A0]] {{.*}}"layers.1.norm.weight"
// CHECK: %[[A1:.*]] = arith.addf %[[A0]], %[[N1]]
// CHECK: %[[N2:.*]] = olm.rmsnorm %[[A1]] {{.*}}"layers.2.norm.weight"
// CHECK: %[[A2:.*]] = arith.addf %[[A1]], %[[N2]]
// CHECK: %[[N3:.*]] = olm.rmsnorm %[[A2]] {{.*}}"layers.3.norm.weight"
// CHECK: %[[A3:.*]] = arith.addf %[[A2]], %[[N3]]
// CHECK: olm.yield %[[A3]]

// -----

olm.model @merges attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  %sum = olm.parallel %x : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    %l = olm.linear %a {in_features = 8, out_features = 8, params = {weight = "a.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
    olm.yield %l : tensor<?x?x8xf32>
  }, {
  ^bb0(%a: tensor<?x?x8xf32>):
    %b = olm.block %a {name = "b"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
    ^bb0(%c: tensor<?x?x8xf32>):
      %l = olm.linear %c {in_features = 8, out_features = 8, params = {weight = "b.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
      olm.yield %l : tensor<?x?x8xf32>
    }
    olm.yield %b : tensor<?x?x8xf32>
  }
  %cat = olm.parallel %sum {merge = "concat"} : tensor<?x?x8xf32> -> tensor<?x?x16xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    olm.yield %a : tensor<?x?x8xf32>
  }, {
  ^bb0(%a: tensor<?x?x8xf32>):
    %l = olm.linear %a {in_features = 8, out_features = 8, params = {weight = "c.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
    olm.yield %l : tensor<?x?x8xf32>
  }
  %mean = olm.parallel %cat {merge = "mean"} : tensor<?x?x16xf32> -> tensor<?x?x16xf32> {
  ^bb0(%a: tensor<?x?x16xf32>):
    olm.yield %a : tensor<?x?x16xf32>
  }, {
  ^bb0(%a: tensor<?x?x16xf32>):
    olm.yield %a : tensor<?x?x16xf32>
  }
  %h = olm.output_head %mean {dim = 16, vocab = 16, params = {weight = "lm_head.weight"}} : tensor<?x?x16xf32> -> tensor<?x?x16xf32>
  olm.yield %h : tensor<?x?x16xf32>
}

// CHECK-LABEL: olm.model @merges
// CHECK-NOT: olm.parallel
// CHECK-NOT: olm.block
// CHECK: %[[E:.*]] = olm.embedding
// CHECK: %[[L1:.*]] = olm.linear %[[E]] {{.*}}"a.weight"
// CHECK: %[[L2:.*]] = olm.linear %[[E]] {{.*}}"b.weight"
// CHECK: %[[S:.*]] = arith.addf %[[L1]], %[[L2]]
// CHECK: %[[L3:.*]] = olm.linear %[[S]] {{.*}}"c.weight"
// CHECK: %[[C:.*]] = tensor.concat dim(2) %[[S]], %[[L3]] : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x16xf32>
// CHECK: %[[M:.*]] = arith.addf %[[C]], %[[C]]
// CHECK: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[SPLAT:.*]] = tensor.splat %[[HALF]]
// CHECK: %[[MEAN:.*]] = arith.mulf %[[M]], %[[SPLAT]]
// CHECK: olm.output_head %[[MEAN]]
