//===- MatmulTest.cpp - olmk_matmul against a double dot product ----------===//

#include "olmrt/CpuKernels.h"

#include "TestUtil.h"

#include <cmath>
#include <tuple>

using namespace olmc::test;

namespace {

struct Shape {
  int64_t M, N, K;
};

class MatmulTest : public ::testing::TestWithParam<Shape> {};

TEST_P(MatmulTest, AllBiasAndAccumulateModes) {
  Shape s = GetParam();
  std::vector<float> x = randomVec(s.M * s.K, 61 + s.K);
  std::vector<float> w = randomVec(s.N * s.K, 62 + s.N, 0.2f);
  std::vector<float> bias = randomVec(s.N, 63);
  std::vector<float> y0 = randomVec(s.M * s.N, 64);
  for (bool withBias : {false, true}) {
    for (int32_t acc : {0, 1}) {
      std::vector<double> want(s.M * s.N);
      double maxScale = 0;
      for (int64_t m = 0; m < s.M; ++m) {
        for (int64_t n = 0; n < s.N; ++n) {
          double dot = 0, mag = 0;
          for (int64_t k = 0; k < s.K; ++k) {
            double p = static_cast<double>(x[m * s.K + k]) * w[n * s.K + k];
            dot += p;
            mag += std::fabs(p);
          }
          if (withBias)
            dot += bias[n];
          if (acc)
            dot += y0[m * s.N + n];
          want[m * s.N + n] = dot;
          maxScale = std::max(maxScale, mag);
        }
      }
      // Garbage (NaN) in y must not leak through when not accumulating.
      std::vector<float> y = acc ? y0 : std::vector<float>(s.M * s.N, NAN);
      olmk_matmul(x.data(), w.data(), withBias ? bias.data() : nullptr,
                  y.data(), s.M, s.N, s.K, acc);
      expectClose(y, want, 1e-6 * (maxScale + 4), 0.0, "matmul");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, MatmulTest,
                         ::testing::Values(Shape{1, 1, 1}, Shape{1, 7, 5},
                                           Shape{1, 300, 768}, Shape{2, 3, 4},
                                           Shape{3, 17, 33}, Shape{17, 65, 129},
                                           Shape{64, 96, 768}, Shape{5, 1, 9}));

} // namespace
