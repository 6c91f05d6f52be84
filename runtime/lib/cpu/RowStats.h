//===- RowStats.h - Row statistics shared by the norms ----------*- C++ -*-===//
//
// Shared by the row norms (Norms.cpp) and the per-head qk-norm of attention
// (HeadPrep.cpp), so both normalise identically.
//
//===----------------------------------------------------------------------===//
#ifndef OLMRT_CPU_ROWSTATS_H
#define OLMRT_CPU_ROWSTATS_H

#include <cmath>
#include <cstdint>

namespace olmrt::cpu {

/// Sum of x[i]^2 in double. Four independent partial sums give the CPU
/// instruction-level parallelism that one serial double chain would lack.
inline double sumSquares(const float *x, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += static_cast<double>(x[i]) * x[i];
    s1 += static_cast<double>(x[i + 1]) * x[i + 1];
    s2 += static_cast<double>(x[i + 2]) * x[i + 2];
    s3 += static_cast<double>(x[i + 3]) * x[i + 3];
  }
  for (; i < n; ++i)
    s0 += static_cast<double>(x[i]) * x[i];
  return (s0 + s1) + (s2 + s3);
}

/// Mean and 1 / sqrt(biased variance + eps), as torch's LayerNorm. Two
/// passes (mean, then squared deviations) so that a large mean does not
/// swamp the variance.
inline void meanAndRstd(const float *x, int64_t n, float eps, float &mean,
                        float &rstd) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < n; ++i)
    s0 += x[i];
  double mu = ((s0 + s1) + (s2 + s3)) / n;
  double v0 = 0, v1 = 0, v2 = 0, v3 = 0;
  i = 0;
  for (; i + 4 <= n; i += 4) {
    double d0 = x[i] - mu, d1 = x[i + 1] - mu;
    double d2 = x[i + 2] - mu, d3 = x[i + 3] - mu;
    v0 += d0 * d0;
    v1 += d1 * d1;
    v2 += d2 * d2;
    v3 += d3 * d3;
  }
  for (; i < n; ++i) {
    double d = x[i] - mu;
    v0 += d * d;
  }
  double var = ((v0 + v1) + (v2 + v3)) / n;
  mean = static_cast<float>(mu);
  rstd = static_cast<float>(1.0 / std::sqrt(var + eps));
}

/// y = (x - mean) * rstd * w + b in float32; w and b may be null. Branches
/// are hoisted out of the loops so each loop vectorises.
inline void normalizeAffine(const float *x, float *y, int64_t n, float mean,
                            float rstd, const float *w, const float *b) {
  if (w && b) {
    for (int64_t i = 0; i < n; ++i)
      y[i] = (x[i] - mean) * rstd * w[i] + b[i];
  } else if (w) {
    for (int64_t i = 0; i < n; ++i)
      y[i] = (x[i] - mean) * rstd * w[i];
  } else if (b) {
    for (int64_t i = 0; i < n; ++i)
      y[i] = (x[i] - mean) * rstd + b[i];
  } else {
    for (int64_t i = 0; i < n; ++i)
      y[i] = (x[i] - mean) * rstd;
  }
}

/// (x * rsqrt(mean(x^2) + eps)) * (w + wOffset), in HF's order: mean of
/// squares rounded to float32, then rsqrt in float32. Llama's
/// weight * normed and Gemma's normed * (1 + weight) are both this product
/// (wOffset 0 leaves w exact). A null w means no scale.
inline void rmsNormalize(const float *x, float *y, int64_t n, float eps,
                         const float *w, float wOffset) {
  float meanSq = static_cast<float>(sumSquares(x, n) / n);
  float r = 1.0f / std::sqrt(meanSq + eps);
  if (w) {
    for (int64_t i = 0; i < n; ++i)
      y[i] = (x[i] * r) * (w[i] + wOffset);
  } else {
    for (int64_t i = 0; i < n; ++i)
      y[i] = x[i] * r;
  }
}

} // namespace olmrt::cpu

#endif // OLMRT_CPU_ROWSTATS_H
