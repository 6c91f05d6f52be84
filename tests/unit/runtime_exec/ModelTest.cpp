//===- ModelTest.cpp - Load the fixture artifact and run it ---------------===//

#include "FixtureModel.h"

#include "olmrt/Model.h"
#include "olmrt/Session.h"
#include "olmrt/Weights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace {

using namespace fixture;

class ModelTest : public ::testing::Test {
protected:
  void SetUp() override {
    writeArtifact(artifact, manifest());
    writeCheckpoint(weights, checkpoint, "");
  }

  TempDir dir;
  std::string artifact = dir.path("m.olmx");
  std::string weights = dir.path("w.safetensors");
  Checkpoint checkpoint = makeCheckpoint(1);
};

void expectNear(const std::vector<float> &actual,
                const std::vector<float> &expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-5) << "at index " << i;
}

std::vector<int32_t> toInt32(const std::vector<int64_t> &ids) {
  return std::vector<int32_t>(ids.begin(), ids.end());
}

TEST_F(ModelTest, LoadsManifestAndEntryPoints) {
  olmrt::CompiledModel model(artifact);
  EXPECT_EQ(model.path(), artifact);
  EXPECT_EQ(model.manifest().model.vocab, kVocab);
  EXPECT_EQ(model.manifest().model.maxSeq, kMaxSeq);
  EXPECT_EQ(model.manifest().weights.size(), 2u);
  EXPECT_NE(model.entryPoint("prefill"), nullptr);
  EXPECT_NE(model.entryPoint("decode"), nullptr);
  EXPECT_EQ(model.entryPoint("train"), nullptr);
}

TEST_F(ModelTest, PrefillMatchesReference) {
  olmrt::CompiledModel model(artifact);
  olmrt::Weights w(model, weights);
  olmrt::Session session(model, w);
  std::vector<int64_t> ids = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
  std::vector<int32_t> ids32 = toInt32(ids);
  std::vector<float> logits(2 * 5 * kVocab);
  session.prefill(ids32.data(), 2, 5, 0, logits.data());
  expectNear(logits, referenceLogits(checkpoint, ids, 2, 5));
}

TEST_F(ModelTest, DecodeContinuesFromTheCache) {
  olmrt::CompiledModel model(artifact);
  olmrt::Weights w(model, weights);
  olmrt::Session session(model, w);
  std::vector<int64_t> ids = {7, 0, 15, 2, 11, 8};
  std::vector<float> expected = referenceLogits(checkpoint, ids, 1, 6);

  std::vector<int32_t> prompt = {7, 0, 15};
  std::vector<float> logits(3 * kVocab);
  session.prefill(prompt.data(), 1, 3, 0, logits.data());
  for (int64_t p = 3; p < 6; ++p) {
    int32_t id = int32_t(ids[p]);
    std::vector<float> step(kVocab);
    session.decode(&id, 1, p, step.data());
    expectNear(step, std::vector<float>(expected.begin() + p * kVocab,
                                        expected.begin() + (p + 1) * kVocab));
  }
}

TEST_F(ModelTest, GreedyMatchesReference) {
  olmrt::CompiledModel model(artifact);
  olmrt::Weights w(model, weights);
  olmrt::Session session(model, w);
  std::vector<int64_t> ids = {1, 2, 3, 10, 11, 12};
  std::vector<int64_t> out = session.generateGreedy(ids, 2, 3, 8);
  EXPECT_EQ(out, referenceGreedy(checkpoint, ids, 2, 3, 8));
}

TEST_F(ModelTest, GreedyUsesEveryPosition) {
  // 4 prompt tokens + 9 new ones: the 8 fed back fill all 12 positions.
  olmrt::CompiledModel model(artifact);
  olmrt::Weights w(model, weights);
  olmrt::Session session(model, w);
  std::vector<int64_t> ids = {5, 4, 3, 2};
  EXPECT_EQ(session.generateGreedy(ids, 1, 4, 9),
            referenceGreedy(checkpoint, ids, 1, 4, 9));
}

TEST_F(ModelTest, GreedyHandsBackPromptLogits) {
  olmrt::CompiledModel model(artifact);
  olmrt::Weights w(model, weights);
  olmrt::Session session(model, w);
  std::vector<int64_t> ids = {9, 8, 7};
  std::vector<float> logits;
  std::vector<int64_t> out = session.generateGreedy(ids, 1, 3, 0, &logits);
  EXPECT_EQ(out, ids);
  expectNear(logits, referenceLogits(checkpoint, ids, 1, 3));
}

TEST_F(ModelTest, CheckpointWithPrefixLoadsToo) {
  // The manifest says "transformer.wte.weight"; SetUp wrote "wte.weight"
  // (published GPT-2 style). A save_pretrained-style file has the prefix.
  writeCheckpoint(weights, checkpoint, "transformer.");
  olmrt::CompiledModel model(artifact);
  olmrt::Weights w(model, weights);
  olmrt::Session session(model, w);
  std::vector<int64_t> ids = {4, 2};
  std::vector<int32_t> ids32 = toInt32(ids);
  std::vector<float> logits(2 * kVocab);
  session.prefill(ids32.data(), 1, 2, 0, logits.data());
  expectNear(logits, referenceLogits(checkpoint, ids, 1, 2));
}

TEST_F(ModelTest, ModelsLoadSideBySideAndAgain) {
  // Each load is its own copy of the code; unloading one leaves the others
  // working, and a later load (likely reusing the descriptor number) gets
  // fresh code rather than a stale handle.
  auto first = std::make_unique<olmrt::CompiledModel>(artifact);
  olmrt::CompiledModel second(artifact);
  first.reset();
  olmrt::CompiledModel third(artifact);
  for (const olmrt::CompiledModel *model : {&second, &third}) {
    olmrt::Weights w(*model, weights);
    olmrt::Session session(*model, w);
    std::vector<int64_t> ids = {6};
    std::vector<float> logits;
    session.generateGreedy(ids, 1, 1, 0, &logits);
    expectNear(logits, referenceLogits(checkpoint, ids, 1, 1));
  }
}

TEST(ArgmaxTest, FirstMaximumAndNaNLikeTorch) {
  std::vector<float> ties = {1, 3, 2, 3};
  EXPECT_EQ(olmrt::argmaxFirst(ties.data(), 4), 1);
  float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> withNaN = {1, nan, 5, nan};
  EXPECT_EQ(olmrt::argmaxFirst(withNaN.data(), 4), 1);
  std::vector<float> negative = {-3, -1, -2};
  EXPECT_EQ(olmrt::argmaxFirst(negative.data(), 3), 1);
}

} // namespace
