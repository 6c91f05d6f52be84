//===- AttentionTest.cpp - olmk_attention against the reference -----------===//
//
// Each case runs the kernel over a random sequence (in the given chunks)
// and compares the outputs and the k cache with ReferenceAttention.
//
//===----------------------------------------------------------------------===//

#include "ReferenceAttention.h"

using namespace olmc::test;

namespace {

struct Case {
  const char *name;
  AttnLayer layer;
  int64_t B, L;
  std::vector<int64_t> chunks; // empty: one call for the whole sequence
  float inputStd = 1.0f;
  double atol = 2e-5;
};

std::ostream &operator<<(std::ostream &os, const Case &c) {
  return os << c.name;
}

AttnLayer layer(int64_t H, int64_t KVH, int64_t hd, int64_t rd) {
  AttnLayer l;
  l.heads = H;
  l.kvHeads = KVH;
  l.headDim = hd;
  l.rotaryDim = rd;
  return l;
}

std::vector<Case> cases() {
  std::vector<Case> cs;
  auto add = [&](const char *name, AttnLayer l, int64_t B, int64_t L,
                 std::vector<int64_t> chunks = {}) {
    Case c{name, l, B, L, chunks};
    cs.push_back(c);
    return &cs.back();
  };
  add("MhaCausal", layer(4, 4, 64, 64), 2, 37);
  AttnLayer gqa = layer(8, 2, 32, 32);
  gqa.interleaved = true;
  add("GqaInterleaved", gqa, 1, 29);
  add("MqaNoRope", layer(6, 1, 24, 0), 2, 20);
  AttnLayer bidir = layer(4, 2, 16, 16);
  bidir.causal = false;
  add("NonCausal", bidir, 2, 19);
  add("NonCausalChunked", bidir, 1, 19, {0, 7, 19});
  AttnLayer win = layer(4, 2, 32, 32);
  win.window = 7;
  add("SlidingWindow", win, 2, 45);
  add("SlidingWindowDecode", win, 1, 20, stepChunks(20));
  AttnLayer longWin = layer(2, 1, 64, 64);
  longWin.window = 50;
  add("SlidingWindowSkipsBlocks", longWin, 1, 300, {0, 270, 300});
  AttnLayer bidirWin = layer(2, 2, 16, 16);
  bidirWin.causal = false;
  bidirWin.window = 4;
  add("NonCausalWindow", bidirWin, 1, 12);
  AttnLayer capped = layer(4, 4, 16, 16);
  capped.scale = 1.0f; // large scores, so the cap bites
  capped.softcap = 5.0f;
  add("Softcap", capped, 2, 23);
  add("PartialRotaryOddHeadDim", layer(3, 3, 37, 16), 1, 21);
  AttnLayer partialInter = layer(4, 2, 40, 20);
  partialInter.interleaved = true;
  add("PartialRotaryInterleaved", partialInter, 2, 17);
  AttnLayer qkRms = layer(4, 2, 32, 32);
  qkRms.qkNorm = 1;
  add("QkRmsNorm", qkRms, 2, 25);
  qkRms.normWeights = false;
  add("QkRmsNormNoWeights", qkRms, 1, 9);
  AttnLayer qkLn = layer(4, 4, 20, 10);
  qkLn.qkNorm = 2;
  qkLn.qkNormEps = 1e-5f;
  add("QkLayerNormBias", qkLn, 2, 15);
  add("ManyTilesAndBlocks", layer(3, 3, 64, 64), 1, 300);
  add("WideHeadsPartialRotary", layer(4, 2, 256, 128), 1, 140, {0, 139, 140});
  add("GqaChunksAcrossBlocks", layer(8, 2, 64, 32), 2, 200, {0, 150, 200});
  AttnLayer roomy = layer(2, 1, 16, 16);
  roomy.maxSeq = 50; // cache larger than the sequence
  add("CacheLargerThanSequence", roomy, 2, 30, {0, 13, 30});
  Case *big = add("LargeScores", layer(2, 2, 32, 32), 1, 40);
  big->inputStd = 4.0f; // scores in the hundreds: max subtraction matters
  big->atol = 2e-4;
  return cs;
}

class AttentionTest : public ::testing::TestWithParam<Case> {};

TEST_P(AttentionTest, MatchesReference) {
  const Case &c = GetParam();
  const AttnLayer &l = c.layer;
  std::vector<int64_t> chunks = c.chunks;
  if (chunks.empty())
    chunks = {0, c.L};
  std::vector<float> qkv =
      randomVec(c.B * c.L * l.rowStride(), 1234 + c.L, c.inputStd);
  std::vector<float> kCache;
  std::vector<float> out = runAttention(l, qkv, c.B, c.L, chunks, &kCache);
  ReferenceResult ref = referenceAttention(l, qkv, c.B, c.L, chunks);
  expectClose(out, ref.out, c.atol, 0.0, "attention output");

  // The k cache holds the normed, rotated keys at their positions.
  const int64_t maxSeq = l.maxSeq ? l.maxSeq : c.L;
  std::vector<float> keys;
  for (int64_t bg = 0; bg < c.B * l.kvHeads; ++bg)
    keys.insert(keys.end(), kCache.begin() + bg * maxSeq * l.headDim,
                kCache.begin() + (bg * maxSeq + c.L) * l.headDim);
  expectClose(keys, ref.keys, 1e-5 * c.inputStd, 1e-5, "k cache");

  // Slots past the sequence are never written (they start as NaN).
  int64_t untouched = 0;
  for (int64_t bg = 0; bg < c.B * l.kvHeads; ++bg)
    for (int64_t i = (bg * maxSeq + c.L) * l.headDim;
         i < (bg + 1) * maxSeq * l.headDim; ++i)
      untouched += std::isnan(kCache[i]) ? 1 : 0;
  EXPECT_EQ(untouched, c.B * l.kvHeads * (maxSeq - c.L) * l.headDim);
}

INSTANTIATE_TEST_SUITE_P(Layers, AttentionTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return std::string(info.param.name);
                         });

} // namespace
