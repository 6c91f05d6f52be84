//===- TestUtil.h - Random data and comparisons for kernel tests -*- C++
//-*-===//
#ifndef OLMC_TESTS_CPUKERNELS_TESTUTIL_H
#define OLMC_TESTS_CPUKERNELS_TESTUTIL_H

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace olmc::test {

/// Deterministic normal(mean, stddev) floats.
inline std::vector<float> randomVec(size_t n, uint32_t seed,
                                    float stddev = 1.0f, float mean = 0.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(mean, stddev);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(gen);
  return v;
}

/// Checks |got[i] - want[i]| <= atol + rtol * |want[i]| for every i and
/// reports the first few failures with their index.
inline void expectClose(const std::vector<float> &got,
                        const std::vector<double> &want, double atol,
                        double rtol, const char *what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int failures = 0;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    double bound = atol + rtol * std::fabs(want[i]);
    worst = std::max(worst, err);
    if (!(err <= bound) && failures++ < 5)
      ADD_FAILURE() << what << ": index " << i << " got " << got[i] << " want "
                    << want[i] << " (err " << err << ", bound " << bound << ")";
  }
  EXPECT_EQ(failures, 0) << what << ": " << failures
                         << " mismatches; worst abs error " << worst;
}

/// Float-to-float comparison within an absolute tolerance.
inline void expectNear(const std::vector<float> &got,
                       const std::vector<float> &want, double atol,
                       const char *what) {
  std::vector<double> w(want.begin(), want.end());
  expectClose(got, w, atol, 0.0, what);
}

} // namespace olmc::test

#endif // OLMC_TESTS_CPUKERNELS_TESTUTIL_H
