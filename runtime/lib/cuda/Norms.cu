//===- Norms.cu - RMSNorm and LayerNorm over rows -------------------------===//
//
// One block per row, statistics in float32 through warp-shuffle
// reductions; the normalisation in HF's order (as runtime/lib/cpu/
// RowStats.h): rms: (x * rsqrt(mean(x^2) + eps)) * (w + w_offset);
// layer: (x - mean) * rstd * w + b with the biased variance, two passes.
// x may alias y: every thread reads x[i] before it writes y[i] for the
// same i, and the earlier passes only read.
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

} // namespace

extern "C" {

void olmg_rmsnorm(OlmgContext *g, const void *x, const void *w, void *y,
                  int64_t M, int64_t D, float eps, float w_offset) {
  if (M <= 0)
    return;
  OLMG_DISPATCH(g->dtype, rmsnormKernel<T><<<unsigned(M), threadsFor(D), 0,
                                              g->stream>>>(
                              static_cast<const T *>(x),
                              static_cast<const T *>(w), static_cast<T *>(y),
                              D, eps, w_offset));
  g->noteLaunch("olmg_rmsnorm");
}

void olmg_layernorm(OlmgContext *g, const void *x, const void *w,
                    const void *b, void *y, int64_t M, int64_t D, float eps) {
  if (M <= 0)
    return;
  OLMG_DISPATCH(g->dtype, layernormKernel<T><<<unsigned(M), threadsFor(D), 0,
                                                g->stream>>>(
                              static_cast<const T *>(x),
                              static_cast<const T *>(w),
                              static_cast<const T *>(b), static_cast<T *>(y),
                              D, eps));
  g->noteLaunch("olmg_layernorm");
}

} // extern "C"
