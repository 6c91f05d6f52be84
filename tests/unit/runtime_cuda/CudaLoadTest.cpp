//===- CudaLoadTest.cpp - Loading cuda artifacts, with or without a GPU ---===//
//
// A cuda artifact is the manifest plus HostFixture.c as code.host.so. On a
// machine without the NVIDIA driver (CI) loading it must fail with one
// clear line; where the driver and an sm_90 GPU exist, the same test runs
// the model on the device and checks its logits and greedy tokens.
//
//===----------------------------------------------------------------------===//

#include "olmrt/Artifact.h"
#include "olmrt/Error.h"
#include "olmrt/GeneratedABI.h"
#include "olmrt/Manifest.h"
#include "olmrt/Model.h"
#include "olmrt/Session.h"
#include "olmrt/Weights.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

constexpr int64_t kVocab = 16, kDim = 8, kMaxSeq = 12, kMaxBatch = 2;

json manifest() {
  return json{
      {"olmc_version", "0.1.0"},
      {"abi_version", kOlmxAbiVersion},
      {"model",
       {{"name", "cuda_fixture"},
        {"dtype", "f32"},
        {"vocab", kVocab},
        {"max_seq", kMaxSeq},
        {"max_batch", kMaxBatch}}},
      {"target",
       {{"kind", "cuda"},
        {"arch", "sm_90"},
        {"triple", "x86_64-unknown-linux-gnu"},
        {"cpu", "x86-64-v2"}}},
      {"entry_points",
       json::array(
           {{{"name", "prefill"}, {"symbol", "olmx_prefill"}},
            {{"name", "decode"}, {"symbol", "olmx_decode"}, {"seq", 1}}})},
      {"weights",
       json::array({{{"name", "wte"},
                     {"shape", {kVocab, kDim}},
                     {"sources", json::array({{{"tensor", "wte"},
                                               {"shape", {kVocab, kDim}}}})},
                     {"transpose", false},
                     {"permute", nullptr},
                     {"init", {{"kind", "normal"}, {"std", 1.0}}}},
                    {{"name", "head"},
                     {"shape", {kVocab, kDim}},
                     {"sources", json::array({{{"tensor", "head"},
                                               {"shape", {kVocab, kDim}}}})},
                     {"transpose", false},
                     {"permute", nullptr},
                     {"init", {{"kind", "normal"}, {"std", 1.0}}}}})},
      {"memory",
       {{"arena_bytes", kMaxBatch * kMaxSeq * kDim * 4},
        {"rows", kMaxBatch * kMaxSeq},
        {"buffers", json::array()},
        {"kv_cache_bytes", 0},
        {"kv_layers", json::array()}}},
      {"kernels", {"olmg_embedding", "olmg_matmul"}},
      {"device_kernels", json::array()}};
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class CudaLoadTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("olmrt-cuda-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    artifact = (dir / "m.olmx").string();
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    ::unsetenv("OLMRT_CUDA_LIB");
  }
  void write(const json &m) {
    olmrt::writeArtifact(
        artifact, m,
        {{"code.host.so", readFile(OLMRT_TEST_CUDA_FIXTURE_SO)}});
  }
  std::string loadError() {
    try {
      olmrt::CompiledModel model(artifact);
    } catch (const olmrt::Error &e) {
      return e.what();
    }
    return "";
  }

  std::filesystem::path dir;
  std::string artifact;
};

std::string parseError(const json &m) {
  try {
    olmrt::parseManifest("m.olmx", m);
  } catch (const olmrt::Error &e) {
    return e.what();
  }
  return "";
}

TEST(CudaManifest, ParsesTheCudaFields) {
  json m = manifest();
  m["model"]["dtype"] = "bf16";
  m["device_kernels"] = json::array(
      {{{"name", "olmx_fused_0"}, {"args", 3}, {"elements_per_thread", 4}}});
  olmrt::Manifest parsed = olmrt::parseManifest("m.olmx", m);
  EXPECT_TRUE(parsed.target.isCuda());
  EXPECT_EQ(parsed.target.arch, "sm_90");
  EXPECT_EQ(parsed.model.dtype, "bf16");
  EXPECT_EQ(parsed.elementBytes(), 2);
  ASSERT_EQ(parsed.deviceKernels.size(), 1u);
  EXPECT_EQ(parsed.deviceKernels[0].name, "olmx_fused_0");
  EXPECT_EQ(parsed.deviceKernels[0].args, 3);
  EXPECT_EQ(parsed.deviceKernels[0].elementsPerThread, 4);
}

TEST(CudaManifest, Errors) {
  json m = manifest();
  m["target"].erase("arch");
  EXPECT_EQ(parseError(m), "m.olmx: manifest field 'target.arch' is missing");
  m = manifest();
  m["model"]["dtype"] = "f8";
  EXPECT_EQ(parseError(m), "m.olmx: manifest field 'model.dtype' is 'f8'; "
                           "the cuda target runs bf16, f16 or f32");
  m = manifest();
  m["target"]["kind"] = "cpu";
  m["model"]["dtype"] = "bf16";
  EXPECT_EQ(parseError(m), "m.olmx: manifest field 'model.dtype' is 'bf16'; "
                           "this runtime runs f32 models only on the cpu "
                           "target");
  m = manifest();
  m["device_kernels"] = json::array(
      {{{"name", "k"}, {"args", 65}, {"elements_per_thread", 1}}});
  EXPECT_THAT(parseError(m),
              StartsWith("m.olmx: manifest field 'device_kernels[0].args' "
                         "must be an integer in [0, 64]"));
  // KV offsets count elements of the compute dtype: 2 bytes in bf16.
  m = manifest();
  m["model"]["dtype"] = "bf16";
  m["memory"]["kv_cache_bytes"] = 2 * kMaxBatch * kMaxSeq * kDim * 2;
  m["memory"]["kv_layers"] =
      json::array({{{"k_offset", 0},
                    {"v_offset", kMaxBatch * kMaxSeq * kDim},
                    {"kv_heads", 1},
                    {"head_dim", kDim}}});
  EXPECT_EQ(parseError(m), "");
  m["memory"]["kv_layers"][0]["v_offset"] = kMaxBatch * kMaxSeq * kDim + 1;
  EXPECT_THAT(parseError(m), HasSubstr("elements each, outside the KV cache"));
}

TEST_F(CudaLoadTest, MissingBackendIsOneClearLine) {
  ::setenv("OLMRT_CUDA_LIB", "/nonexistent/libolmrt_cuda.so", 1);
  write(manifest());
  std::string error = loadError();
  EXPECT_THAT(error, StartsWith(artifact +
                                ": a cuda artifact needs the CUDA backend, "
                                "which cannot be loaded from "
                                "/nonexistent/libolmrt_cuda.so ("));
  EXPECT_THAT(error, HasSubstr("set OLMRT_CUDA_LIB"));
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST_F(CudaLoadTest, MissingHostCodeSection) {
  olmrt::writeArtifact(artifact, manifest(), {});
  EXPECT_EQ(loadError(), artifact + ": artifact has no 'code.host.so' "
                                    "section for target 'cuda'");
}

#ifdef OLMRT_TEST_CUDA_PLUGIN
/// Without a driver or GPU: one line naming the cause. With an sm_90 GPU:
/// the fixture runs and matches a float64 reference.
TEST_F(CudaLoadTest, NoGpuIsOneClearLineElseTheModelRuns) {
  ::setenv("OLMRT_CUDA_LIB", OLMRT_TEST_CUDA_PLUGIN, 1);
  write(manifest());
  std::unique_ptr<olmrt::CompiledModel> model;
  try {
    model = std::make_unique<olmrt::CompiledModel>(artifact);
  } catch (const olmrt::Error &e) {
    std::string error = e.what();
    EXPECT_EQ(error.find('\n'), std::string::npos);
    EXPECT_THAT(error, StartsWith(artifact + ": "));
    EXPECT_THAT(error,
                MatchesRegex(".*: (cannot run a cuda artifact: (no NVIDIA "
                             "driver: cannot load libcuda.so.1 .*|cuInit "
                             "failed: CUDA_ERROR_.*|the NVIDIA driver sees "
                             "no GPU|cannot use GPU 0: .*)|the artifact is "
                             "compiled for sm_90, but GPU .*)"));
    return;
  }
  // A GPU: run it.
  std::vector<float> wte(kVocab * kDim), head(kVocab * kDim);
  for (size_t i = 0; i < wte.size(); ++i) {
    wte[i] = std::sin(float(i) * 0.37f);
    head[i] = std::cos(float(i) * 0.11f);
  }
  olmrt::Weights weights(model->manifest(),
                         std::vector<olmrt::SourceTensor>{
                             {"wte", {kVocab, kDim}, wte},
                             {"head", {kVocab, kDim}, head}});
  olmrt::Session session(*model, weights);
  std::vector<int64_t> ids = {3, 1, 4, 1, 5};
  std::vector<float> logits;
  std::vector<int64_t> out = session.generateGreedy(ids, 1, 5, 4, &logits);
  ASSERT_EQ(logits.size(), size_t((5 + 3) * kVocab));
  auto reference = [&](int64_t id, int64_t v) {
    double s = 0;
    for (int64_t d = 0; d < kDim; ++d)
      s += double(head[v * kDim + d]) * wte[id * kDim + d];
    return s;
  };
  for (int64_t p = 0; p < 8; ++p) {
    int64_t id = out[size_t(p)];
    int64_t best = 0;
    for (int64_t v = 0; v < kVocab; ++v) {
      EXPECT_NEAR(logits[size_t(p * kVocab + v)], reference(id, v), 1e-4);
      if (reference(id, v) > reference(id, best))
        best = v;
    }
    if (p >= 4) // Past the prompt: greedy picks.
      EXPECT_EQ(out[size_t(p + 1)], best) << "at position " << p;
  }
}
#endif

} // namespace
