olm.combinator_def @bad children(1) params [] {
^bb0(%x: tensor<?x?x?xf32>):
  %y = olm.apply_child 1, %x : tensor<?x?x?xf32> -> tensor<?x?x?xf32>
  olm.yield %y : tensor<?x?x?xf32>
}
