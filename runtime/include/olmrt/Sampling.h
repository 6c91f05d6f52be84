//===- Sampling.h - Choosing the next token on the host ---------*- C++ -*-===//
//
// A Sampler turns a row of logits into the next token id the way Hugging
// Face transformers' generate() does with do_sample: the repetition penalty
// first (CTRL's: a seen token's positive logit is divided by the penalty, a
// negative one multiplied), then temperature, top-k (ties with the k-th
// logit kept), top-p (the smallest set of most likely tokens whose
// probability reaches p) and min-p (tokens at least min_p times as likely as
// the most likely one), then a draw from the softmax of what is left.
//
// Temperature 0 is greedy: the first maximum after the repetition penalty.
// Draws come from a 64-bit Mersenne Twister seeded with `seed` and a
// portable uniform conversion, so a seed gives the same tokens on every
// platform and run.
//
//===----------------------------------------------------------------------===//

#ifndef OLMRT_SAMPLING_H
#define OLMRT_SAMPLING_H

#include <cstdint>
#include <random>
#include <vector>

namespace olmrt {

struct SamplingParams {
  /// 0: greedy. Otherwise logits are divided by it before softmax.
  double temperature = 0.0;
  /// Keep the k most likely tokens; 0 keeps all.
  int64_t topK = 0;
  /// Keep the smallest most-likely set with probability >= topP; 1 keeps
  /// all. In (0, 1].
  double topP = 1.0;
  /// Drop tokens less likely than minP times the most likely; 0 keeps all.
  /// In [0, 1].
  double minP = 0.0;
  /// >= 1 discourages tokens already in the history; 1 is off. In (0, 100].
  double repetitionPenalty = 1.0;
  uint64_t seed = 0;
};

class Sampler {
public:
  /// Throws olmrt::Error for parameters out of their ranges.
  explicit Sampler(const SamplingParams &params);

  const SamplingParams &params() const { return params_; }
  bool greedy() const { return params_.temperature == 0.0; }

  /// The next token for logits[0, vocab), given the tokens so far (prompt
  /// and generated; only the repetition penalty reads them). NaN logits
  /// count as -inf; when nothing finite is left the first maximum of the
  /// raw logits (NaN largest, as torch.argmax) is returned.
  int64_t sample(const float *logits, int64_t vocab,
                 const std::vector<int64_t> &history);

  /// The distribution sample() draws from (after every filter), for tests
  /// and inspection; all zero but one 1 when greedy.
  std::vector<double> distribution(const float *logits, int64_t vocab,
                                   const std::vector<int64_t> &history);

private:
  /// Fills probs_ with the filtered distribution; returns false when no
  /// finite logit is left.
  bool prepare(const float *logits, int64_t vocab,
               const std::vector<int64_t> &history);
  /// A uniform double in [0, 1) from 53 random bits.
  double uniform();

  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<double> scores_;
  std::vector<double> probs_;
  std::vector<int64_t> order_;
};

} // namespace olmrt

#endif // OLMRT_SAMPLING_H
