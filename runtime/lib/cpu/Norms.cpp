//===- Norms.cpp - RMSNorm and LayerNorm over rows ------------------------===//
//
// Statistics are accumulated in double (a row of a few thousand floats
// loses visible precision in a float sum); the normalisation itself is done
// in float32 with the same operation order as HF/torch, so results match
// theirs to an ulp or so.
//
//===----------------------------------------------------------------------===//

#include "olmrt/CpuKernels.h"

#include "KernelStats.h"
#include "RowStats.h"

using namespace olmrt::cpu;

extern "C" void olmk_rmsnorm(const float *x, const float *w, float *y,
                             int64_t M, int64_t D, float eps, float w_offset) {
  olmrt::cpu::KernelScope scope(olmrt::cpu::Kernel::RmsNorm);
  for (int64_t m = 0; m < M; ++m)
    rmsNormalize(x + m * D, y + m * D, D, eps, w, w_offset);
}

extern "C" void olmk_layernorm(const float *x, const float *w, const float *b,
                               float *y, int64_t M, int64_t D, float eps) {
  olmrt::cpu::KernelScope scope(olmrt::cpu::Kernel::LayerNorm);
  for (int64_t m = 0; m < M; ++m) {
    const float *xr = x + m * D;
    float *yr = y + m * D;
    float mean, rstd;
    meanAndRstd(xr, D, eps, mean, rstd);
    normalizeAffine(xr, yr, D, mean, rstd, w, b);
  }
}
