//===- Sampling.cpp - Choosing the next token on the host -----------------===//

#include "olmrt/Sampling.h"

#include "olmrt/Error.h"
#include "olmrt/Session.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace olmrt {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

void checkRange(const char *name, double value, double min, double max,
                bool minOpen) {
  bool ok = std::isfinite(value) && value <= max &&
            (minOpen ? value > min : value >= min);
  if (!ok)
    throw Error(std::string(name) + " must be in " + (minOpen ? "(" : "[") +
                std::to_string(min) + ", " + std::to_string(max) + "], got " +
                std::to_string(value));
}

} // namespace

Sampler::Sampler(const SamplingParams &params)
    : params_(params), rng_(params.seed) {
  checkRange("temperature", params.temperature, 0.0, 1e4, false);
  checkRange("top-p", params.topP, 0.0, 1.0, true);
  checkRange("min-p", params.minP, 0.0, 1.0, false);
  checkRange("repetition penalty", params.repetitionPenalty, 0.0, 100.0, true);
  if (params.topK < 0)
    throw Error("top-k must be >= 0, got " + std::to_string(params.topK));
}

double Sampler::uniform() { return double(rng_() >> 11) * 0x1.0p-53; }

bool Sampler::prepare(const float *logits, int64_t vocab,
                      const std::vector<int64_t> &history) {
  if (vocab <= 0)
    throw Error("cannot sample from " + std::to_string(vocab) + " logits");
  scores_.assign(logits, logits + vocab);
  for (double &s : scores_)
    if (std::isnan(s))
      s = kNegInf;
  // Repetition penalty: once per distinct token seen.
  if (params_.repetitionPenalty != 1.0) {
    std::vector<int64_t> seen;
    for (int64_t id : history)
      if (id >= 0 && id < vocab)
        seen.push_back(id);
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (int64_t id : seen) {
      double &s = scores_[size_t(id)];
      s = s > 0 ? s / params_.repetitionPenalty : s * params_.repetitionPenalty;
    }
  }
  double best = *std::max_element(scores_.begin(), scores_.end());
  if (!(best > kNegInf) || std::isinf(best))
    return false; // Nothing finite (or +inf) to normalise.
  probs_.assign(size_t(vocab), 0.0);
  if (greedy()) {
    probs_[size_t(std::max_element(scores_.begin(), scores_.end()) -
                  scores_.begin())] = 1.0;
    return true;
  }
  // Temperature and softmax (max subtracted for range).
  double t = params_.temperature;
  for (size_t i = 0; i < scores_.size(); ++i)
    probs_[i] = scores_[i] == kNegInf ? 0.0 : std::exp((scores_[i] - best) / t);
  // Top-k: drop what is below the k-th largest score; ties stay.
  if (params_.topK > 0 && params_.topK < vocab) {
    std::vector<double> sorted(scores_);
    std::nth_element(sorted.begin(), sorted.begin() + (params_.topK - 1),
                     sorted.end(), std::greater<double>());
    double kth = sorted[size_t(params_.topK - 1)];
    for (size_t i = 0; i < scores_.size(); ++i)
      if (scores_[i] < kth)
        probs_[i] = 0.0;
  }
  auto normalise = [&] {
    double sum = std::accumulate(probs_.begin(), probs_.end(), 0.0);
    for (double &p : probs_)
      p /= sum;
  };
  normalise();
  // Top-p: most likely first (lower id first on ties), keep until the
  // cumulative probability reaches p.
  if (params_.topP < 1.0) {
    order_.resize(size_t(vocab));
    std::iota(order_.begin(), order_.end(), 0);
    std::stable_sort(order_.begin(), order_.end(), [&](int64_t a, int64_t b) {
      return probs_[size_t(a)] > probs_[size_t(b)];
    });
    double cumulative = 0.0;
    size_t keep = 0;
    while (keep < order_.size() && probs_[size_t(order_[keep])] > 0.0) {
      cumulative += probs_[size_t(order_[keep])];
      ++keep;
      if (cumulative >= params_.topP)
        break;
    }
    for (size_t i = keep; i < order_.size(); ++i)
      probs_[size_t(order_[i])] = 0.0;
    normalise();
  }
  // Min-p, relative to the most likely token.
  if (params_.minP > 0.0) {
    double top = *std::max_element(probs_.begin(), probs_.end());
    for (double &p : probs_)
      if (p < params_.minP * top)
        p = 0.0;
    normalise();
  }
  return true;
}

std::vector<double> Sampler::distribution(const float *logits, int64_t vocab,
                                          const std::vector<int64_t> &history) {
  if (!prepare(logits, vocab, history)) {
    std::vector<double> out(size_t(vocab), 0.0);
    out[size_t(argmaxFirst(logits, vocab))] = 1.0;
    return out;
  }
  return probs_;
}

int64_t Sampler::sample(const float *logits, int64_t vocab,
                        const std::vector<int64_t> &history) {
  if (!prepare(logits, vocab, history))
    return argmaxFirst(logits, vocab);
  if (greedy())
    return int64_t(std::max_element(probs_.begin(), probs_.end()) -
                   probs_.begin());
  // Inverse CDF in id order; the last token with probability takes what
  // rounding leaves.
  double u = uniform();
  double cumulative = 0.0;
  int64_t last = -1;
  for (size_t i = 0; i < probs_.size(); ++i) {
    if (probs_[i] <= 0.0)
      continue;
    last = int64_t(i);
    cumulative += probs_[i];
    if (u < cumulative)
      return last;
  }
  return last;
}

} // namespace olmrt
