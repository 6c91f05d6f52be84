// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-decompose-layers))' | FileCheck %s
//
// Layer ops become primitives; weights become olm.weight values that say
// how to assemble them: q/k/v fused, gate/up fused, Conv1D transposed,
// per-head qkv permuted, and a tied head sharing the embedding's value.

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %x = olm.embedding %ids {vocab = 16, dim = 8, params = {weight = "wte.weight"}} : tensor<?x?xi32> -> tensor<?x?x8xf32>
  %n = olm.rmsnorm %x {dim = 8, eps = 1.0e-5 : f64, params = {weight = "ln.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %a = olm.attention %n {dim = 8, heads = 2, kv_heads = 1, head_dim = 4, rope_theta = 10000.0 : f64, qkv_bias = true, params = {q_weight = "a.q_proj.weight", k_weight = "a.k_proj.weight", v_weight = "a.v_proj.weight", q_bias = "a.q_proj.bias", k_bias = "a.k_proj.bias", v_bias = "a.v_proj.bias", o_weight = "a.o_proj.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %c = olm.attention %a {dim = 8, heads = 2, kv_heads = 2, head_dim = 4, qkv_layout = "fused", weight_layout = "in_out", params = {qkv_weight = "c.c_attn.weight", o_weight = "c.c_proj.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %p = olm.attention %c {dim = 8, heads = 2, kv_heads = 2, head_dim = 4, rope_theta = 10000.0 : f64, rope_fraction = 0.5 : f64, qkv_layout = "fused_per_head", params = {qkv_weight = "p.query_key_value.weight", o_weight = "p.dense.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %f = olm.gated_ffn %p {dim = 8, hidden = 16, params = {gate_weight = "f.gate_proj.weight", up_weight = "f.up_proj.weight", down_weight = "f.down_proj.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %g = olm.ffn %f {dim = 8, hidden = 32, activation = "gelu_tanh", weight_layout = "in_out", params = {up_weight = "g.c_fc.weight", up_bias = "g.c_fc.bias", down_weight = "g.c_proj.weight", down_bias = "g.c_proj.bias"}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %h = olm.output_head %g {dim = 8, vocab = 16, tied = true, norm = "layernorm", softcap = 30.0 : f64, params = {norm_weight = "ln_f.weight", norm_bias = "ln_f.bias", weight = "wte.weight"}} : tensor<?x?x8xf32> -> tensor<?x?x16xf32>
  olm.yield %h : tensor<?x?x16xf32>
}

// CHECK-LABEL: olm.model @m
// CHECK: %[[WTE:.*]] = olm.weight "wte.weight" {{.*}}sources = [{shape = array<i64: 16, 8>, tensor = "wte.weight"}]} : tensor<16x8xf32>
// CHECK: %[[LN:.*]] = olm.weight "ln.weight" {init = {kind = "ones"}
// CHECK: %[[QKV:.*]] = olm.weight "a.qkv.weight" {{.*}}sources = [{shape = array<i64: 8, 8>, tensor = "a.q_proj.weight"}, {shape = array<i64: 4, 8>, tensor = "a.k_proj.weight"}, {shape = array<i64: 4, 8>, tensor = "a.v_proj.weight"}]} : tensor<16x8xf32>
// CHECK: %[[QKVB:.*]] = olm.weight "a.qkv.bias" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8>, tensor = "a.q_proj.bias"}, {shape = array<i64: 4>, tensor = "a.k_proj.bias"}, {shape = array<i64: 4>, tensor = "a.v_proj.bias"}]} : tensor<16xf32>
// CHECK: olm.weight "c.c_attn.weight" {{.*}}sources = [{shape = array<i64: 8, 24>, tensor = "c.c_attn.weight"}], transpose = true} : tensor<24x8xf32>
// CHECK: olm.weight "p.query_key_value.weight" {{.*}}permute = {head_dim = 4 : i64, heads = 2 : i64, kind = "qkv_per_head"}
// CHECK: olm.weight "f.gate_up.weight" {{.*}}tensor = "f.gate_proj.weight"{{.*}}tensor = "f.up_proj.weight"{{.*}} : tensor<32x8xf32>
// CHECK-NOT: olm.weight "wte.weight"
// CHECK: %[[E:.*]] = olm.embed_lookup %arg0, %[[WTE]]
// CHECK: %[[N:.*]] = olm.rms_norm %[[E]], %[[LN]] {eps = 1.000000e-05 : f64}
// CHECK: %[[Q:.*]] = olm.matmul %[[N]], %[[QKV]] bias %[[QKVB]] : tensor<16xf32> : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
// CHECK: olm.attention_core %[[Q]] {causal = true, head_dim = 4 : i64, heads = 2 : i64, interleaved = false, inv_freq = array<f32: 1.000000e+00, 0.00999999977>, kv_heads = 1 : i64, layer = 0 : i64, qk_norm = "none", qk_norm_eps = 9.9999999999999995E-7 : f64, rotary_dim = 4 : i64, scale = 5.000000e-01 : f64, softcap = 0.000000e+00 : f64, window = 0 : i64}
// CHECK: olm.attention_core {{.*}}inv_freq = array<f32>, {{.*}}layer = 1 : i64{{.*}}rotary_dim = 0 : i64
// CHECK: olm.attention_core {{.*}}inv_freq = array<f32: 1.000000e+00>, {{.*}}layer = 2 : i64{{.*}}rotary_dim = 2 : i64
// CHECK: %[[GU:.*]] = olm.matmul {{.*}} -> tensor<?x?x32xf32>
// CHECK: olm.gated_act %[[GU]] {kind = "silu"} : tensor<?x?x32xf32> -> tensor<?x?x16xf32>
// CHECK: olm.act {{.*}}{kind = "gelu_tanh"}
// CHECK: %[[LNF:.*]] = olm.layer_norm {{.*}} affine(
// CHECK: %[[LOGITS:.*]] = olm.matmul %[[LNF]], %[[WTE]] : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
// CHECK: %[[CAP:.*]] = olm.softcap %[[LOGITS]] {cap = 3.000000e+01 : f64}
// CHECK: olm.yield %[[CAP]]
