//===- AttentionCacheTest.cpp - Chunking does not change results ----------===//
//
// The KV-cache property the runtime relies on: prefill of a sequence in one
// call, in two chunks, or as one decode step per token gives the same
// outputs (causal layers; without a causal mask chunking changes what a
// query sees, by definition).
//
//===----------------------------------------------------------------------===//

#include "AttentionHarness.h"

using namespace olmc::test;

namespace {

struct CacheCase {
  const char *name;
  AttnLayer layer;
  int64_t B, L, split;
};

std::ostream &operator<<(std::ostream &os, const CacheCase &c) {
  return os << c.name;
}

std::vector<CacheCase> cacheCases() {
  std::vector<CacheCase> cs;
  AttnLayer mha;
  mha.heads = mha.kvHeads = 12;
  mha.headDim = mha.rotaryDim = 64;
  cs.push_back({"Gpt2Like", mha, 1, 150, 100}); // crosses a key block
  AttnLayer gqa;
  gqa.heads = 8;
  gqa.kvHeads = 2;
  gqa.headDim = 32;
  gqa.rotaryDim = 16;
  gqa.window = 20;
  gqa.softcap = 3.0f;
  gqa.qkNorm = 1;
  cs.push_back({"GqaWindowSoftcapQkNorm", gqa, 2, 140, 61});
  AttnLayer mqa;
  mqa.heads = 6;
  mqa.kvHeads = 1;
  mqa.headDim = 36;
  mqa.rotaryDim = 12;
  mqa.interleaved = true;
  mqa.qkNorm = 2;
  cs.push_back({"MqaInterleavedLayerNorm", mqa, 2, 45, 44});
  return cs;
}

class AttentionCacheTest : public ::testing::TestWithParam<CacheCase> {};

TEST_P(AttentionCacheTest, DecodeStepsMatchPrefill) {
  const CacheCase &c = GetParam();
  std::vector<float> qkv = randomVec(c.B * c.L * c.layer.rowStride(), 77);
  std::vector<float> prefill = runAttention(c.layer, qkv, c.B, c.L, {0, c.L});
  std::vector<float> steps =
      runAttention(c.layer, qkv, c.B, c.L, stepChunks(c.L));
  expectNear(steps, prefill, 1e-5, "decode vs prefill");
}

TEST_P(AttentionCacheTest, TwoChunksMatchOne) {
  const CacheCase &c = GetParam();
  std::vector<float> qkv = randomVec(c.B * c.L * c.layer.rowStride(), 78);
  std::vector<float> one = runAttention(c.layer, qkv, c.B, c.L, {0, c.L});
  std::vector<float> two =
      runAttention(c.layer, qkv, c.B, c.L, {0, c.split, c.L});
  expectNear(two, one, 1e-5, "two chunks vs one");
}

INSTANTIATE_TEST_SUITE_P(Layers, AttentionCacheTest,
                         ::testing::ValuesIn(cacheCases()),
                         [](const ::testing::TestParamInfo<CacheCase> &info) {
                           return std::string(info.param.name);
                         });

} // namespace
