//===- ReferenceAttention.h - Attention from the math, in double -*- C++
//-*-===//
#ifndef OLMC_TESTS_CPUKERNELS_REFERENCEATTENTION_H
#define OLMC_TESTS_CPUKERNELS_REFERENCEATTENTION_H

#include "AttentionHarness.h"

namespace olmc::test {

struct ReferenceResult {
  std::vector<double> out;  // [B, L, heads * headDim]
  std::vector<double> keys; // [B, kvHeads, L, headDim], normed and rotated
};

/// Attention of a sequence fed in the given chunks (the chunking matters
/// only without a causal mask: a query then sees the keys up to the end of
/// its own chunk). Built from explicit Q, K, V matrices, a score matrix, a
/// mask and a softmax, all in double; only the RoPE angle is rounded to
/// float32, as the contract (and HF) specify.
ReferenceResult referenceAttention(const AttnLayer &l,
                                   const std::vector<float> &qkv, int64_t B,
                                   int64_t L,
                                   const std::vector<int64_t> &chunks);

} // namespace olmc::test

#endif // OLMC_TESTS_CPUKERNELS_REFERENCEATTENTION_H
