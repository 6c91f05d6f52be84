//===- ErrorTest.cpp - Every way loading or running a model can fail ------===//
//
// Each error is an olmrt::Error with one line that names the file, tensor,
// shape or limit involved; these tests pin the exact text.
//
//===----------------------------------------------------------------------===//

#include "FixtureModel.h"

#include "olmrt/Artifact.h"
#include "olmrt/Error.h"
#include "olmrt/Manifest.h"
#include "olmrt/Model.h"
#include "olmrt/Safetensors.h"
#include "olmrt/Session.h"
#include "olmrt/WeightInit.h"
#include "olmrt/Weights.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

namespace {

using namespace fixture;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

/// The message of the olmrt::Error `fn` throws ("" when none).
std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const olmrt::Error &e) {
    std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "no olmrt::Error thrown";
  return "";
}

class ErrorTest : public ::testing::Test {
protected:
  void SetUp() override { writeCheckpoint(weights, checkpoint, ""); }

  /// The error loading the fixture with its manifest changed by `edit`.
  std::string loadError(const std::function<void(json &)> &edit) {
    json m = manifest();
    edit(m);
    writeArtifact(artifact, m);
    return errorOf([&] { olmrt::CompiledModel model(artifact); });
  }

  TempDir dir;
  std::string artifact = dir.path("m.olmx");
  std::string weights = dir.path("w.safetensors");
  Checkpoint checkpoint = makeCheckpoint(2);
};

TEST_F(ErrorTest, WrongAbiVersion) {
  EXPECT_EQ(loadError([](json &m) { m["abi_version"] = 1; }),
            artifact + ": manifest abi_version is 1, this runtime implements "
                       "generated-code ABI version " +
                std::to_string(kOlmxAbiVersion) +
                "; recompile the model with a matching olmc");
}

// Regression (docs/security.md): the message used to print the value with
// json::dump(), which recurses once per level of nesting, so a manifest
// nesting arrays a million deep in abi_version overflowed the stack. Only
// numbers are printed now.
TEST(ManifestDefects, AbiVersionOfAnotherTypeIsNamedNotPrinted) {
  const size_t depth = 1000000;
  json deep = json::parse("{\"abi_version\": " + std::string(depth, '[') +
                          std::string(depth, ']') + "}");
  EXPECT_EQ(errorOf([&] { olmrt::parseManifest("m.olmx", deep); }),
            "m.olmx: manifest abi_version is a JSON array, this runtime "
            "implements generated-code ABI version " +
                std::to_string(kOlmxAbiVersion) +
                "; recompile the model with a matching olmc");
  EXPECT_EQ(errorOf([] {
              olmrt::parseManifest("m.olmx", json{{"abi_version", "1"}});
            }),
            "m.olmx: manifest abi_version is a JSON string, this runtime "
            "implements generated-code ABI version " +
                std::to_string(kOlmxAbiVersion) +
                "; recompile the model with a matching olmc");
}

TEST_F(ErrorTest, WrongTarget) {
  EXPECT_EQ(loadError([](json &m) { m["target"]["kind"] = "tpu"; }),
            artifact + ": manifest field 'target.kind' is 'tpu'; this "
                       "runtime runs 'cpu' and 'cuda' artifacts only");
}

// The logits' row stride: at least vocab, at most 64 floats more, and
// dense on the cpu target (only the cuda target pads rows).
TEST_F(ErrorTest, LogitsRowStride) {
  EXPECT_EQ(loadError([](json &m) { m["model"]["logits_row_stride"] = 15; }),
            artifact + ": manifest field 'model.logits_row_stride' must be "
                       "an integer in [16, 80], got 15");
  EXPECT_EQ(loadError([](json &m) { m["model"]["logits_row_stride"] = 20; }),
            artifact + ": manifest field 'model.logits_row_stride' is 20; "
                       "the cpu target writes dense logits (16)");
}

TEST_F(ErrorTest, MissingAndMistypedFields) {
  EXPECT_EQ(loadError([](json &m) { m["model"].erase("vocab"); }),
            artifact + ": manifest field 'model.vocab' is missing");
  EXPECT_EQ(loadError([](json &m) { m["model"]["vocab"] = "16"; }),
            artifact + ": manifest field 'model.vocab' must be an integer in "
                       "[1, 16777216], got a string");
  EXPECT_EQ(loadError([](json &m) { m["weights"][1]["transpose"] = 1; }),
            artifact + ": manifest field 'weights[1].transpose' must be true "
                       "or false, got an integer");
  EXPECT_EQ(
      loadError([](json &m) { m["weights"][0]["sources"][0]["shape"][1] = 0; }),
      artifact + ": manifest field 'weights[0].sources[0].shape[1]' must be "
                 "an integer in [1, 68719476736], got 0");
  EXPECT_EQ(
      loadError([](json &m) { m["weights"][0]["init"]["kind"] = "xavier"; }),
      artifact + ": manifest field 'weights[0].init.kind' is 'xavier'; "
                 "expected 'normal', 'ones' or 'zeros'");
  EXPECT_EQ(loadError([](json &m) { m.erase("entry_points"); }),
            artifact + ": manifest field 'entry_points' is missing");
}

TEST_F(ErrorTest, SizesBeyondLimits) {
  EXPECT_EQ(loadError([](json &m) { m["model"]["max_seq"] = 1u << 30; }),
            artifact + ": manifest field 'model.max_seq' must be an integer "
                       "in [1, 1048576], got 1073741824");
  EXPECT_EQ(loadError([](json &m) { m["memory"]["arena_bytes"] = UINT64_MAX; }),
            artifact +
                ": manifest field 'memory.arena_bytes' must be an integer "
                "in [0, 1099511627776], got 18446744073709551615");
  EXPECT_EQ(loadError([](json &m) {
              m["weights"][0]["shape"] = {1 << 20, 1 << 20};
              m["weights"][0]["sources"][0]["shape"] = {1 << 20, 1 << 20};
            }),
            artifact + ": manifest field 'weights[0].shape' has more than "
                       "68719476736 elements");
}

TEST_F(ErrorTest, MemoryPlanOutsideItsBuffers) {
  EXPECT_EQ(loadError([](json &m) { m["memory"]["kv_cache_bytes"] = 500; }),
            artifact + ": manifest field 'memory.kv_layers[0]' needs K and V "
                       "blocks larger than the KV cache of 500 bytes");
  EXPECT_EQ(
      loadError([](json &m) { m["memory"]["kv_layers"][0]["v_offset"] = 200; }),
      artifact + ": manifest field 'memory.kv_layers[0]' places K at "
                 "float 0 and V at float 200, 192 floats each, outside "
                 "the KV cache of 384 floats");
  EXPECT_EQ(loadError([](json &m) { m["memory"]["buffers"][0]["offset"] = 8; }),
            artifact + ": manifest field 'memory.buffers[0]' [8, 776) lies "
                       "outside the arena of 768 bytes");
}

TEST_F(ErrorTest, CodeProblems) {
  EXPECT_EQ(loadError([](json &m) {
              m["entry_points"][0]["symbol"] = "olmx_missing";
            }),
            artifact + ": code section 'code.cpu.so' does not define symbol "
                       "'olmx_missing' of entry point 'prefill'");
  EXPECT_EQ(loadError([](json &m) { m["kernels"].push_back("olmk_teleport"); }),
            artifact + ": the model calls kernel 'olmk_teleport', which this "
                       "program does not provide (it must export the olmk_* "
                       "kernels of olmrt_cpu)");

  olmrt::writeArtifact(artifact, manifest(), {});
  EXPECT_EQ(errorOf([&] { olmrt::CompiledModel model(artifact); }),
            artifact + ": artifact has no 'code.cpu.so' section for target "
                       "'cpu'");

  olmrt::writeArtifact(artifact, manifest(),
                       {{"code.cpu.so", "not an ELF file"}});
  EXPECT_THAT(errorOf([&] { olmrt::CompiledModel model(artifact); }),
              StartsWith(artifact + ": code section 'code.cpu.so': cannot "
                                    "load it: "));
}

TEST_F(ErrorTest, CorruptArtifact) {
  writeArtifact(artifact, manifest());
  {
    std::fstream f(artifact, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  EXPECT_EQ(errorOf([&] { olmrt::CompiledModel model(artifact); }),
            artifact + ": checksum mismatch: the file is corrupt or was "
                       "modified");
}

TEST_F(ErrorTest, EntryPointReportsFailure) {
  json m = manifest();
  m["entry_points"][0]["symbol"] = "olmx_fail";
  writeArtifact(artifact, m);
  olmrt::CompiledModel model(artifact);
  olmrt::Weights w(model, weights);
  olmrt::Session session(model, w);
  int32_t id = 1;
  float logits[kVocab];
  EXPECT_EQ(errorOf([&] { session.prefill(&id, 1, 1, 0, logits); }),
            artifact + ": entry point 'prefill' failed with status 3");
}

TEST_F(ErrorTest, MissingTensor) {
  olmrt::writeSafetensors(weights,
                          {{"wte.weight",
                            olmrt::DType::F32,
                            {kVocab, kDim},
                            checkpoint.wte.data(),
                            checkpoint.wte.size() * 4},
                           {"head.a",
                            olmrt::DType::F32,
                            {kDim, kHeadA},
                            checkpoint.headA.data(),
                            checkpoint.headA.size() * 4}},
                          {});
  writeArtifact(artifact, manifest());
  olmrt::CompiledModel model(artifact);
  EXPECT_EQ(errorOf([&] { olmrt::Weights w(model, weights); }),
            weights + ": no tensor 'transformer.head.b' (the model needs it "
                      "for weight 1 'lm_head')");
}

TEST_F(ErrorTest, WrongTensorShape) {
  std::vector<float> wide(kDim * (kHeadA + 1));
  olmrt::writeSafetensors(weights,
                          {{"wte.weight",
                            olmrt::DType::F32,
                            {kVocab, kDim},
                            checkpoint.wte.data(),
                            checkpoint.wte.size() * 4},
                           {"head.a",
                            olmrt::DType::F32,
                            {kDim, kHeadA + 1},
                            wide.data(),
                            wide.size() * 4},
                           {"head.b",
                            olmrt::DType::F32,
                            {kDim, kVocab - kHeadA},
                            checkpoint.headB.data(),
                            checkpoint.headB.size() * 4}},
                          {});
  writeArtifact(artifact, manifest());
  olmrt::CompiledModel model(artifact);
  EXPECT_EQ(errorOf([&] { olmrt::Weights w(model, weights); }),
            weights + ": weight 'head.a' has shape [8, 7], the model expects "
                      "[8, 6]");
}

TEST_F(ErrorTest, CorruptSafetensors) {
  {
    std::ofstream f(weights, std::ios::binary | std::ios::trunc);
    f << "\x10\x00\x00\x00\x00\x00\x00\x00{\"x\": [1, 2, 3";
  }
  writeArtifact(artifact, manifest());
  olmrt::CompiledModel model(artifact);
  EXPECT_THAT(errorOf([&] { olmrt::Weights w(model, weights); }),
              StartsWith(weights + ": "));
}

class RunErrorTest : public ErrorTest {
protected:
  void SetUp() override {
    ErrorTest::SetUp();
    writeArtifact(artifact, manifest());
    model = std::make_unique<olmrt::CompiledModel>(artifact);
    w = std::make_unique<olmrt::Weights>(*model, weights);
    session = std::make_unique<olmrt::Session>(*model, *w);
  }

  std::string prefillError(std::vector<int32_t> ids, int64_t batch, int64_t seq,
                           int64_t pos0) {
    std::vector<float> logits(size_t(batch * seq * kVocab));
    return errorOf(
        [&] { session->prefill(ids.data(), batch, seq, pos0, logits.data()); });
  }

  std::unique_ptr<olmrt::CompiledModel> model;
  std::unique_ptr<olmrt::Weights> w;
  std::unique_ptr<olmrt::Session> session;
};

TEST_F(RunErrorTest, IdOutsideVocabulary) {
  EXPECT_EQ(prefillError({1, 2, 3, 4, 5, 16}, 2, 3, 0),
            "token id 16 at position 2 of sequence 1 is outside the "
            "vocabulary of 16 tokens");
  EXPECT_EQ(prefillError({-1}, 1, 1, 4),
            "token id -1 at position 4 of sequence 0 is outside the "
            "vocabulary of 16 tokens");
  EXPECT_EQ(errorOf([&] {
              session->generateGreedy({1, 99}, 1, 2, 1);
            }),
            "token id 99 at position 1 of sequence 0 is outside the "
            "vocabulary of 16 tokens");
}

TEST_F(RunErrorTest, SequencePastMaxSeq) {
  EXPECT_EQ(prefillError(std::vector<int32_t>(13), 1, 13, 0),
            "sequence of 13 tokens exceeds the compiled --max-seq 12");
  EXPECT_EQ(prefillError(std::vector<int32_t>(3), 1, 3, 10),
            "sequence of 13 tokens exceeds the compiled --max-seq 12");
  int32_t id = 0;
  float logits[kVocab];
  EXPECT_EQ(errorOf([&] { session->decode(&id, 1, 12, logits); }),
            "sequence of 13 tokens exceeds the compiled --max-seq 12");
  EXPECT_EQ(errorOf([&] {
              session->generateGreedy(std::vector<int64_t>(5), 1, 5, 9);
            }),
            "sequence of 5 prompt tokens and 9 new ones exceeds the compiled "
            "--max-seq 12");
}

TEST_F(RunErrorTest, BatchPastMaxBatch) {
  EXPECT_EQ(prefillError(std::vector<int32_t>(3), 3, 1, 0),
            "batch of 3 sequences exceeds the compiled --max-batch 2");
  EXPECT_EQ(errorOf([&] {
              session->generateGreedy(std::vector<int64_t>(3), 3, 1, 1);
            }),
            "batch of 3 sequences exceeds the compiled --max-batch 2");
}

TEST_F(RunErrorTest, WeightsOfAnotherModel) {
  json m = manifest();
  m["weights"].erase(1);
  olmrt::Manifest other = olmrt::parseManifest("other.olmx", m);
  olmrt::Weights otherWeights(other, olmrt::initSourceTensors(other, 0));
  EXPECT_EQ(errorOf([&] { olmrt::Session s(*model, otherWeights); }),
            artifact + ": the weights hold 1 tensors, the model needs 2");
}

} // namespace
