// RUN: olmc-opt %s --olm-lower-to-llvm=target=cuda | FileCheck %s
//
// target=cuda: the entry points stay host code but every op enqueues device
// work through CudaKernels.h with the backend context (OlmxRunContext field
// 8, byte offset 64) first. The fused gated residual becomes a kernel in
// gpu.module @olmx_kernels: 16 bytes (8 bf16 elements) per thread from the
// NVVM special registers, bf16 loads widened to f32, exp through ex2, the
// result narrowed back to bf16. Prefill and decode launch the same kernel 0. The
// output head writes float32 logits (last argument 1).

module {
olm.model @m attributes {dtype = bf16, olm.arena_bytes = 1024 : i64, olm.buffers = 3 : i64, olm.kv_bytes = 0 : i64, olm.kv_layers = [], olm.max_batch = 2 : i64, olm.max_seq = 8 : i64} {
^bb0(%ids: tensor<?x?xi32>):
  %w = olm.weight "wte" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 8>, tensor = "wte"}]} : tensor<16x8xf32>
  %w2 = olm.weight "head" {init = {kind = "zeros"}, sources = [{shape = array<i64: 16, 16>, tensor = "head"}]} : tensor<16x16xf32>
  %g = olm.weight "g" {init = {kind = "zeros"}, sources = [{shape = array<i64: 1>, tensor = "g"}]} : tensor<1xf32>
  %e = olm.embed_lookup %ids, %w {olm.offset = 0 : i64} : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xbf16>
  %y = olm.matmul %e, %w {olm.offset = 256 : i64} : tensor<?x?x8xbf16>, tensor<16x8xf32> -> tensor<?x?x16xbf16>
  %h = olm.act %y {kind = "silu", olm.offset = 512 : i64} : tensor<?x?x16xbf16> -> tensor<?x?x16xbf16>
  %r = olm.fused(%g, %h, %h) {olm.offset = 768 : i64} : (tensor<1xf32>, tensor<?x?x16xbf16>, tensor<?x?x16xbf16>) -> tensor<?x?x16xbf16> {
  ^bb0(%ga: tensor<1xf32>, %xa: tensor<?x?x16xbf16>, %ya: tensor<?x?x16xbf16>):
    %c0 = arith.constant 0 : index
    %s = tensor.extract %ga[%c0] : tensor<1xf32>
    %n = arith.negf %s : f32
    %x = math.exp %n : f32
    %one = arith.constant 1.0 : f32
    %d = arith.addf %one, %x : f32
    %sig = arith.divf %one, %d : f32
    %b = olm.broadcast %sig like %ya : f32, tensor<?x?x16xbf16> -> tensor<?x?x16xbf16>
    %m = arith.mulf %b, %ya : tensor<?x?x16xbf16>
    %o = arith.addf %xa, %m : tensor<?x?x16xbf16>
    olm.yield %o : tensor<?x?x16xbf16>
  }
  %l = olm.matmul %r, %w2 : tensor<?x?x16xbf16>, tensor<16x16xf32> -> tensor<?x?x16xbf16>
  olm.yield %l : tensor<?x?x16xbf16>
}
}

// CHECK: module attributes {gpu.container_module, olm.device_kernels = [{args = 4 : i64, elements_per_thread = 8 : i64, name = "olmx_fused_0"}]}
// CHECK-NOT: olm.model
// CHECK-DAG: llvm.func @olmg_embedding(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, f32)
// CHECK-DAG: llvm.func @olmg_matmul(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i32, i32, i32, i64)
// CHECK-DAG: llvm.func @olmg_activation(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i32)
// CHECK-DAG: llvm.func @olmg_launch(!llvm.ptr, i32, i64, i32, !llvm.ptr)

// The kernel: inputs g, h, h and the output, then the element count.
// CHECK: gpu.module @olmx_kernels [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">] {
// CHECK-NEXT: llvm.func @olmx_fused_0(%[[G:.*]]: !llvm.ptr {llvm.align = 16 : i64, llvm.noalias}, %{{.*}}: !llvm.ptr {llvm.align = 16 : i64, llvm.noalias}, %{{.*}}: !llvm.ptr {llvm.align = 16 : i64, llvm.noalias}, %[[OUT:.*]]: !llvm.ptr {llvm.align = 16 : i64, llvm.noalias}, %[[N:.*]]: i64) attributes {nvvm.kernel}
// CHECK: nvvm.read.ptx.sreg.tid.x
// CHECK: nvvm.read.ptx.sreg.ctaid.x
// CHECK: nvvm.read.ptx.sreg.ntid.x
// 16 bytes a thread: 8 bf16 elements from element 8 * thread.
// CHECK: %[[EIGHT:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK: %[[FIRST:.*]] = llvm.mul %{{.*}}, %[[EIGHT]] : i64
// CHECK: llvm.icmp "slt" %[[FIRST]], %[[N]]
// CHECK: llvm.getelementptr %[[G]]
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> bf16
// CHECK: llvm.fpext %{{.*}} : bf16 to f32
// CHECK: llvm.intr.exp2
// CHECK: llvm.fdiv
// CHECK: %[[P:.*]] = llvm.getelementptr %[[OUT]]
// CHECK: %[[V:.*]] = llvm.fptrunc %{{.*}} : f32 to bf16
// CHECK: llvm.store %[[V]], %[[P]] : bf16, !llvm.ptr
// CHECK-COUNT-7: llvm.store %{{.*}} : bf16, !llvm.ptr
// CHECK-NOT: llvm.store
// CHECK: llvm.return
// CHECK-NOT: olmx_fused_1

// The backend context is the ninth field of the run context (byte 64).
// CHECK-LABEL: llvm.func @olmx_prefill(
// CHECK-SAME: %[[CTX:.*]]: !llvm.ptr) -> i32
// CHECK: %[[C64:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK: %[[DEVP:.*]] = llvm.getelementptr %[[CTX]][%[[C64]]]
// CHECK: %[[DEV:.*]] = llvm.load %[[DEVP]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @olmg_embedding(%[[DEV]],
// CHECK: %[[F0:.*]] = llvm.mlir.constant(0 : i32) : i32
// No activation (-1); rows of y are N = 16 apart.
// CHECK: %[[NOACT:.*]] = llvm.mlir.constant(-1 : i32) : i32
// CHECK: %[[LD:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK: llvm.call @olmg_matmul(%[[DEV]], {{.*}}, %[[F0]], %[[NOACT]], %[[LD]]) :
// CHECK: llvm.call @olmg_activation(%[[DEV]],
// CHECK: %[[ARGS:.*]] = llvm.alloca %{{.*}} x !llvm.ptr
// CHECK: %[[K0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(16 : i64)
// CHECK-NEXT: %[[NE:.*]] = llvm.mul
// CHECK-NEXT: %[[NA:.*]] = llvm.mlir.constant(4 : i32)
// CHECK-NEXT: llvm.call @olmg_launch(%[[DEV]], %[[K0]], %[[NE]], %[[NA]], %[[ARGS]])
// The output head writes the float32 logits: y_f32 = 1.
// CHECK: %[[F1:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.call @olmg_matmul(%[[DEV]], {{.*}}, %[[F1]], %{{.*}}, %{{.*}}) :
// CHECK: llvm.return

// Decode launches the same kernel.
// CHECK-LABEL: llvm.func @olmx_decode(%{{.*}}: !llvm.ptr) -> i32
// CHECK: llvm.alloca
// CHECK: %[[K0D:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: llvm.mlir.constant(16 : i64)
// CHECK-NEXT: llvm.mul
// CHECK-NEXT: llvm.mlir.constant(4 : i32)
// CHECK-NEXT: llvm.call @olmg_launch(%{{.*}}, %[[K0D]],
