olm.combinator_def @bad children(1) params [] {
^bb0(%x: tensor<?x?x?xf32>):
  %y = olm.apply_child 0, %x : tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  %r = arith.addf %x, %y : tensor<?x?x?xf32>, tensor<?x?xf32>
  olm.yield %r : tensor<?x?x?xf32>
}
