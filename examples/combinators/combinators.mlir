// Custom combinators defined in MLIR: no C++, no change to the compiler.
// A model YAML lists this file under `imports:` and uses each definition by
// name, like a built-in node (see docs/custom-combinators.md).

// x + sigmoid(g) * child(x), with a learned scalar gate g (the seed
// library's GatedResidual).
olm.combinator_def @gated_residual children(1)
    params [{name = "gate", shape = array<i64: 1>, init = "zeros"}] {
^bb0(%x: tensor<?x?x?xf32>):
  %y = olm.apply_child 0, %x : tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %g = olm.param_ref "gate" : tensor<1xf32>
  %c0 = arith.constant 0 : index
  %gs = tensor.extract %g[%c0] : tensor<1xf32>
  %one = arith.constant 1.0 : f32
  %neg = arith.negf %gs : f32
  %e = math.exp %neg : f32
  %den = arith.addf %one, %e : f32
  %sig = arith.divf %one, %den : f32
  %s = olm.broadcast %sig like %y : f32, tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %gy = arith.mulf %s, %y : tensor<?x?x?xf32>
  %r = arith.addf %x, %gy : tensor<?x?x?xf32>
  olm.yield %r : tensor<?x?x?xf32>
}

// x + scale * child(x) with a learned per-channel scale (LayerScale).
olm.combinator_def @scaled_residual children(1)
    params [{name = "scale", shape = array<i64: -1>, init = "ones"}] {
^bb0(%x: tensor<?x?x?xf32>):
  %y = olm.apply_child 0, %x : tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %s = olm.param_ref "scale" : tensor<?xf32>
  %b = olm.broadcast %s like %y : tensor<?xf32>, tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %sy = arith.mulf %b, %y : tensor<?x?x?xf32>
  %r = arith.addf %x, %sy : tensor<?x?x?xf32>
  olm.yield %r : tensor<?x?x?xf32>
}

// A parallel merge that is neither sum nor concat: branches mixed by the
// softmax of three learned logits.
olm.combinator_def @softmax_mix3 children(3)
    params [{name = "logits", shape = array<i64: 3>, init = "zeros"}] {
^bb0(%x: tensor<?x?x?xf32>):
  %a = olm.apply_child 0, %x : tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %b = olm.apply_child 1, %x : tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %c = olm.apply_child 2, %x : tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %w = olm.param_ref "logits" : tensor<3xf32>
  %i0 = arith.constant 0 : index
  %i1 = arith.constant 1 : index
  %i2 = arith.constant 2 : index
  %w0 = tensor.extract %w[%i0] : tensor<3xf32>
  %w1 = tensor.extract %w[%i1] : tensor<3xf32>
  %w2 = tensor.extract %w[%i2] : tensor<3xf32>
  %m01 = arith.maximumf %w0, %w1 : f32
  %m = arith.maximumf %m01, %w2 : f32
  %d0 = arith.subf %w0, %m : f32
  %d1 = arith.subf %w1, %m : f32
  %d2 = arith.subf %w2, %m : f32
  %e0 = math.exp %d0 : f32
  %e1 = math.exp %d1 : f32
  %e2 = math.exp %d2 : f32
  %s01 = arith.addf %e0, %e1 : f32
  %s = arith.addf %s01, %e2 : f32
  %p0 = arith.divf %e0, %s : f32
  %p1 = arith.divf %e1, %s : f32
  %p2 = arith.divf %e2, %s : f32
  %q0 = olm.broadcast %p0 like %a : f32, tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %q1 = olm.broadcast %p1 like %b : f32, tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %q2 = olm.broadcast %p2 like %c : f32, tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %ya = arith.mulf %q0, %a : tensor<?x?x?xf32>
  %yb = arith.mulf %q1, %b : tensor<?x?x?xf32>
  %yc = arith.mulf %q2, %c : tensor<?x?x?xf32>
  %sab = arith.addf %ya, %yb : tensor<?x?x?xf32>
  %r = arith.addf %sab, %yc : tensor<?x?x?xf32>
  olm.yield %r : tensor<?x?x?xf32>
}
