// RUN: olmc-opt %s -split-input-file -verify-diagnostics
//
// Verifier diagnostics of the olm dialect, one case per split.

// kv_heads must divide heads.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{kv_heads (3) must divide heads (4)}}
  %a = olm.attention %x {dim = 64, heads = 4, kv_heads = 3, head_dim = 16, params = {q_weight = "q", k_weight = "k", v_weight = "v", o_weight = "o"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  olm.yield %a : tensor<?x?x64xf32>
}

// -----

// Shapes must chain: a 128-feature norm cannot follow a 64-feature embedding.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{input has 64 features but the op expects 128}}
  %a = olm.layernorm %x {dim = 128, params = {weight = "w", bias = "b"}} : tensor<?x?x64xf32> -> tensor<?x?x128xf32>
  %b = olm.linear %a {in_features = 128, out_features = 64, params = {weight = "p"}} : tensor<?x?x128xf32> -> tensor<?x?x64xf32>
  olm.yield %b : tensor<?x?x64xf32>
}

// -----

// A residual body must keep the shape.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{body output type 'tensor<?x?x32xf32>' must equal the input type 'tensor<?x?x64xf32>' to add the skip connection}}
  %r = olm.residual %x : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>):
    %p = olm.linear %a {in_features = 64, out_features = 32, params = {weight = "p"}} : tensor<?x?x64xf32> -> tensor<?x?x32xf32>
    olm.yield %p : tensor<?x?x32xf32>
  }
  olm.yield %r : tensor<?x?x64xf32>
}

// -----

// Each repeat iteration owns its weights: names must use the index.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{parameter 'shared.weight' does not depend on the repeat index 'i', so all 3 iterations would share it}}
  %r = olm.repeat %x count 3 index "i" : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>):
    %n = olm.rmsnorm %a {dim = 64, params = {weight = "shared.weight"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
    olm.yield %n : tensor<?x?x64xf32>
  }
  olm.yield %r : tensor<?x?x64xf32>
}

// -----

// A placeholder must be bound by an enclosing repeat.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{parameter name 'h.{j}.w' uses index 'j', which no enclosing olm.repeat binds}}
  %n = olm.rmsnorm %x {dim = 64, params = {weight = "h.{j}.w"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  olm.yield %n : tensor<?x?x64xf32>
}

// -----

// Every parameter the attributes call for must be named.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{missing name for parameter 'bias' in 'params'}}
  %n = olm.layernorm %x {dim = 64, params = {weight = "w"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  olm.yield %n : tensor<?x?x64xf32>
}

// -----

// Parameters the attributes do not call for are rejected.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{parameter 'bias' is not used with these attributes (expected one of: weight)}}
  %n = olm.rmsnorm %x {dim = 64, params = {weight = "w", bias = "b"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  olm.yield %n : tensor<?x?x64xf32>
}

// -----

// Branches merged by sum must agree.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{branch 1 yields 'tensor<?x?x32xf32>' but merge 'sum' needs 'tensor<?x?x64xf32>'}}
  %p = olm.parallel %x {merge = "sum"} : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>):
    olm.yield %a : tensor<?x?x64xf32>
  }, {
  ^bb0(%a: tensor<?x?x64xf32>):
    %l = olm.linear %a {in_features = 64, out_features = 32, params = {weight = "p"}} : tensor<?x?x64xf32> -> tensor<?x?x32xf32>
    olm.yield %l : tensor<?x?x32xf32>
  }
  olm.yield %p : tensor<?x?x64xf32>
}

// -----

// Concatenated sizes must add up.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{concatenated size along dim 2 is 128 but the result's is 100}}
  %p = olm.parallel %x {merge = "concat"} : tensor<?x?x64xf32> -> tensor<?x?x100xf32> {
  ^bb0(%a: tensor<?x?x64xf32>):
    olm.yield %a : tensor<?x?x64xf32>
  }, {
  ^bb0(%a: tensor<?x?x64xf32>):
    olm.yield %a : tensor<?x?x64xf32>
  }
  %l = olm.linear %p {in_features = 100, out_features = 64, params = {weight = "p"}} : tensor<?x?x100xf32> -> tensor<?x?x64xf32>
  olm.yield %l : tensor<?x?x64xf32>
}

// -----

// A tied head must name a token embedding of matching shape.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{tied head weight 'lm_head.weight' is not the weight of a token embedding of shape [16, 64] in this model}}
  %h = olm.output_head %x {dim = 64, vocab = 16, tied = true, params = {weight = "lm_head.weight"}} : tensor<?x?x64xf32> -> tensor<?x?x16xf32>
  olm.yield %h : tensor<?x?x16xf32>
}

// -----

// Partial RoPE needs an even number of rotary dims.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{rope_fraction 0.1 of head_dim 16 gives 1 rotary dims; it must be even and >= 2}}
  %a = olm.attention %x {dim = 64, heads = 4, kv_heads = 4, head_dim = 16, rope_theta = 1.0e4 : f64, rope_fraction = 0.1 : f64, params = {q_weight = "q", k_weight = "k", v_weight = "v", o_weight = "o"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  olm.yield %a : tensor<?x?x64xf32>
}

// -----

// A sliding window is a causal notion.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{sliding_window needs causal attention}}
  %a = olm.attention %x {dim = 64, heads = 4, kv_heads = 4, head_dim = 16, causal = false, sliding_window = 8, params = {q_weight = "q", k_weight = "k", v_weight = "v", o_weight = "o"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  olm.yield %a : tensor<?x?x64xf32>
}

// -----

// Nested repeats need distinct indices.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  %r = olm.repeat %x count 2 index "i" : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>):
    // expected-error @+1 {{index 'i' shadows the index of an enclosing repeat}}
    %s = olm.repeat %a count 2 index "i" : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
    ^bb0(%b: tensor<?x?x64xf32>):
      %n = olm.rmsnorm %b {dim = 64, params = {weight = "h.{i}.w"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
      olm.yield %n : tensor<?x?x64xf32>
    }
    olm.yield %s : tensor<?x?x64xf32>
  }
  olm.yield %r : tensor<?x?x64xf32>
}

// -----

// Merge kinds are a fixed set.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{attribute 'merge' failed to satisfy constraint: string attribute whose value is one of: sum, mean, concat}}
  %p = olm.parallel %x {merge = "max"} : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>):
    olm.yield %a : tensor<?x?x64xf32>
  }
  olm.yield %p : tensor<?x?x64xf32>
}

// -----

// Gated feed-forward needs a smooth gate.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{gated_ffn supports silu (SwiGLU), gelu and gelu_tanh (GeGLU), got 'relu'}}
  %f = olm.gated_ffn %x {dim = 64, hidden = 128, activation = "relu", params = {gate_weight = "g", up_weight = "u", down_weight = "d"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  olm.yield %f : tensor<?x?x64xf32>
}

// -----

// LayerNorm bias without affine makes no sense.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{bias = true requires affine = true}}
  %n = olm.layernorm %x {dim = 64, affine = false, params = {}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  olm.yield %n : tensor<?x?x64xf32>
}

// -----

// Malformed placeholders are rejected.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  %r = olm.repeat %x count 2 index "i" : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x64xf32>):
    // expected-error @+1 {{in placeholder '{2*}': expected a number or an index variable}}
    %n = olm.rmsnorm %a {dim = 64, params = {weight = "h.{2*}.w"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
    olm.yield %n : tensor<?x?x64xf32>
  }
  olm.yield %r : tensor<?x?x64xf32>
}

// -----

// A child's argument must be the combinator's input.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{child 0 argument type 'tensor<?x?x32xf32>' does not match the input type 'tensor<?x?x64xf32>'}}
  %b = olm.block %x : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
  ^bb0(%a: tensor<?x?x32xf32>):
    %l = olm.linear %a {in_features = 32, out_features = 64, params = {weight = "p"}} : tensor<?x?x32xf32> -> tensor<?x?x64xf32>
    olm.yield %l : tensor<?x?x64xf32>
  }
  olm.yield %b : tensor<?x?x64xf32>
}

// -----

// The model takes token ids.
// expected-error @+1 {{token ids must be a rank-2 integer tensor [batch, seq], got 'tensor<?x?x64xf32>'}}
olm.model @m attributes {dtype = f32} {
^bb0(%x: tensor<?x?x64xf32>):
  %h = olm.output_head %x {dim = 64, vocab = 16, params = {weight = "w"}} : tensor<?x?x64xf32> -> tensor<?x?x16xf32>
  olm.yield %h : tensor<?x?x16xf32>
}

// -----

// An embedding reads token ids.
olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  // expected-error @+1 {{input must be token ids, a rank-2 integer tensor [batch, seq], got 'tensor<?x?x64xf32>'}}
  %y = olm.embedding %x {vocab = 16, dim = 64, params = {weight = "e2"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  %h = olm.output_head %y {dim = 64, vocab = 16, params = {weight = "w"}} : tensor<?x?x64xf32> -> tensor<?x?x16xf32>
  olm.yield %h : tensor<?x?x16xf32>
}

// -----

olm.model @matmul_residual_and_activation attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{takes a residual or an activation, not both}}
  %m = olm.matmul %x, %w residual %x : tensor<?x?x8xf32> {activation = "gelu"} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  olm.yield %m : tensor<?x?x8xf32>
}

// -----

olm.model @matmul_gated_without_activation attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "w"}]} : tensor<16x8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{gated needs an activation for the gate}}
  %m = olm.matmul %x, %w {gated} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  olm.yield %m : tensor<?x?x8xf32>
}

// -----

olm.model @matmul_gated_with_residual attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "w"}]} : tensor<16x8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{gated takes no residual}}
  %m = olm.matmul %x, %w residual %x : tensor<?x?x8xf32> {activation = "silu", gated} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  olm.yield %m : tensor<?x?x8xf32>
}

// -----

olm.model @matmul_gated_weight_rows attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{weight must be 16x8, got 'tensor<8x8xf32>'}}
  %m = olm.matmul %x, %w {activation = "silu", gated} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  olm.yield %m : tensor<?x?x8xf32>
}

// -----

olm.model @matmul_norm_without_eps attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %g = olm.weight "g" {init = {kind = "ones"}, sources = [{shape = array<i64: 8>, tensor = "g"}]} : tensor<8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{norm needs norm_eps}}
  %m = olm.matmul %x, %w norm %g : tensor<8xf32> : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  olm.yield %m : tensor<?x?x8xf32>
}

// -----

olm.model @matmul_norm_eps_without_norm attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{norm_eps, layer_norm and norm_bias need a norm weight}}
  %m = olm.matmul %x, %w {norm_eps = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  olm.yield %m : tensor<?x?x8xf32>
}

// -----

olm.model @matmul_norm_bias_without_layer_norm attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %g = olm.weight "g" {init = {kind = "ones"}, sources = [{shape = array<i64: 8>, tensor = "g"}]} : tensor<8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // An RMSNorm has no bias.
  // expected-error @+1 {{norm_bias is for a layer_norm norm}}
  %m = olm.matmul %x, %w norm %g : tensor<8xf32> norm_bias %g : tensor<8xf32> {norm_eps = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  olm.yield %m : tensor<?x?x8xf32>
}

// -----

olm.model @matmul_layer_norm_offset attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %g = olm.weight "g" {init = {kind = "ones"}, sources = [{shape = array<i64: 8>, tensor = "g"}]} : tensor<8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{a layer_norm norm takes no norm_offset}}
  %m = olm.matmul %x, %w norm %g : tensor<8xf32> {layer_norm, norm_eps = 1.0e-05 : f64, norm_offset = 1.0 : f64} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  olm.yield %m : tensor<?x?x8xf32>
}

// -----

olm.model @matmul_layer_norm_bias_shape attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %g = olm.weight "g" {init = {kind = "ones"}, sources = [{shape = array<i64: 8>, tensor = "g"}]} : tensor<8xf32>
  %b = olm.weight "b" {init = {kind = "zeros"}, sources = [{shape = array<i64: 4>, tensor = "b"}]} : tensor<4xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{norm bias must be 8, got 'tensor<4xf32>'}}
  %m = olm.matmul %x, %w norm %g : tensor<8xf32> norm_bias %b : tensor<4xf32> {layer_norm, norm_eps = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  olm.yield %m : tensor<?x?x8xf32>
}

// -----

olm.model @matmul_norm_weight_shape attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "w"}]} : tensor<16x8xf32>
  %g = olm.weight "g" {init = {kind = "ones"}, sources = [{shape = array<i64: 16>, tensor = "g"}]} : tensor<16xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // The norm scales the input's 8 features, not the result's 16.
  // expected-error @+1 {{norm weight must be 8, got 'tensor<16xf32>'}}
  %m = olm.matmul %x, %w norm %g : tensor<16xf32> {norm_eps = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  olm.yield %m : tensor<?x?x16xf32>
}

// -----

olm.model @matmul_unknown_activation attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %e = olm.weight "e" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "e"}]} : tensor<16x8xf32>
  %w = olm.weight "w" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "w"}]} : tensor<8x8xf32>
  %x = olm.embed_lookup %ids, %e : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{whose value is one of: gelu, gelu_tanh, relu, silu}}
  %m = olm.matmul %x, %w {activation = "tanh"} : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  olm.yield %m : tensor<?x?x8xf32>
}
