// RUN: olmc-opt %s --pass-pipeline='builtin.module(olm.model(olm-plan-memory{max-seq=8 max-batch=2}))' | FileCheck %s
//
// Buffers are sized for max-batch * max-seq = 16 rows of f32 and reuse
// memory once their value is dead; the logits go to the caller's buffer.
// The KV cache holds [2, kv_heads=1, 8, head_dim=4] = 64 floats per key
// block and as many per value block.

olm.model @m attributes {dtype = f32} {
^bb0(%ids: tensor<?x?xi32>):
  %w = olm.weight "wte" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "wte"}]} : tensor<16x8xf32>
  %n = olm.weight "n" {init = {kind = "ones"}, sources = [{shape = array<i64: 8>, tensor = "n"}]} : tensor<8xf32>
  %q = olm.weight "qkv" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "qkv"}]} : tensor<16x8xf32>
  %o = olm.weight "o" {init = {kind = "zeros"}, sources = [{shape = array<i64: 8, 8>, tensor = "o"}]} : tensor<8x8xf32>
  %e = olm.embed_lookup %ids, %w : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %x = olm.rms_norm %e, %n {eps = 1.0e-5 : f64} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %qkv = olm.matmul %x, %q : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  %a = olm.attention_core %qkv {causal = true, head_dim = 4, heads = 2, interleaved = false, inv_freq = array<f32>, kv_heads = 1, layer = 0, qk_norm = "none", qk_norm_eps = 1.0e-6 : f64, rotary_dim = 0, scale = 0.5 : f64, softcap = 0.0 : f64, window = 0} : tensor<?x?x16xf32> -> tensor<?x?x8xf32>
  %y = olm.matmul %a, %o : tensor<?x?x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  %r = arith.addf %e, %y : tensor<?x?x8xf32>
  %l = olm.matmul %r, %w : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  olm.yield %l : tensor<?x?x16xf32>
}

// 16 rows * 8 features * 4 bytes = 512 bytes; 16 features: 1024 bytes.
// CHECK: olm.model @m attributes {dtype = f32, olm.arena_bytes = 2048 : i64, olm.buffers = 6 : i64, olm.kv_bytes = 512 : i64, olm.kv_layers = [{head_dim = 4 : i64, k_offset = 0 : i64, kv_heads = 1 : i64, v_offset = 64 : i64}], olm.max_batch = 2 : i64, olm.max_seq = 8 : i64}
// CHECK: olm.embed_lookup {{.*}}{olm.offset = 0 : i64}
// CHECK: olm.rms_norm {{.*}}olm.offset = 512 : i64
// CHECK: olm.matmul {{.*}}{olm.offset = 1024 : i64} : {{.*}} -> tensor<?x?x16xf32>
// The norm's buffer is free again once the projection has read it.
// CHECK: olm.attention_core {{.*}}olm.offset = 512 : i64
// CHECK: olm.matmul {{.*}}{olm.offset = 1024 : i64} : tensor<?x?x8xf32>
// CHECK: arith.addf {{.*}}{olm.offset = 512 : i64}
// CHECK: %[[L:.*]] = olm.matmul
// CHECK-NOT: olm.offset
// CHECK: olm.yield %[[L]]
