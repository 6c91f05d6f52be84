olm.combinator_def @bad children(1)
    params [{name = "gate", shape = array<i64: 1>, init = "zeros"}] {
^bb0(%x: tensor<?x?x?xf32>):
  %y = olm.apply_child 0, %x : tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %g = olm.param_ref "gaet" : tensor<1xf32>
  olm.yield %y : tensor<?x?x?xf32>
}
