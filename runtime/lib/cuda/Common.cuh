//===- Common.cuh - Device helpers shared by the CUDA kernels -------------===//
//
// Storage types per compute dtype (float, __nv_bfloat16, __half); all
// arithmetic is float32: ld() widens, st() rounds to nearest even. Warp and
// block reductions by shuffles. The activations, for the kernels that
// apply one. Programmatic dependent launch (launchDependent, gridWait):
// see below. OLMG_DISPATCH instantiates a body for the context's dtype.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_LIB_CUDA_COMMON_CUH
#define OLMRT_LIB_CUDA_COMMON_CUH

#include "Context.h"
#include "olmrt/CpuKernels.h" // OLMK_ACT_*

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <initializer_list>
#include <utility>

namespace olmrt::cuda {

__device__ __forceinline__ float ld(const float *p) { return *p; }
__device__ __forceinline__ float ld(const __nv_bfloat16 *p) {
  return __bfloat162float(*p);
}
__device__ __forceinline__ float ld(const __half *p) {
  return __half2float(*p);
}

__device__ __forceinline__ void st(float *p, float v) { *p = v; }
__device__ __forceinline__ void st(__nv_bfloat16 *p, float v) {
  *p = __float2bfloat16_rn(v);
}
__device__ __forceinline__ void st(__half *p, float v) {
  *p = __float2half_rn(v);
}

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warpMax(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

/// Sum over the block (blockDim.x a multiple of 32, at most 1024); every
/// thread gets the result. `shared` holds 32 floats; the call synchronises.
__device__ __forceinline__ float blockSum(float v, float *shared) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  int warps = blockDim.x >> 5;
  v = warpSum(v);
  __syncthreads(); // `shared` may still be read by a previous call.
  if (lane == 0)
    shared[warp] = v;
  __syncthreads();
  float total = lane < warps ? shared[lane] : 0.0f;
  return warpSum(total);
}

/// 16 bytes of T: what one thread moves per load in the vectorised
/// kernels (8 bf16/f16 values, 4 floats).
template <class T> struct alignas(16) Pack {
  static constexpr int N = 16 / sizeof(T);
  T e[N];
};

template <class T> __device__ __forceinline__ Pack<T> ldPack(const T *p) {
  Pack<T> r;
  *reinterpret_cast<uint4 *>(&r) = *reinterpret_cast<const uint4 *>(p);
  return r;
}

template <class T>
__device__ __forceinline__ void stPack(T *p, const Pack<T> &v) {
  *reinterpret_cast<uint4 *>(p) = *reinterpret_cast<const uint4 *>(&v);
}

/// 16 bytes of a weight matrix, marked evict-first: the products of a
/// decode step read each weight once and should not push the activations
/// and the KV cache out of L2 (Gemv.cu, GemvMma.cu).
__device__ __forceinline__ uint4 ldWeightPack(const void *p) {
  return __ldcs(reinterpret_cast<const uint4 *>(p));
}

/// Whether every pointer given is 16-byte aligned (null counts as aligned).
inline bool aligned16(std::initializer_list<const void *> ps) {
  for (const void *p : ps)
    if (reinterpret_cast<uintptr_t>(p) & 15)
      return false;
  return true;
}

inline unsigned gridFor(int64_t n, int threads, int smCount) {
  int64_t blocks = (n + threads - 1) / threads;
  int64_t cap = int64_t(smCount > 0 ? smCount : 132) * 32;
  if (blocks > cap)
    blocks = cap;
  return unsigned(blocks < 1 ? 1 : blocks);
}

__device__ __forceinline__ float geluErf(float x) { return x * normcdff(x); }
__device__ __forceinline__ float geluTanh(float x) {
  float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
  return x / (1.0f + expf(-2.0f * u));
}
__device__ __forceinline__ float relu(float x) { return x > 0.0f ? x : 0.0f; }
__device__ __forceinline__ float silu(float x) { return x / (1.0f + expf(-x)); }

/// OLMK_ACT_* of x; any other kind is the identity.
__device__ __forceinline__ float activate(float x, int kind) {
  switch (kind) {
  case OLMK_ACT_GELU:
    return geluErf(x);
  case OLMK_ACT_GELU_TANH:
    return geluTanh(x);
  case OLMK_ACT_RELU:
    return relu(x);
  case OLMK_ACT_SILU:
    return silu(x);
  default:
    return x;
  }
}

// Programmatic dependent launch (Hopper). A kernel enqueued with
// launchDependent() may start while its predecessor on the stream is still
// running: as soon as every block of the predecessor has called
// allowDependents() (or exited). It must therefore call gridWait() before
// it reads anything a predecessor writes or writes anything a predecessor
// reads; gridWait() returns once all prerequisite grids have completed and
// their memory is visible. Every kernel launched this way calls gridWait()
// on every path (also those that need nothing from the predecessor), so
// that the ordering stays transitive along the stream. Work that needs no
// predecessor (loading weights) goes before it: that is the overlap. In a
// kernel launched the ordinary way both are no-ops. Stream capture keeps
// the relation as a programmatic edge of the graph.
__device__ __forceinline__ void gridWait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ __forceinline__ void allowDependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

/// kernel<<<grid, block, smem, g->stream>>>(args...) with the programmatic
/// stream serialization attribute (the kernel calls gridWait(); see above).
/// A launch error is left for noteLaunch() to find, as with <<<>>>.
template <class... Params, class... Args>
void launchDependent(OlmgContext *g, void (*kernel)(Params...), dim3 grid,
                     dim3 block, size_t smem, Args &&...args) {
  cudaLaunchConfig_t config{};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = smem;
  config.stream = g->stream;
  cudaLaunchAttribute attribute[1];
  attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute[0].val.programmaticStreamSerializationAllowed = 1;
  config.attrs = attribute;
  config.numAttrs = g->usePdl ? 1 : 0;
  cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
}

} // namespace olmrt::cuda

/// Runs BODY with `T` the storage type of DTYPE.
#define OLMG_DISPATCH(DTYPE, ...)                                              \
  do {                                                                         \
    switch (DTYPE) {                                                           \
    case ::olmrt::cuda::DType::F32: {                                          \
      using T = float;                                                         \
      __VA_ARGS__;                                                             \
    } break;                                                                   \
    case ::olmrt::cuda::DType::BF16: {                                         \
      using T = __nv_bfloat16;                                                 \
      __VA_ARGS__;                                                             \
    } break;                                                                   \
    case ::olmrt::cuda::DType::F16: {                                          \
      using T = __half;                                                        \
      __VA_ARGS__;                                                             \
    } break;                                                                   \
    }                                                                          \
  } while (0)

#endif // OLMRT_LIB_CUDA_COMMON_CUH
