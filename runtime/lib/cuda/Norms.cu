//===- Norms.cu - RMSNorm and LayerNorm over rows -------------------------===//
//
// One block per row, statistics in float32 through warp-shuffle
// reductions; the normalisation in HF's order (as runtime/lib/cpu/
// RowStats.h): rms: (x * rsqrt(mean(x^2) + eps)) * (w + w_offset);
// layer: (x - mean) * rstd * w + b with the biased variance, two passes.
// x may alias y: every thread reads x[i] before it writes y[i] for the
// same i, and the earlier passes only read.
// Rows of up to kMaxPacks x 256 packs of 16 bytes whose pointers are
// 16-byte aligned take the vectorised kernels: the row is read once into
// registers (16-byte loads), reduced, and written from there, so each
// element crosses memory twice (once in, once out) instead of three or
// four times.
//
//===----------------------------------------------------------------------===//

#include "Common.cuh"

using namespace olmrt::cuda;

namespace {

int threadsFor(int64_t D) {
  if (D >= 2048)
    return 512;
  if (D >= 512)
    return 256;
  return 128;
}

template <class T>
__global__ void rmsnormKernel(const T *x, const T *w, T *y, int64_t D,
                              float eps, float wOffset) {
  gridWait();
  allowDependents();
  __shared__ float red[32];
  const T *xr = x + int64_t(blockIdx.x) * D;
  T *yr = y + int64_t(blockIdx.x) * D;
  float s = 0.0f;
  for (int64_t d = threadIdx.x; d < D; d += blockDim.x) {
    float v = ld(xr + d);
    s += v * v;
  }
  float meanSq = blockSum(s, red) / float(D);
  float r = 1.0f / sqrtf(meanSq + eps);
  for (int64_t d = threadIdx.x; d < D; d += blockDim.x) {
    float v = ld(xr + d) * r;
    st(yr + d, w ? v * (ld(w + d) + wOffset) : v);
  }
}

template <class T>
__global__ void layernormKernel(const T *x, const T *w, const T *b, T *y,
                                int64_t D, float eps) {
  gridWait();
  allowDependents();
  __shared__ float red[32];
  const T *xr = x + int64_t(blockIdx.x) * D;
  T *yr = y + int64_t(blockIdx.x) * D;
  float s = 0.0f;
  for (int64_t d = threadIdx.x; d < D; d += blockDim.x)
    s += ld(xr + d);
  float mean = blockSum(s, red) / float(D);
  float v = 0.0f;
  for (int64_t d = threadIdx.x; d < D; d += blockDim.x) {
    float dv = ld(xr + d) - mean;
    v += dv * dv;
  }
  float var = blockSum(v, red) / float(D);
  float rstd = 1.0f / sqrtf(var + eps);
  for (int64_t d = threadIdx.x; d < D; d += blockDim.x) {
    float o = (ld(xr + d) - mean) * rstd;
    if (w)
      o *= ld(w + d);
    if (b)
      o += ld(b + d);
    st(yr + d, o);
  }
}

constexpr int kMaxPacks = 4; // packs per thread in the vectorised kernels

/// Threads for a row of `packs` 16-byte packs: one pack each up to 256,
/// whole warps.
int vecThreads(int64_t packs) {
  int64_t t = (packs + 31) / 32 * 32;
  return int(t < 256 ? t : 256);
}

/// This thread's packs of a row (pack j = threadIdx.x + c * blockDim.x),
/// widened to float; zeros where j >= packs.
template <class T>
__device__ __forceinline__ void loadRow(const T *xr, int64_t packs,
                                        float (&v)[kMaxPacks][Pack<T>::N]) {
  constexpr int N = Pack<T>::N;
#pragma unroll
  for (int c = 0; c < kMaxPacks; ++c) {
    int64_t j = threadIdx.x + int64_t(c) * blockDim.x;
    Pack<T> p;
    if (j < packs)
      p = ldPack(xr + j * N);
#pragma unroll
    for (int k = 0; k < N; ++k)
      v[c][k] = j < packs ? ld(&p.e[k]) : 0.0f;
  }
}

template <class T>
__global__ void rmsnormVecKernel(const T *x, const T *w, T *y, int64_t packs,
                                 float eps, float wOffset) {
  gridWait();
  allowDependents();
  constexpr int N = Pack<T>::N;
  __shared__ float red[32];
  const T *xr = x + int64_t(blockIdx.x) * packs * N;
  T *yr = y + int64_t(blockIdx.x) * packs * N;
  float v[kMaxPacks][N];
  loadRow(xr, packs, v);
  float s = 0.0f;
#pragma unroll
  for (int c = 0; c < kMaxPacks; ++c)
#pragma unroll
    for (int k = 0; k < N; ++k)
      s += v[c][k] * v[c][k];
  float meanSq = blockSum(s, red) / float(packs * N);
  float r = 1.0f / sqrtf(meanSq + eps);
#pragma unroll
  for (int c = 0; c < kMaxPacks; ++c) {
    int64_t j = threadIdx.x + int64_t(c) * blockDim.x;
    if (j < packs) {
      Pack<T> o;
      if (w) {
        Pack<T> wp = ldPack(w + j * N);
#pragma unroll
        for (int k = 0; k < N; ++k)
          st(&o.e[k], (v[c][k] * r) * (ld(&wp.e[k]) + wOffset));
      } else {
#pragma unroll
        for (int k = 0; k < N; ++k)
          st(&o.e[k], v[c][k] * r);
      }
      stPack(yr + j * N, o);
    }
  }
}

template <class T>
__global__ void layernormVecKernel(const T *x, const T *w, const T *b, T *y,
                                   int64_t packs, float eps) {
  gridWait();
  allowDependents();
  constexpr int N = Pack<T>::N;
  __shared__ float red[32];
  const T *xr = x + int64_t(blockIdx.x) * packs * N;
  T *yr = y + int64_t(blockIdx.x) * packs * N;
  float v[kMaxPacks][N];
  loadRow(xr, packs, v);
  float s = 0.0f;
#pragma unroll
  for (int c = 0; c < kMaxPacks; ++c)
#pragma unroll
    for (int k = 0; k < N; ++k)
      s += v[c][k];
  float D = float(packs * N);
  float mean = blockSum(s, red) / D;
  float q = 0.0f;
#pragma unroll
  for (int c = 0; c < kMaxPacks; ++c) {
    int64_t j = threadIdx.x + int64_t(c) * blockDim.x;
    if (j < packs)
#pragma unroll
      for (int k = 0; k < N; ++k) {
        float dv = v[c][k] - mean;
        q += dv * dv;
      }
  }
  float rstd = 1.0f / sqrtf(blockSum(q, red) / D + eps);
#pragma unroll
  for (int c = 0; c < kMaxPacks; ++c) {
    int64_t j = threadIdx.x + int64_t(c) * blockDim.x;
    if (j < packs) {
      Pack<T> o, wp, bp;
      if (w)
        wp = ldPack(w + j * N);
      if (b)
        bp = ldPack(b + j * N);
#pragma unroll
      for (int k = 0; k < N; ++k) {
        float r = (v[c][k] - mean) * rstd;
        if (w)
          r *= ld(&wp.e[k]);
        if (b)
          r += ld(&bp.e[k]);
        st(&o.e[k], r);
      }
      stPack(yr + j * N, o);
    }
  }
}

/// Whether a row of D elements takes the vectorised kernels.
template <class T>
bool vectorRows(int64_t D, std::initializer_list<const void *> ptrs) {
  constexpr int N = Pack<T>::N;
  return D % N == 0 && D / N <= int64_t(kMaxPacks) * 256 && aligned16(ptrs);
}

} // namespace

extern "C" {

void olmg_rmsnorm(OlmgContext *g, const void *x, const void *w, void *y,
                  int64_t M, int64_t D, float eps, float w_offset) {
  if (M <= 0)
    return;
  OLMG_DISPATCH(g->dtype, {
    constexpr int N = Pack<T>::N;
    if (vectorRows<T>(D, {x, w, y}))
      launchDependent(g, rmsnormVecKernel<T>, unsigned(M), vecThreads(D / N), 0,
                      static_cast<const T *>(x), static_cast<const T *>(w),
                      static_cast<T *>(y), D / N, eps, w_offset);
    else
      launchDependent(g, rmsnormKernel<T>, unsigned(M), threadsFor(D), 0,
                      static_cast<const T *>(x), static_cast<const T *>(w),
                      static_cast<T *>(y), D, eps, w_offset);
  });
  g->noteLaunch("olmg_rmsnorm");
}

void olmg_layernorm(OlmgContext *g, const void *x, const void *w, const void *b,
                    void *y, int64_t M, int64_t D, float eps) {
  if (M <= 0)
    return;
  OLMG_DISPATCH(g->dtype, {
    constexpr int N = Pack<T>::N;
    if (vectorRows<T>(D, {x, w, b, y}))
      launchDependent(g, layernormVecKernel<T>, unsigned(M), vecThreads(D / N),
                      0, static_cast<const T *>(x), static_cast<const T *>(w),
                      static_cast<const T *>(b), static_cast<T *>(y), D / N,
                      eps);
    else
      launchDependent(g, layernormKernel<T>, unsigned(M), threadsFor(D), 0,
                      static_cast<const T *>(x), static_cast<const T *>(w),
                      static_cast<const T *>(b), static_cast<T *>(y), D, eps);
  });
  g->noteLaunch("olmg_layernorm");
}

} // extern "C"
