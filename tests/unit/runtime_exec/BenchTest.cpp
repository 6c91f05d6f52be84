//===- BenchTest.cpp - `bench` on the fixture model, called in-process ----===//

#include "FixtureModel.h"

// Private to the runtime; the test switches kernel timing on through it.
#include "../../../runtime/lib/cpu/KernelStats.h"

#include "olmrt/Cli.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>

namespace {

using namespace fixture;
using ::testing::HasSubstr;

struct CliResult {
  int code;
  std::string out;
  std::string err;
};

CliResult runBench(std::vector<std::string> args) {
  std::ostringstream out, err;
  olmrt::CliStreams streams("olmrt");
  streams.out = &out;
  streams.err = &err;
  std::vector<char *> argv;
  for (std::string &arg : args)
    argv.push_back(arg.data());
  int code =
      olmrt::runRuntimeCommand("bench", int(argv.size()), argv.data(), streams);
  return {code, out.str(), err.str()};
}

/// The number after `label` in `text`, or -1 when there is none.
double numberAfter(const std::string &text, const std::string &label) {
  std::smatch match;
  std::regex re(label + R"(\s*([0-9]+(\.[0-9]+)?))");
  if (!std::regex_search(text, match, re))
    return -1;
  return std::stod(match[1]);
}

class BenchTest : public ::testing::Test {
protected:
  void SetUp() override {
    writeArtifact(artifact, manifest());
    writeCheckpoint(weights, makeCheckpoint(5), "");
  }
  void TearDown() override { olmrt::cpu::setKernelTiming(false); }

  TempDir dir;
  std::string artifact = dir.path("m.olmx");
  std::string weights = dir.path("w.safetensors");
};

TEST_F(BenchTest, TextReportsPositiveNumbers) {
  CliResult r = runBench({artifact, "--weights", weights, "--prompt-len", "4",
                          "--gen-len", "5", "--warmup", "1", "--iters", "3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("batch 1, prompt 4 tokens, 5 decode steps; "
                               "3 iterations after 1 warm-up"));
  EXPECT_GT(numberAfter(r.out, "prefill:"), 0) << r.out;
  EXPECT_GT(numberAfter(r.out, "decode:"), 0) << r.out;
  // Fixture.c calls olmk_embedding and olmk_matmul once per forward.
  EXPECT_THAT(r.out, HasSubstr("kernel calls: 2.0 per decode step, 2.0 per "
                               "prefill"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("kernel time")));
}

TEST_F(BenchTest, JsonHasEveryField) {
  CliResult r = runBench({artifact, "--random-weights", "--seed", "9",
                          "--batch", "2", "--prompt-len", "3", "--gen-len", "9",
                          "--iters", "2", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  for (const char *key : {"artifact",
                          "model",
                          "dtype",
                          "batch",
                          "prompt_len",
                          "gen_len",
                          "warmup",
                          "iters",
                          "prefill_ms",
                          "prefill_ms_min",
                          "prefill_ms_all",
                          "prefill_tokens_per_s",
                          "decode_tokens_per_s",
                          "decode_tokens_per_s_max",
                          "decode_tokens_per_s_all",
                          "decode_ms_per_step",
                          "decode_kernel_calls_per_step",
                          "prefill_kernel_calls",
                          "kernel_timing",
                          "decode_kernels",
                          "prefill_kernels"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["batch"], 2);
  EXPECT_EQ(j["prompt_len"], 3);
  EXPECT_EQ(j["gen_len"], 9);
  EXPECT_EQ(j["iters"], 2);
  EXPECT_EQ(j["prefill_ms_all"].size(), 2u);
  EXPECT_EQ(j["decode_tokens_per_s_all"].size(), 2u);
  for (const char *key :
       {"prefill_ms", "prefill_ms_min", "prefill_tokens_per_s",
        "decode_tokens_per_s", "decode_tokens_per_s_max", "decode_ms_per_step"})
    EXPECT_GT(j[key].get<double>(), 0.0) << key;
  EXPECT_EQ(j["decode_kernel_calls_per_step"].get<double>(), 2.0);
  EXPECT_EQ(j["decode_kernels"]["olmk_matmul"]["calls"].get<double>(), 1.0);
  EXPECT_EQ(j["decode_kernels"]["olmk_embedding"]["calls"].get<double>(), 1.0);
  EXPECT_FALSE(j["decode_kernels"]["olmk_matmul"].contains("ms"));
}

TEST_F(BenchTest, DefaultLengthsFitMaxSeq) {
  CliResult r = runBench({artifact, "--weights", weights, "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["prompt_len"], kMaxSeq / 2);
  EXPECT_EQ(j["gen_len"], kMaxSeq - kMaxSeq / 2);
  EXPECT_EQ(j["batch"], 1);

  r = runBench({artifact, "--weights", weights, "--gen-len", "10", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["prompt_len"], 2);
}

TEST_F(BenchTest, KernelTimingAddsABreakdown) {
  olmrt::cpu::setKernelTiming(true);
  CliResult r = runBench({artifact, "--weights", weights, "--iters", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("kernel time (OLMRT_KERNEL_TIMING):"));
  EXPECT_THAT(r.out, HasSubstr("olmk_matmul: "));
  EXPECT_THAT(r.out, HasSubstr("outside the kernels: "));

  r = runBench({artifact, "--weights", weights, "--iters", "1", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["kernel_timing"].get<bool>());
  EXPECT_GE(j["decode_kernels"]["olmk_matmul"]["ms"].get<double>(), 0.0);
}

TEST_F(BenchTest, Errors) {
  CliResult r = runBench(
      {artifact, "--weights", weights, "--prompt-len", "8", "--gen-len", "5"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("more than the compiled --max-seq 12"));

  r = runBench({artifact, "--random-weights", "--batch", "3"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("exceeds the compiled --max-batch 2"));

  r = runBench({artifact});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing --weights"));
  EXPECT_THAT(r.err, HasSubstr("usage: olmrt bench M.olmx"));

  r = runBench({artifact, "--weights", weights, "--iters", "0"});
  EXPECT_EQ(r.code, 2);

  r = runBench({artifact, "--weights", weights, "--seed", "1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--seed only applies to --random-weights"));
}

} // namespace
