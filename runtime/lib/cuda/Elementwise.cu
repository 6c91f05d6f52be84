//===- Elementwise.cu - Embeddings, activations, adds, copies, launches ---===//
//
// The olmg_* entry points of CudaKernels.h that touch each element once,
// plus olmg_launch for the compiler's generated kernels. Same functions as
// the CPU kernels (runtime/lib/cpu), computed in float32 and rounded once
// to the compute dtype on store.
//
//===----------------------------------------------------------------------===//

#include "Common.cuh"
#include "Driver.h"

#include "olmrt/CpuKernels.h"

using namespace olmrt::cuda;

namespace {

constexpr int kThreads = 256;

#define GRID_STRIDE(i, n)                                                      \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);    \
       i += int64_t(gridDim.x) * blockDim.x)

template <class T>
__global__ void embeddingKernel(const int32_t *ids, const T *table, T *out,
                                int64_t D, float scale) {
  gridWait();
  allowDependents();
  int64_t m = blockIdx.x;
  const T *row = table + int64_t(ids[m]) * D;
  T *o = out + m * D;
  for (int64_t d = threadIdx.x; d < D; d += blockDim.x)
    st(o + d, ld(row + d) * scale);
}

template <class T>
__global__ void posEmbeddingKernel(const T *x, const T *table, T *out,
                                   int64_t T_, int64_t D, const int64_t *pos,
                                   int64_t offset) {
  gridWait();
  allowDependents();
  int64_t r = blockIdx.x; // b * T + t
  int64_t t = r % T_;
  const T *row = table + (*pos + t + offset) * D;
  for (int64_t d = threadIdx.x; d < D; d += blockDim.x)
    st(out + r * D + d, ld(x + r * D + d) + ld(row + d));
}

template <class T>
__global__ void activationKernel(const T *x, T *y, int64_t n, int kind) {
  gridWait();
  allowDependents();
  GRID_STRIDE(i, n) st(y + i, activate(ld(x + i), kind));
}

template <class T>
__global__ void gatedKernel(const T *gu, T *out, int64_t M, int64_t H,
                            int kind) {
  gridWait();
  allowDependents();
  GRID_STRIDE(i, M * H) {
    int64_t m = i / H, j = i % H;
    const T *gate = gu + m * 2 * H;
    st(out + i, activate(ld(gate + j), kind) * ld(gate + H + j));
  }
}

// Vectorised forms (16 bytes per thread and load) of the three that run on
// every layer; used when the pointers are 16-byte aligned and the lengths
// divide into packs, else the scalar kernels above.

template <class T>
__global__ void activationVecKernel(const T *x, T *y, int64_t packs, int kind) {
  gridWait();
  allowDependents();
  constexpr int N = Pack<T>::N;
  GRID_STRIDE(i, packs) {
    Pack<T> a = ldPack(x + i * N);
#pragma unroll
    for (int k = 0; k < N; ++k)
      st(&a.e[k], activate(ld(&a.e[k]), kind));
    stPack(y + i * N, a);
  }
}

/// H / N packs per row: hp. Row m of gu is [gate (H), up (H)].
template <class T>
__global__ void gatedVecKernel(const T *gu, T *out, int64_t M, int64_t hp,
                               int kind) {
  gridWait();
  allowDependents();
  constexpr int N = Pack<T>::N;
  GRID_STRIDE(i, M * hp) {
    int64_t m = i / hp, j = i - m * hp;
    const T *row = gu + m * 2 * hp * N;
    Pack<T> gate = ldPack(row + j * N), up = ldPack(row + (hp + j) * N), o;
#pragma unroll
    for (int k = 0; k < N; ++k)
      st(&o.e[k], activate(ld(&gate.e[k]), kind) * ld(&up.e[k]));
    stPack(out + i * N, o);
  }
}

template <class T>
__global__ void addVecKernel(const T *a, const T *b, T *out, int64_t packs) {
  gridWait();
  allowDependents();
  constexpr int N = Pack<T>::N;
  GRID_STRIDE(i, packs) {
    Pack<T> x = ldPack(a + i * N), y = ldPack(b + i * N);
#pragma unroll
    for (int k = 0; k < N; ++k)
      st(&x.e[k], ld(&x.e[k]) + ld(&y.e[k]));
    stPack(out + i * N, x);
  }
}

template <class T, class Y>
__global__ void softcapKernel(const T *x, Y *y, int64_t n, float cap) {
  gridWait();
  allowDependents();
  GRID_STRIDE(i, n) st(y + i, cap * tanhf(ld(x + i) / cap));
}

template <class T>
__global__ void addKernel(const T *a, const T *b, T *out, int64_t n) {
  gridWait();
  allowDependents();
  GRID_STRIDE(i, n) st(out + i, ld(a + i) + ld(b + i));
}

template <class T>
__global__ void scaleKernel(const T *a, float s, T *out, int64_t n) {
  gridWait();
  allowDependents();
  GRID_STRIDE(i, n) st(out + i, ld(a + i) * s);
}

template <class T>
__global__ void copyColumnsKernel(const T *src, int64_t cols, T *dst,
                                  int64_t dstCols, int64_t offset,
                                  int64_t rows) {
  gridWait();
  allowDependents();
  GRID_STRIDE(i, rows * cols) {
    int64_t r = i / cols, c = i % cols;
    dst[r * dstCols + offset + c] = src[i];
  }
}

template <class T>
__global__ void toF32Kernel(const T *x, float *y, int64_t n) {
  gridWait();
  allowDependents();
  GRID_STRIDE(i, n) y[i] = ld(x + i);
}

} // namespace

extern "C" {

void olmg_embedding(OlmgContext *g, const int32_t *ids, const void *table,
                    void *out, int64_t M, int64_t D, float scale) {
  if (M <= 0)
    return;
  OLMG_DISPATCH(g->dtype,
                launchDependent(g, embeddingKernel<T>, unsigned(M), kThreads, 0,
                                ids, static_cast<const T *>(table),
                                static_cast<T *>(out), D, scale));
  g->noteLaunch("olmg_embedding");
}

void olmg_pos_embedding_add(OlmgContext *g, const void *x, const void *table,
                            void *out, int64_t B, int64_t T_, int64_t D,
                            int64_t pos0, int64_t offset) {
  (void)pos0; // The position comes from g->pos (graph replay).
  if (B * T_ <= 0)
    return;
  OLMG_DISPATCH(g->dtype,
                launchDependent(g, posEmbeddingKernel<T>, unsigned(B * T_),
                                kThreads, 0, static_cast<const T *>(x),
                                static_cast<const T *>(table),
                                static_cast<T *>(out), T_, D, g->pos, offset));
  g->noteLaunch("olmg_pos_embedding_add");
}

void olmg_activation(OlmgContext *g, const void *x, void *y, int64_t n,
                     int32_t kind) {
  if (n <= 0)
    return;
  OLMG_DISPATCH(g->dtype, {
    constexpr int N = Pack<T>::N;
    if (n % N == 0 && aligned16({x, y}))
      launchDependent(g, activationVecKernel<T>,
                      gridFor(n / N, kThreads, g->smCount), kThreads, 0,
                      static_cast<const T *>(x), static_cast<T *>(y), n / N,
                      kind);
    else
      launchDependent(g, activationKernel<T>, gridFor(n, kThreads, g->smCount),
                      kThreads, 0, static_cast<const T *>(x),
                      static_cast<T *>(y), n, kind);
  });
  g->noteLaunch("olmg_activation");
}

void olmg_gated_activation(OlmgContext *g, const void *gu, void *out, int64_t M,
                           int64_t H, int32_t kind) {
  if (M * H <= 0)
    return;
  OLMG_DISPATCH(g->dtype, {
    constexpr int N = Pack<T>::N;
    if (H % N == 0 && aligned16({gu, out}))
      launchDependent(g, gatedVecKernel<T>,
                      gridFor(M * H / N, kThreads, g->smCount), kThreads, 0,
                      static_cast<const T *>(gu), static_cast<T *>(out), M,
                      H / N, kind);
    else
      launchDependent(g, gatedKernel<T>, gridFor(M * H, kThreads, g->smCount),
                      kThreads, 0, static_cast<const T *>(gu),
                      static_cast<T *>(out), M, H, kind);
  });
  g->noteLaunch("olmg_gated_activation");
}

void olmg_softcap(OlmgContext *g, const void *x, void *y, int64_t n, float cap,
                  int32_t y_f32) {
  if (n <= 0)
    return;
  unsigned grid = gridFor(n, kThreads, g->smCount);
  if (y_f32)
    OLMG_DISPATCH(g->dtype,
                  launchDependent(g, softcapKernel<T, float>, grid, kThreads, 0,
                                  static_cast<const T *>(x),
                                  static_cast<float *>(y), n, cap));
  else
    OLMG_DISPATCH(g->dtype,
                  launchDependent(g, softcapKernel<T, T>, grid, kThreads, 0,
                                  static_cast<const T *>(x),
                                  static_cast<T *>(y), n, cap));
  g->noteLaunch("olmg_softcap");
}

void olmg_add(OlmgContext *g, const void *a, const void *b, void *out,
              int64_t n) {
  if (n <= 0)
    return;
  OLMG_DISPATCH(g->dtype, {
    constexpr int N = Pack<T>::N;
    if (n % N == 0 && aligned16({a, b, out}))
      launchDependent(g, addVecKernel<T>, gridFor(n / N, kThreads, g->smCount),
                      kThreads, 0, static_cast<const T *>(a),
                      static_cast<const T *>(b), static_cast<T *>(out), n / N);
    else
      launchDependent(g, addKernel<T>, gridFor(n, kThreads, g->smCount),
                      kThreads, 0, static_cast<const T *>(a),
                      static_cast<const T *>(b), static_cast<T *>(out), n);
  });
  g->noteLaunch("olmg_add");
}

void olmg_scale(OlmgContext *g, const void *a, float s, void *out, int64_t n) {
  if (n <= 0)
    return;
  unsigned grid = gridFor(n, kThreads, g->smCount);
  OLMG_DISPATCH(g->dtype, launchDependent(g, scaleKernel<T>, grid, kThreads, 0,
                                          static_cast<const T *>(a), s,
                                          static_cast<T *>(out), n));
  g->noteLaunch("olmg_scale");
}

void olmg_copy_columns(OlmgContext *g, const void *src, int64_t cols, void *dst,
                       int64_t dst_cols, int64_t offset, int64_t rows) {
  if (rows * cols <= 0)
    return;
  unsigned grid = gridFor(rows * cols, kThreads, g->smCount);
  OLMG_DISPATCH(g->dtype,
                launchDependent(g, copyColumnsKernel<T>, grid, kThreads, 0,
                                static_cast<const T *>(src), cols,
                                static_cast<T *>(dst), dst_cols, offset, rows));
  g->noteLaunch("olmg_copy_columns");
}

void olmg_to_f32(OlmgContext *g, const void *x, float *y, int64_t n) {
  if (n <= 0)
    return;
  unsigned grid = gridFor(n, kThreads, g->smCount);
  OLMG_DISPATCH(g->dtype, launchDependent(g, toF32Kernel<T>, grid, kThreads, 0,
                                          static_cast<const T *>(x), y, n));
  g->noteLaunch("olmg_to_f32");
}

void olmg_launch(OlmgContext *g, int32_t kernel, int64_t n, int32_t nargs,
                 void *const *args) {
  if (kernel < 0 || size_t(kernel) >= g->kernels.size()) {
    g->noteError("olmg_launch: no generated kernel " + std::to_string(kernel));
    return;
  }
  const GeneratedKernel &k = g->kernels[size_t(kernel)];
  if (nargs != k.args) {
    g->noteError("olmg_launch: kernel " + std::to_string(kernel) + " takes " +
                 std::to_string(k.args) + " pointers, not " +
                 std::to_string(nargs));
    return;
  }
  if (n <= 0)
    return;
  // Parameters: the nargs pointers by value, then n.
  void *params[65];
  void *pointers[64];
  for (int32_t i = 0; i < nargs && i < 64; ++i) {
    pointers[i] = args[i];
    params[i] = &pointers[i];
  }
  int64_t count = n;
  params[nargs] = &count;
  int64_t perBlock = int64_t(kThreads) * k.elementsPerThread;
  int64_t blocks = (n + perBlock - 1) / perBlock;
  CUresult status =
      driver().cuLaunchKernel(k.function, unsigned(blocks), 1, 1, kThreads, 1,
                              1, 0, CUstream(g->stream), params, nullptr);
  ++g->calls;
  if (status != CUDA_SUCCESS)
    g->noteError("olmg_launch of generated kernel " + std::to_string(kernel) +
                 ": " + driverError(status));
}

} // extern "C"
