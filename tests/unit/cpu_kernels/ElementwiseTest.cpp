//===- ElementwiseTest.cpp - Embeddings, activations, softcap -------------===//

#include "olmrt/CpuKernels.h"

#include "TestUtil.h"

#include <cmath>

using namespace olmc::test;

namespace {

double refAct(double x, int kind) {
  switch (kind) {
  case OLMK_ACT_GELU:
    return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
  case OLMK_ACT_GELU_TANH: {
    // 1 + tanh(u) == 2 / (1 + e^{-2u}); the latter does not cancel in
    // double for very negative u.
    double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
    return x / (1.0 + std::exp(-2.0 * u));
  }
  case OLMK_ACT_RELU:
    return x > 0 ? x : 0;
  case OLMK_ACT_SILU:
    return x / (1.0 + std::exp(-x));
  }
  return NAN;
}

/// Inputs over the range activations see, plus the exact points and tails
/// where naive formulas go wrong.
std::vector<float> activationInputs() {
  std::vector<float> x = randomVec(4099, 7, 3.0f);
  for (float v :
       {0.0f, -0.0f, 1e-8f, -1e-8f, 1e-3f, -1e-3f, 0.3f, -0.3f, 5.0f, -5.0f,
        9.0f, -9.0f, 20.0f, -20.0f, 60.0f, 88.0f, -87.0f, 100.0f, -100.0f})
    x.push_back(v);
  return x;
}

class ActivationTest : public ::testing::TestWithParam<int> {};

TEST_P(ActivationTest, MatchesDoubleReference) {
  int kind = GetParam();
  std::vector<float> x = activationInputs();
  std::vector<double> want(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    want[i] = refAct(x[i], kind);
  std::vector<float> got = x;
  olmk_activation(got.data(), static_cast<int64_t>(got.size()), kind);
  // A few ulp relative; the absolute floor only covers results that
  // underflow float32 (e.g. silu(-100) ~ 4e-42). For gelu_tanh the float32
  // rounding of u = sqrt(2/pi)(x + 0.044715x^3), which the formula itself
  // computes in float32 (as torch does), moves e^{-2u} more and more
  // as |u| grows (2e-6 relative near x = -3.4, where the result is
  // ~1e-3, more in the far tail where it is below 1e-5).
  bool tanhGelu = kind == OLMK_ACT_GELU_TANH;
  expectClose(got, want, tanhGelu ? 1e-11 : 1e-38, tanhGelu ? 2e-6 : 1e-6,
              "activation");
}

TEST_P(ActivationTest, GatedMatchesDoubleReference) {
  int kind = GetParam();
  const int64_t M = 3, H = 37;
  std::vector<float> gu = randomVec(M * 2 * H, 11, 2.0f);
  std::vector<double> want(M * H);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t j = 0; j < H; ++j)
      want[m * H + j] = refAct(gu[m * 2 * H + j], kind) * gu[m * 2 * H + H + j];
  std::vector<float> got(M * H, NAN);
  olmk_gated_activation(gu.data(), got.data(), M, H, kind);
  expectClose(got, want, 1e-30, 2e-6, "gated activation");
}

INSTANTIATE_TEST_SUITE_P(AllKinds, ActivationTest,
                         ::testing::Values(OLMK_ACT_GELU, OLMK_ACT_GELU_TANH,
                                           OLMK_ACT_RELU, OLMK_ACT_SILU));

TEST(Softcap, MatchesDoubleReference) {
  for (float cap : {1.0f, 30.0f, 50.0f}) {
    std::vector<float> x = randomVec(1031, 3, 40.0f);
    for (float v : {0.0f, 1e-6f, -1e-6f, 0.2f, -7.5f, 1e4f, -1e4f})
      x.push_back(v);
    std::vector<double> want(x.size());
    for (size_t i = 0; i < x.size(); ++i)
      want[i] = cap * std::tanh(static_cast<double>(x[i]) / cap);
    olmk_softcap(x.data(), static_cast<int64_t>(x.size()), cap);
    expectClose(x, want, 0.0, 1e-6, "softcap");
  }
}

TEST(Embedding, GathersAndScales) {
  const int64_t vocab = 11, D = 13, M = 7;
  std::vector<float> table = randomVec(vocab * D, 5);
  std::vector<int32_t> ids = {3, 0, 10, 3, 7, 1, 9};
  for (float scale : {1.0f, std::sqrt(13.0f)}) {
    std::vector<float> out(M * D, NAN);
    olmk_embedding(ids.data(), table.data(), out.data(), M, D, scale);
    std::vector<double> want(M * D);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t d = 0; d < D; ++d)
        want[m * D + d] = static_cast<double>(table[ids[m] * D + d]) * scale;
    expectClose(out, want, 0.0, 1e-7, "embedding");
  }
}

TEST(PosEmbedding, AddsRowsFromPos0PlusOffset) {
  const int64_t B = 2, T = 5, D = 9, rowsInTable = 20, pos0 = 3;
  std::vector<float> table = randomVec(rowsInTable * D, 8);
  for (int64_t offset : {0, 2}) { // OPT's learned positions start at 2
    std::vector<float> x = randomVec(B * T * D, 9);
    std::vector<double> want(x.size());
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t)
        for (int64_t d = 0; d < D; ++d)
          want[(b * T + t) * D + d] =
              static_cast<double>(x[(b * T + t) * D + d]) +
              table[(pos0 + t + offset) * D + d];
    olmk_pos_embedding_add(x.data(), table.data(), B, T, D, pos0, offset);
    expectClose(x, want, 1e-6, 1e-6, "pos embedding");
  }
}

} // namespace
