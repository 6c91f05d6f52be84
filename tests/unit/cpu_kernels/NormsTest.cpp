//===- NormsTest.cpp - RMSNorm and LayerNorm against double math ----------===//

#include "olmrt/CpuKernels.h"

#include "TestUtil.h"

#include <cmath>

using namespace olmc::test;

namespace {

std::vector<double> refRmsNorm(const std::vector<float> &x,
                               const std::vector<float> &w, int64_t M,
                               int64_t D, double eps, double off) {
  std::vector<double> y(M * D);
  for (int64_t m = 0; m < M; ++m) {
    double ss = 0;
    for (int64_t d = 0; d < D; ++d)
      ss += static_cast<double>(x[m * D + d]) * x[m * D + d];
    double r = 1.0 / std::sqrt(ss / D + eps);
    for (int64_t d = 0; d < D; ++d)
      y[m * D + d] = x[m * D + d] * r * (w[d] + off);
  }
  return y;
}

std::vector<double> refLayerNorm(const std::vector<float> &x, const float *w,
                                 const float *b, int64_t M, int64_t D,
                                 double eps) {
  std::vector<double> y(M * D);
  for (int64_t m = 0; m < M; ++m) {
    double mean = 0, var = 0;
    for (int64_t d = 0; d < D; ++d)
      mean += x[m * D + d];
    mean /= D;
    for (int64_t d = 0; d < D; ++d)
      var += (x[m * D + d] - mean) * (x[m * D + d] - mean);
    var /= D;
    for (int64_t d = 0; d < D; ++d)
      y[m * D + d] =
          (x[m * D + d] - mean) / std::sqrt(var + eps) * (w ? w[d] : 1.0) +
          (b ? b[d] : 0.0);
  }
  return y;
}

TEST(RmsNorm, MatchesDoubleReference) {
  for (int64_t D : {1, 7, 64, 768, 1001}) {
    const int64_t M = 5;
    std::vector<float> x = randomVec(M * D, 21 + D, 2.0f);
    std::vector<float> w = randomVec(D, 22 + D, 0.5f, 1.0f);
    for (float off : {0.0f, 1.0f}) { // Llama, Gemma
      std::vector<float> y(M * D, NAN);
      olmk_rmsnorm(x.data(), w.data(), y.data(), M, D, 1e-6f, off);
      expectClose(y, refRmsNorm(x, w, M, D, 1e-6f, off), 1e-6, 2e-6, "rmsnorm");
    }
  }
}

TEST(RmsNorm, InPlace) {
  const int64_t M = 3, D = 129;
  std::vector<float> x = randomVec(M * D, 31);
  std::vector<float> w = randomVec(D, 32);
  std::vector<double> want = refRmsNorm(x, w, M, D, 1e-5, 0.0);
  olmk_rmsnorm(x.data(), w.data(), x.data(), M, D, 1e-5f, 0.0f);
  expectClose(x, want, 1e-6, 2e-6, "rmsnorm in place");
}

TEST(LayerNorm, MatchesDoubleReferenceWithOptionalAffine) {
  for (int64_t D : {1, 3, 64, 768, 1001}) {
    const int64_t M = 4;
    // A mean far from zero checks the two-pass variance.
    std::vector<float> x = randomVec(M * D, 41 + D, 1.5f, 20.0f);
    std::vector<float> w = randomVec(D, 42 + D, 0.3f, 1.0f);
    std::vector<float> b = randomVec(D, 43 + D, 0.3f);
    for (int mask = 0; mask < 4; ++mask) {
      const float *wp = (mask & 1) ? w.data() : nullptr;
      const float *bp = (mask & 2) ? b.data() : nullptr;
      std::vector<float> y(M * D, NAN);
      olmk_layernorm(x.data(), wp, bp, y.data(), M, D, 1e-5f);
      expectClose(y, refLayerNorm(x, wp, bp, M, D, 1e-5), 1e-5, 1e-5,
                  "layernorm");
    }
  }
}

TEST(LayerNorm, InPlace) {
  const int64_t M = 2, D = 77;
  std::vector<float> x = randomVec(M * D, 51);
  std::vector<float> w = randomVec(D, 52);
  std::vector<float> b = randomVec(D, 53);
  std::vector<double> want = refLayerNorm(x, w.data(), b.data(), M, D, 1e-5);
  olmk_layernorm(x.data(), w.data(), b.data(), x.data(), M, D, 1e-5f);
  expectClose(x, want, 1e-5, 1e-5, "layernorm in place");
}

} // namespace
