// The plugin op's verifiers (its own, CombinatorOpInterface's and
// LayerOpInterface's) report at the op's location in the file.
// RUN: olmc-opt --load-dialect-plugin=%gres_plugin %s -split-input-file -verify-diagnostics

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{'gres.gated_residual' op the body must keep the input type 'tensor<?x?x8xf32>' (x + sigmoid(g) * body(x)), but it yields 'tensor<?x?x4xf32>'}}
  %y = gres.gated_residual %x {params = {gate = "g"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    %l = olm.linear %a {in_features = 8, out_features = 4, params = {weight = "w"}} : tensor<?x?x8xf32> -> tensor<?x?x4xf32>
    olm.yield %l : tensor<?x?x4xf32>
  }
  olm.yield %y : tensor<?x?x8xf32>
}

// -----

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{'gres.gated_residual' op missing name for parameter 'gate' in 'params'}}
  %y = gres.gated_residual %x {params = {}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    olm.yield %a : tensor<?x?x8xf32>
  }
  olm.yield %y : tensor<?x?x8xf32>
}

// -----

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{'gres.gated_residual' op parameter 'bias' is not used with these attributes (expected one of: gate)}}
  %y = gres.gated_residual %x {params = {gate = "g", bias = "b"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    olm.yield %a : tensor<?x?x8xf32>
  }
  olm.yield %y : tensor<?x?x8xf32>
}

// -----

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{'gres.gated_residual' op attribute 'gate_init' failed to satisfy constraint: string attribute whose value is zeros, ones or normal}}
  %y = gres.gated_residual %x {gate_init = "uniform", params = {gate = "g"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    olm.yield %a : tensor<?x?x8xf32>
  }
  olm.yield %y : tensor<?x?x8xf32>
}

// -----

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{'gres.gated_residual' op child 0 argument type 'tensor<?x?x4xf32>' does not match the input type 'tensor<?x?x8xf32>'}}
  %y = gres.gated_residual %x {params = {gate = "g"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x4xf32>):
    olm.yield %a : tensor<?x?x4xf32>
  }
  olm.yield %y : tensor<?x?x8xf32>
}

// -----

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{'gres.gated_residual' op parameter name 'blocks.{i}.gate' uses index 'i', which no enclosing olm.repeat binds}}
  %y = gres.gated_residual %x {params = {gate = "blocks.{i}.gate"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> {
  ^bb0(%a: tensor<?x?x8xf32>):
    olm.yield %a : tensor<?x?x8xf32>
  }
  olm.yield %y : tensor<?x?x8xf32>
}
