//===- CliTest.cpp - run, init-weights and inspect, called in-process -----===//

#include "FixtureModel.h"

#include "olmrt/Cli.h"
#include "olmrt/Npy.h"
#include "olmrt/Safetensors.h"
#include "olmrt/WeightInit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace {

using namespace fixture;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct CliResult {
  int code;
  std::string out;
  std::string err;
};

/// Runs `program COMMAND ARGS...` the way main() would hand it over.
CliResult runCli(std::vector<std::string> words,
                 const std::string &program = "olmrt") {
  std::ostringstream out, err;
  olmrt::CliStreams streams(program);
  streams.out = &out;
  streams.err = &err;
  std::vector<char *> argv;
  for (size_t i = 1; i < words.size(); ++i)
    argv.push_back(words[i].data());
  int code = olmrt::runRuntimeCommand(words[0], int(argv.size()), argv.data(),
                                      streams);
  return {code, out.str(), err.str()};
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

/// numpy's own layout for an int32 array (olmrt::writeNpy writes int64
/// and float32 only).
void writeInt32Npy(const std::string &path, const std::vector<int32_t> &data,
                   const std::string &shape) {
  std::string header =
      "{'descr': '<i4', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  out.put(char(header.size() & 0xff));
  out.put(char(header.size() >> 8));
  out << header;
  out.write(reinterpret_cast<const char *>(data.data()), data.size() * 4);
}

class CliTest : public ::testing::Test {
protected:
  void SetUp() override {
    writeArtifact(artifact, manifest());
    writeCheckpoint(weights, checkpoint, "");
  }

  TempDir dir;
  std::string artifact = dir.path("m.olmx");
  std::string weights = dir.path("w.safetensors");
  Checkpoint checkpoint = makeCheckpoint(3);
};

TEST_F(CliTest, RunWritesLogitsAndIds) {
  std::vector<int64_t> ids = {1, 5, 9, 14, 0, 3};
  olmrt::writeNpy(dir.path("ids.npy"), ids, {2, 3});
  CliResult r =
      runCli({"run", artifact, "--weights", weights, "--input-ids",
              dir.path("ids.npy"), "--logits-out", dir.path("logits.npy"),
              "--output-ids", dir.path("out.npy"), "--max-new-tokens", "5"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");

  olmrt::NpyArray out = olmrt::readNpy(dir.path("out.npy"));
  EXPECT_EQ(out.dtype, olmrt::DType::I64);
  EXPECT_EQ(out.shape, (std::vector<int64_t>{2, 8}));
  std::vector<int64_t> greedy = olmrt::readNpyInt64(dir.path("out.npy"));
  EXPECT_EQ(greedy, referenceGreedy(checkpoint, ids, 2, 3, 5));

  // With generation, the logits cover every position processed: the 3
  // prompt positions and 4 decode steps, as a full pass over the first 7
  // generated ids would give them.
  std::vector<int64_t> shape;
  std::vector<float> logits =
      olmrt::readNpyFloat32(dir.path("logits.npy"), &shape);
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 7, kVocab}));
  std::vector<int64_t> processed;
  for (int64_t b = 0; b < 2; ++b)
    processed.insert(processed.end(), greedy.begin() + b * 8,
                     greedy.begin() + b * 8 + 7);
  std::vector<float> expected = referenceLogits(checkpoint, processed, 2, 7);
  ASSERT_EQ(logits.size(), expected.size());
  for (size_t i = 0; i < logits.size(); ++i)
    EXPECT_NEAR(logits[i], expected[i], 1e-5);
}

TEST_F(CliTest, RunAcceptsOneDimensionalInt32Ids) {
  writeInt32Npy(dir.path("ids.npy"), {7, 2, 2, 8}, "(4,)");
  CliResult r =
      runCli({"run", artifact, "--weights", weights, "--input-ids",
              dir.path("ids.npy"), "--logits-out", dir.path("logits.npy")});
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<int64_t> shape;
  std::vector<float> logits =
      olmrt::readNpyFloat32(dir.path("logits.npy"), &shape);
  EXPECT_EQ(shape, (std::vector<int64_t>{1, 4, kVocab}));
  std::vector<float> expected = referenceLogits(checkpoint, {7, 2, 2, 8}, 1, 4);
  for (size_t i = 0; i < logits.size(); ++i)
    EXPECT_NEAR(logits[i], expected[i], 1e-5);
}

TEST_F(CliTest, RunPrintsNewTokens) {
  CliResult r = runCli({"run", artifact, "--weights=" + weights, "--tokens",
                        "4,0,11", "--max-new-tokens", "6"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<int64_t> all = referenceGreedy(checkpoint, {4, 0, 11}, 1, 3, 6);
  std::string expected;
  for (size_t i = 3; i < all.size(); ++i)
    expected += (i == 3 ? "" : " ") + std::to_string(all[i]);
  EXPECT_EQ(r.out, expected + "\n");
}

TEST_F(CliTest, RunDefaultsToSixteenNewTokens) {
  // 1 prompt token + 16 new ones need 16 positions; the fixture has 12.
  CliResult r =
      runCli({"run", artifact, "--weights", weights, "--tokens", "1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "olmrt: error: sequence of 1 prompt tokens and 16 new "
                   "ones exceeds the compiled --max-seq 12\n");
}

TEST_F(CliTest, InitWeightsIsDeterministic) {
  std::string a = dir.path("a.safetensors"), b = dir.path("b.safetensors"),
              c = dir.path("c.safetensors");
  ASSERT_EQ(runCli({"init-weights", artifact, "-o", a, "--seed", "7"}).code, 0);
  ASSERT_EQ(runCli({"init-weights", artifact, "--output", b, "--seed=7"}).code,
            0);
  CliResult r = runCli({"init-weights", artifact, "-o", c, "--seed", "8"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, c + ": 3 tensors, 256 parameters (seed 8)\n");
  EXPECT_EQ(readFile(a), readFile(b));
  EXPECT_NE(readFile(a), readFile(c));

  olmrt::SafetensorsFile file(a);
  EXPECT_EQ(file.names(), (std::vector<std::string>{"transformer.head.a",
                                                    "transformer.head.b",
                                                    "transformer.wte.weight"}));
  const olmrt::TensorInfo *wte = file.find("transformer.wte.weight");
  ASSERT_NE(wte, nullptr);
  EXPECT_EQ(wte->dtype, olmrt::DType::F32);
  EXPECT_EQ(wte->shape, (std::vector<int64_t>{kVocab, kDim}));
  // std 0.02: every one of 128 samples lies well within 6 sigma.
  std::vector<float> values(size_t(wte->numElements()));
  file.readAsFloat32(*wte, values.data());
  for (float v : values)
    EXPECT_LT(std::fabs(v), 0.12f);
}

TEST_F(CliTest, InitWeightsHonoursOnesAndZeros) {
  nlohmann::json m = manifest();
  m["weights"][0]["init"] = {{"kind", "ones"}};
  m["weights"][1]["init"] = {{"kind", "zeros"}};
  writeArtifact(artifact, m);
  std::string path = dir.path("w0.safetensors");
  ASSERT_EQ(runCli({"init-weights", artifact, "-o", path}).code, 0);
  olmrt::SafetensorsFile file(path);
  for (const char *name :
       {"transformer.wte.weight", "transformer.head.a", "transformer.head.b"}) {
    const olmrt::TensorInfo *info = file.find(name);
    ASSERT_NE(info, nullptr) << name;
    std::vector<float> values(size_t(info->numElements()));
    file.readAsFloat32(*info, values.data());
    float want = std::string(name) == "transformer.wte.weight" ? 1.f : 0.f;
    for (float v : values)
      EXPECT_EQ(v, want) << name;
  }
}

TEST(NormalGeneratorTest, StandardNormalMoments) {
  olmrt::NormalGenerator gen(42);
  double sum = 0, squares = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    double x = gen.next();
    sum += x;
    squares += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(squares / n, 1.0, 0.01);
}

TEST_F(CliTest, RandomWeightsEqualInitWeights) {
  std::string init = dir.path("init.safetensors");
  ASSERT_EQ(runCli({"init-weights", artifact, "-o", init, "--seed", "5"}).code,
            0);
  CliResult fromFile = runCli({"run", artifact, "--weights", init, "--tokens",
                               "1,2,3", "--logits-out", dir.path("a.npy")});
  CliResult inMemory =
      runCli({"run", artifact, "--random-weights", "--seed", "5", "--tokens",
              "1,2,3", "--logits-out", dir.path("b.npy")});
  ASSERT_EQ(fromFile.code, 0) << fromFile.err;
  ASSERT_EQ(inMemory.code, 0) << inMemory.err;
  EXPECT_EQ(readFile(dir.path("a.npy")), readFile(dir.path("b.npy")));
}

TEST_F(CliTest, InspectDescribesTheArtifact) {
  CliResult r = runCli({"inspect", artifact});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("model: fixture (f32), vocab 16, max_seq 12, "
                               "max_batch 2\n"));
  EXPECT_THAT(r.out, HasSubstr("target: cpu (x86_64-unknown-linux-gnu, cpu "
                               "x86-64-v2)\n"));
  EXPECT_THAT(r.out, HasSubstr("  decode -> olmx_decode (seq 1)\n"));
  EXPECT_THAT(r.out, HasSubstr("kernels: olmk_embedding olmk_matmul\n"));
  EXPECT_THAT(r.out, HasSubstr("weights: 2 (256 parameters, 1024 bytes "
                               "(1.0 KiB) as float32)\n"));
  EXPECT_THAT(r.out,
              HasSubstr("  1 lm_head [16, 8] <- transformer.head.a [8, 6] + "
                        "transformer.head.b [8, 10], transposed, init "
                        "normal(std 1)\n"));
  EXPECT_THAT(r.out, HasSubstr("  arena: 768 bytes (peak activation memory), "
                               "1 buffers, 24 rows\n"));
  EXPECT_THAT(r.out, HasSubstr("  KV cache: 1536 bytes (1.5 KiB), 1 layers\n"));
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  CliResult r = runCli({"run", artifact, "--tokens", "1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, StartsWith("olmrt: error: missing --weights "
                                "W.safetensors (or --random-weights)\n"
                                "usage: olmrt run M.olmx "));

  r = runCli({"run", artifact, "--weights", weights, "--tokens", "1,x"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, StartsWith("olmrt: error: --tokens expects token ids "
                                "separated by commas, got 'x' in '1,x'\n"));

  r = runCli({"run", artifact, "--weights", weights, "--tokens", "1",
              "--max-new-tokens", "-3"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, StartsWith("olmrt: error: --max-new-tokens expects an "
                                "integer from 0 to 1048576, got '-3'\n"));

  r = runCli({"inspect", artifact, "--verbose"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "olmrt: error: unknown option '--verbose'\n"
                   "usage: olmrt inspect M.olmx\n");

  r = runCli({"init-weights", artifact}, "olmc");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "olmc: error: missing -o W.safetensors\n"
                   "usage: olmc init-weights M.olmx -o W.safetensors "
                   "[--seed S]\n");

  r = runCli({"compile-and-run"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, StartsWith("olmrt: error: unknown command "
                                "'compile-and-run'\n"));

  r = runCli({"run", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, StartsWith("usage: olmrt run M.olmx"));
}

TEST_F(CliTest, ErrorsAreOneLineAndExitOne) {
  CliResult r = runCli({"inspect", dir.path("missing.olmx")}, "olmc");
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, StartsWith("olmc: error: " + dir.path("missing.olmx") +
                                ": cannot open"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);

  olmrt::writeNpy(dir.path("ids.npy"),
                  std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
  r = runCli({"run", artifact, "--weights", weights, "--input-ids",
              dir.path("ids.npy")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "olmrt: error: " + dir.path("ids.npy") +
                       ": token ids must have shape [T] or [B, T], not "
                       "[2, 2, 2]\n");

  r = runCli({"run", artifact, "--weights", weights, "--tokens", "3,16",
              "--logits-out", dir.path("l.npy")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "olmrt: error: token id 16 at position 1 of sequence 0 is "
                   "outside the vocabulary of 16 tokens\n");
}

} // namespace
