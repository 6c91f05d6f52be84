//===- SamplingTest.cpp - Host-side sampling ------------------------------===//

#include "olmrt/Sampling.h"
#include "olmrt/Error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {

using olmrt::Sampler;
using olmrt::SamplingParams;

const std::vector<float> kLogits = {1.0f, 2.5f,  -0.5f, 0.0f, 3.0f,
                                    0.7f, -2.0f, 1.8f,  2.9f, -1.0f};

SamplingParams sampling(double temperature, uint64_t seed = 7) {
  SamplingParams p;
  p.temperature = temperature;
  p.seed = seed;
  return p;
}

std::vector<double> softmax(const std::vector<float> &logits, double t) {
  double best = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p;
  double sum = 0;
  for (float l : logits) {
    p.push_back(std::exp((l - best) / t));
    sum += p.back();
  }
  for (double &x : p)
    x /= sum;
  return p;
}

/// Pearson's chi-square statistic of `counts` against `probs` (cells with
/// zero probability must have zero counts).
double chiSquare(const std::vector<int64_t> &counts,
                 const std::vector<double> &probs, int64_t draws) {
  double chi = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (probs[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " has probability 0";
      continue;
    }
    double expected = probs[i] * double(draws);
    chi += (double(counts[i]) - expected) * (double(counts[i]) - expected) /
           expected;
  }
  return chi;
}

std::vector<int64_t> histogram(Sampler &sampler, int64_t draws) {
  std::vector<int64_t> counts(kLogits.size(), 0);
  for (int64_t i = 0; i < draws; ++i)
    ++counts[size_t(
        sampler.sample(kLogits.data(), int64_t(kLogits.size()), {}))];
  return counts;
}

TEST(Sampling, SameSeedSameTokens) {
  Sampler a(sampling(1.0, 42)), b(sampling(1.0, 42)), c(sampling(1.0, 43));
  std::vector<int64_t> ta, tb, tc;
  for (int i = 0; i < 1000; ++i) {
    ta.push_back(a.sample(kLogits.data(), 10, {}));
    tb.push_back(b.sample(kLogits.data(), 10, {}));
    tc.push_back(c.sample(kLogits.data(), 10, {}));
  }
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, tc);
}

TEST(Sampling, TopKOneIsGreedy) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  SamplingParams p = sampling(1.5);
  p.topK = 1;
  Sampler topOne(p), greedy(sampling(0.0));
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<float> logits(50);
    for (float &l : logits)
      l = normal(rng);
    int64_t want =
        std::max_element(logits.begin(), logits.end()) - logits.begin();
    EXPECT_EQ(greedy.sample(logits.data(), 50, {}), want);
    EXPECT_EQ(topOne.sample(logits.data(), 50, {}), want);
  }
}

TEST(Sampling, GreedyTakesTheFirstMaximum) {
  Sampler greedy(sampling(0.0));
  std::vector<float> logits = {1, 5, 2, 5};
  EXPECT_EQ(greedy.sample(logits.data(), 4, {}), 1);
  std::vector<float> nan = {NAN, NAN};
  EXPECT_EQ(greedy.sample(nan.data(), 2, {}), 0); // Nothing finite.
}

// 200k draws from softmax(logits / T): Pearson's statistic must stay below
// the 0.999 quantile of chi-square with 9 degrees of freedom (27.88). The
// seed is fixed, so the test is deterministic; a biased sampler would
// exceed the bound by orders of magnitude at this many draws.
TEST(Sampling, EmpiricalDistributionIsSoftmaxOverTemperature) {
  for (double t : {0.5, 1.0, 2.0}) {
    Sampler sampler(sampling(t, 1234));
    const int64_t draws = 200000;
    std::vector<double> probs = softmax(kLogits, t);
    std::vector<double> reported = sampler.distribution(kLogits.data(), 10, {});
    for (size_t i = 0; i < probs.size(); ++i)
      EXPECT_NEAR(reported[i], probs[i], 1e-12);
    double chi = chiSquare(histogram(sampler, draws), probs, draws);
    EXPECT_LT(chi, 27.88) << "temperature " << t;
  }
}

TEST(Sampling, FiltersKeepWhatTheySay) {
  // Top-k 3: tokens 4 (3.0), 8 (2.9), 1 (2.5).
  SamplingParams p = sampling(1.0, 5);
  p.topK = 3;
  Sampler topK(p);
  std::vector<double> d = topK.distribution(kLogits.data(), 10, {});
  std::vector<float> kept = {2.5f, 3.0f, 2.9f};
  std::vector<double> sm = softmax(kept, 1.0);
  EXPECT_NEAR(d[1], sm[0], 1e-12);
  EXPECT_NEAR(d[4], sm[1], 1e-12);
  EXPECT_NEAR(d[8], sm[2], 1e-12);
  for (int i : {0, 2, 3, 5, 6, 7, 9})
    EXPECT_EQ(d[size_t(i)], 0.0);
  EXPECT_LT(chiSquare(histogram(topK, 100000), d, 100000), 13.82); // df 2

  // Top-p: the smallest most-likely set reaching p.
  std::vector<double> full = softmax(kLogits, 1.0);
  p = sampling(1.0, 6);
  p.topP = 0.7;
  Sampler topP(p);
  d = topP.distribution(kLogits.data(), 10, {});
  // 4 (0.32) + 8 (0.29) = 0.60 < 0.7, then 1 (0.19) crosses.
  ASSERT_LT(full[4] + full[8], 0.7);
  ASSERT_GE(full[4] + full[8] + full[1], 0.7);
  double mass = full[4] + full[8] + full[1];
  EXPECT_NEAR(d[4], full[4] / mass, 1e-12);
  EXPECT_NEAR(d[8], full[8] / mass, 1e-12);
  EXPECT_NEAR(d[1], full[1] / mass, 1e-12);
  EXPECT_EQ(d[7], 0.0);
  EXPECT_LT(chiSquare(histogram(topP, 100000), d, 100000), 13.82);

  // Min-p 0.3: tokens at least 0.3 times as likely as token 4.
  p = sampling(1.0, 8);
  p.minP = 0.3;
  Sampler minP(p);
  d = minP.distribution(kLogits.data(), 10, {});
  double keptMass = 0;
  for (size_t i = 0; i < full.size(); ++i)
    if (full[i] >= 0.3 * full[4])
      keptMass += full[i];
  for (size_t i = 0; i < full.size(); ++i)
    EXPECT_NEAR(d[i], full[i] >= 0.3 * full[4] ? full[i] / keptMass : 0.0,
                1e-12);
}

TEST(Sampling, RepetitionPenalty) {
  // CTRL's rule: positive logits divided, negative multiplied, once per
  // distinct token.
  std::vector<float> logits = {2.0f, -1.0f, 1.2f, 1.9f};
  SamplingParams p = sampling(0.0);
  p.repetitionPenalty = 2.0;
  Sampler greedy(p);
  EXPECT_EQ(greedy.sample(logits.data(), 4, {}), 0);
  EXPECT_EQ(greedy.sample(logits.data(), 4, {0, 0, 0}), 3); // 2.0 -> 1.0
  EXPECT_EQ(greedy.sample(logits.data(), 4, {0, 3}), 2);    // 1.0, 1.2, 0.95
  p.temperature = 1.0;
  Sampler sampler(p);
  std::vector<double> d = sampler.distribution(logits.data(), 4, {1, 3, 99});
  std::vector<double> want = softmax({2.0f, -2.0f, 1.2f, 0.95f}, 1.0);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_NEAR(d[i], want[i], 1e-7);
}

TEST(Sampling, RejectsBadParameters) {
  auto bad = [](SamplingParams p) { EXPECT_THROW(Sampler{p}, olmrt::Error); };
  SamplingParams p;
  p.temperature = -1;
  bad(p);
  p = SamplingParams();
  p.temperature = NAN;
  bad(p);
  p = SamplingParams();
  p.topP = 0;
  bad(p);
  p = SamplingParams();
  p.topP = 1.5;
  bad(p);
  p = SamplingParams();
  p.minP = -0.1;
  bad(p);
  p = SamplingParams();
  p.repetitionPenalty = 0;
  bad(p);
  p = SamplingParams();
  p.topK = -1;
  bad(p);
}

} // namespace
