// RUN: olmc-opt %s | olmc-opt | FileCheck %s
// RUN: olmc-opt %s --mlir-print-op-generic | olmc-opt | FileCheck %s
//
// Every olm op parses, verifies, prints and re-parses to the same IR.

olm.model @tiny attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %0 = olm.embedding %ids {vocab = 256, dim = 64, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x64xf32>
  %1 = olm.repeat %0 count 2 index "i" {name = "h"} : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
  ^bb0(%x: tensor<?x?x64xf32>):
    %r = olm.residual %x : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
    ^bb0(%a: tensor<?x?x64xf32>):
      %n = olm.rmsnorm %a {dim = 64, params = {weight = "h.{i}.ln.weight"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
      %att = olm.attention %n {dim = 64, heads = 4, kv_heads = 2, head_dim = 16, rope_theta = 10000.0, params = {q_weight = "h.{i}.q.weight", k_weight = "h.{i}.k.weight", v_weight = "h.{i}.v.weight", o_weight = "h.{i}.o.weight"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
      olm.yield %att : tensor<?x?x64xf32>
    }
    olm.yield %r : tensor<?x?x64xf32>
  }
  %p = olm.parallel %1 {merge = "mean"} : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
  ^bb0(%x: tensor<?x?x64xf32>):
    %f = olm.gated_ffn %x {dim = 64, hidden = 128, params = {gate_weight = "g", up_weight = "u", down_weight = "d"}} : tensor<?x?x64xf32> -> tensor<?x?x64xf32>
    olm.yield %f : tensor<?x?x64xf32>
  }, {
  ^bb0(%x: tensor<?x?x64xf32>):
    olm.yield %x : tensor<?x?x64xf32>
  }
  %l = olm.output_head %p {dim = 64, vocab = 256, tied = true, norm = "rmsnorm", params = {norm_weight = "norm.weight", weight = "wte.weight"}} : tensor<?x?x64xf32> -> tensor<?x?x256xf32>
  olm.yield %l : tensor<?x?x256xf32>
}

// CHECK-LABEL: olm.model @tiny attributes {dtype = f32}
// CHECK: olm.embedding %{{.*}} {dim = 64 : i64, params = {weight = "wte.weight"}, vocab = 256 : i64} : tensor<?x?xi32> -> tensor<?x?x64xf32>
// CHECK: olm.repeat %{{.*}} count 2 index "i" {name = "h"} : tensor<?x?x64xf32> -> tensor<?x?x64xf32> {
// CHECK: olm.residual
// CHECK: olm.rmsnorm %{{.*}} {dim = 64 : i64, params = {weight = "h.{i}.ln.weight"}}
// CHECK: olm.attention %{{.*}} {dim = 64 : i64, head_dim = 16 : i64, heads = 4 : i64, kv_heads = 2 : i64, params = {k_weight = "h.{i}.k.weight", o_weight = "h.{i}.o.weight", q_weight = "h.{i}.q.weight", v_weight = "h.{i}.v.weight"}, rope_theta = 1.000000e+04 : f64}
// CHECK: olm.parallel %{{.*}} {merge = "mean"}
// CHECK: olm.gated_ffn
// CHECK: }, {
// CHECK: olm.output_head %{{.*}} {dim = 64 : i64, norm = "rmsnorm", params = {norm_weight = "norm.weight", weight = "wte.weight"}, tied = true, vocab = 256 : i64}
// CHECK: olm.yield %{{.*}} : tensor<?x?x256xf32>


// Every remaining layer op and option, with GPT-2-style layouts.
olm.model @all_layers attributes {dtype = bf16} {
^bb0(%ids: tensor<?x?xi64>):
  %0 = olm.embedding %ids {vocab = 100, dim = 32, scale = 5.656854 : f64, params = {weight = "wte.weight"}} : tensor<?x?xi64> -> tensor<?x?x32xbf16>
  %1 = olm.pos_embedding %0 {max_positions = 64, dim = 32, offset = 2, params = {weight = "wpe.weight"}} : tensor<?x?x32xbf16> -> tensor<?x?x32xbf16>
  %2 = olm.layernorm %1 {dim = 32, eps = 1.0e-5 : f64, affine = true, bias = false, params = {weight = "ln.weight"}} : tensor<?x?x32xbf16> -> tensor<?x?x32xbf16>
  %3 = olm.attention %2 {dim = 32, heads = 4, kv_heads = 4, head_dim = 8, causal = true, qkv_bias = true, out_bias = true, qkv_layout = "fused", weight_layout = "in_out", rope_theta = 5.0e5 : f64, rope_layout = "interleaved", rope_fraction = 0.5 : f64, rope_scaling = {type = "llama3", factor = 32.0 : f64}, qk_norm = "layernorm", softcap = 50.0 : f64, sliding_window = 16, scale = 0.25 : f64, params = {qkv_weight = "attn.c_attn.weight", qkv_bias = "attn.c_attn.bias", o_weight = "attn.c_proj.weight", o_bias = "attn.c_proj.bias", q_norm_weight = "qn.w", k_norm_weight = "kn.w", q_norm_bias = "qn.b", k_norm_bias = "kn.b"}} : tensor<?x?x32xbf16> -> tensor<?x?x32xbf16>
  %4 = olm.ffn %3 {dim = 32, hidden = 128, activation = "gelu_tanh", bias = true, weight_layout = "in_out", params = {up_weight = "mlp.c_fc.weight", up_bias = "mlp.c_fc.bias", down_weight = "mlp.c_proj.weight", down_bias = "mlp.c_proj.bias"}} : tensor<?x?x32xbf16> -> tensor<?x?x32xbf16>
  %5 = olm.gated_ffn %4 {dim = 32, hidden = 64, activation = "gelu_tanh", gate_up_layout = "fused", params = {gate_up_weight = "mlp.gate_up_proj.weight", down_weight = "mlp.down_proj.weight"}} : tensor<?x?x32xbf16> -> tensor<?x?x32xbf16>
  %6 = olm.rmsnorm %5 {dim = 32, eps = 1.0e-6 : f64, weight_offset = 1.0 : f64, params = {weight = "norm.weight"}} : tensor<?x?x32xbf16> -> tensor<?x?x32xbf16>
  %7 = olm.linear %6 {in_features = 32, out_features = 48, bias = true, params = {weight = "proj.weight", bias = "proj.bias"}} : tensor<?x?x32xbf16> -> tensor<?x?x48xbf16>
  %8 = olm.parallel %7 {merge = "concat", dim = -1 : i64} : tensor<?x?x48xbf16> -> tensor<?x?x96xbf16> {
  ^bb0(%x: tensor<?x?x48xbf16>):
    olm.yield %x : tensor<?x?x48xbf16>
  }, {
  ^bb0(%x: tensor<?x?x48xbf16>):
    olm.yield %x : tensor<?x?x48xbf16>
  }
  %9 = olm.block %8 {name = "head"} : tensor<?x?x96xbf16> -> tensor<?x?x100xbf16> {
  ^bb0(%x: tensor<?x?x96xbf16>):
    %h = olm.output_head %x {dim = 96, vocab = 100, norm = "layernorm", norm_eps = 1.0e-5 : f64, softcap = 30.0 : f64, bias = true, params = {norm_weight = "ln_f.weight", norm_bias = "ln_f.bias", weight = "lm_head.weight", bias = "lm_head.bias"}} : tensor<?x?x96xbf16> -> tensor<?x?x100xbf16>
    olm.yield %h : tensor<?x?x100xbf16>
  }
  olm.yield %9 : tensor<?x?x100xbf16>
}

// CHECK-LABEL: olm.model @all_layers attributes {dtype = bf16}
// CHECK: olm.embedding {{.*}}scale = 5.65
// CHECK: olm.pos_embedding {{.*}}offset = 2 : i64
// CHECK: olm.layernorm {{.*}}bias = false
// CHECK: olm.attention {{.*}}qk_norm = "layernorm"{{.*}}qkv_layout = "fused"{{.*}}rope_layout = "interleaved"{{.*}}rope_scaling = {factor = 3.200000e+01 : f64, type = "llama3"}{{.*}}sliding_window = 16 : i64{{.*}}weight_layout = "in_out"
// CHECK: olm.ffn {{.*}}activation = "gelu_tanh"
// CHECK: olm.gated_ffn {{.*}}gate_up_layout = "fused"
// CHECK: olm.rmsnorm {{.*}}weight_offset = 1.0
// CHECK: olm.linear {{.*}}out_features = 48
// CHECK: olm.parallel %{{.*}} {merge = "concat"} : tensor<?x?x48xbf16> -> tensor<?x?x96xbf16>
// CHECK: olm.output_head {{.*}}softcap = 3.000000e+01
