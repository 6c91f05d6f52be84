// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-fuse-matmul-residual))' | FileCheck %s
// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-fuse-matmul-residual,olm-plan-memory{max-seq=4 max-batch=1}))' | FileCheck %s --check-prefix=PLAN
//
// x + matmul(...) becomes the matmul with `residual x` (either operand
// order). Not fused: a product with another use, an add that is the
// model's result. After planning, a residual that dies at the add lends
// its buffer to the sum (the GEMM accumulates in place); one that lives on
// does not.

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %b = olm.weight "b" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8>, tensor = "b"}]} : tensor<8xf32>
  %h = olm.weight "h" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "h"}]} : tensor<16x8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %m1 = olm.matmul %x, %w bias %b : tensor<8xf32> : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %s1 = arith.addf %x, %m1 : tensor<?x?x8xf32>
  %m2 = olm.matmul %s1, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %s2 = arith.addf %m2, %s1 : tensor<?x?x8xf32>
  %m3 = olm.matmul %s2, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %s3 = arith.addf %s2, %m3 : tensor<?x?x8xf32>
  %t3 = arith.addf %s3, %m3 : tensor<?x?x8xf32>
  %m4 = olm.matmul %t3, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %s4 = arith.addf %s2, %m4 : tensor<?x?x8xf32>
  %m5 = olm.matmul %s4, %w : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %s5 = arith.addf %s4, %m5 : tensor<?x?x8xf32>
  olm.yield %s5 : tensor<?x?x8xf32>
}

// CHECK: %[[X:.*]] = olm.embed_lookup
// CHECK: %[[S1:.*]] = olm.matmul %[[X]], %{{.*}} bias %{{.*}} : tensor<8xf32> residual %[[X]] : tensor<?x?x8xf32> :
// CHECK: %[[S2:.*]] = olm.matmul %[[S1]], %{{.*}} residual %[[S1]] : tensor<?x?x8xf32> :
// %m3 has two uses: left alone.
// CHECK: %[[M3:.*]] = olm.matmul %[[S2]], %{{.*}} : tensor
// CHECK: %[[S3:.*]] = arith.addf %[[S2]], %[[M3]]
// CHECK: %[[T3:.*]] = arith.addf %[[S3]], %[[M3]]
// CHECK: %[[S4:.*]] = olm.matmul %[[T3]], %{{.*}} residual %[[S2]] : tensor<?x?x8xf32> :
// The model's result stays an add.
// CHECK: %[[M5:.*]] = olm.matmul %[[S4]], %{{.*}} : tensor
// CHECK: %[[S5:.*]] = arith.addf %[[S4]], %[[M5]]
// CHECK: olm.yield %[[S5]]

// The residual stream dies at each fused add and is reused in place
// unless the residual is the product's own input (%s1 = x W + x and
// %s2 = s1 W + s1 get buffers of their own: the GEMM still reads it). %s4
// takes over %s2's buffer: %s2 dies there. Unfused products and adds get
// their own buffers.
// PLAN: olm.embed_lookup {{.*}}{olm.offset = [[X:[0-9]+]] : i64}
// PLAN-NEXT: olm.matmul {{.*}}residual{{.*}}{olm.offset = [[S1:[0-9]+]] : i64}
// PLAN-NEXT: olm.matmul {{.*}}residual{{.*}}{olm.offset = [[S2:[0-9]+]] : i64}
// PLAN-NEXT: olm.matmul {{.*}}{olm.offset = [[M3:[0-9]+]] : i64}
// PLAN-NEXT: arith.addf
// PLAN-NEXT: arith.addf
// PLAN-NEXT: olm.matmul {{.*}}residual{{.*}}{olm.offset = [[S2]] : i64}
