//===- FixtureModel.cpp - The hand-written test model and its reference ---===//

#include "FixtureModel.h"

#include "olmrt/Artifact.h"
#include "olmrt/GeneratedABI.h"
#include "olmrt/Safetensors.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace fixture {

using nlohmann::json;

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "olmrt-exec-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed for " + pattern);
  dir_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored; // A leftover temp dir must not fail a test.
  std::filesystem::remove_all(dir_, ignored);
}

json manifest() {
  int64_t layerFloats = kMaxBatch * 1 * kMaxSeq * kDim;
  return json{
      {"olmc_version", "0.1.0"},
      {"abi_version", kOlmxAbiVersion},
      {"model",
       {{"name", "fixture"},
        {"dtype", "f32"},
        {"vocab", kVocab},
        {"max_seq", kMaxSeq},
        {"max_batch", kMaxBatch}}},
      {"target",
       {{"kind", "cpu"},
        {"triple", "x86_64-unknown-linux-gnu"},
        {"cpu", "x86-64-v2"}}},
      {"entry_points",
       json::array(
           {{{"name", "prefill"}, {"symbol", "olmx_prefill"}},
            {{"name", "decode"}, {"symbol", "olmx_decode"}, {"seq", 1}}})},
      {"weights",
       json::array(
           {{{"name", "wte"},
             {"shape", {kVocab, kDim}},
             {"sources", json::array({{{"tensor", "transformer.wte.weight"},
                                       {"shape", {kVocab, kDim}}}})},
             {"transpose", false},
             {"permute", nullptr},
             {"init", {{"kind", "normal"}, {"std", 0.02}}}},
            {{"name", "lm_head"},
             {"shape", {kVocab, kDim}},
             {"sources", json::array({{{"tensor", "transformer.head.a"},
                                       {"shape", {kDim, kHeadA}}},
                                      {{"tensor", "transformer.head.b"},
                                       {"shape", {kDim, kVocab - kHeadA}}}})},
             {"transpose", true},
             {"permute", nullptr},
             {"init", {{"kind", "normal"}, {"std", 1.0}}}}})},
      {"memory",
       {{"arena_bytes", kMaxBatch * kMaxSeq * kDim * 4},
        {"rows", kMaxBatch * kMaxSeq},
        {"buffers", json::array({{{"op", "olm.embedding"},
                                  {"offset", 0},
                                  {"bytes", kMaxBatch * kMaxSeq * kDim * 4}}})},
        {"kv_cache_bytes", 2 * layerFloats * 4},
        {"kv_layers", json::array({{{"k_offset", 0},
                                    {"v_offset", layerFloats},
                                    {"kv_heads", 1},
                                    {"head_dim", kDim}}})}}},
      {"kernels", {"olmk_embedding", "olmk_matmul"}}};
}

std::string codeImage() {
  std::ifstream in(OLMRT_TEST_FIXTURE_SO, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " OLMRT_TEST_FIXTURE_SO);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void writeArtifact(const std::string &path, const json &manifest) {
  olmrt::writeArtifact(path, manifest, {{"code.cpu.so", codeImage()}});
}

Checkpoint makeCheckpoint(uint32_t seed) {
  uint32_t state = seed * 2654435761u + 1;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return float(state >> 8) / float(1 << 23) - 1.0f;
  };
  Checkpoint c;
  for (int64_t i = 0; i < kVocab * kDim; ++i)
    c.wte.push_back(next());
  for (int64_t i = 0; i < kDim * kHeadA; ++i)
    c.headA.push_back(next());
  for (int64_t i = 0; i < kDim * (kVocab - kHeadA); ++i)
    c.headB.push_back(next());
  return c;
}

void writeCheckpoint(const std::string &path, const Checkpoint &c,
                     const std::string &prefix) {
  using olmrt::DType;
  olmrt::writeSafetensors(path,
                          {{prefix + "wte.weight",
                            DType::F32,
                            {kVocab, kDim},
                            c.wte.data(),
                            c.wte.size() * 4},
                           {prefix + "head.a",
                            DType::F32,
                            {kDim, kHeadA},
                            c.headA.data(),
                            c.headA.size() * 4},
                           {prefix + "head.b",
                            DType::F32,
                            {kDim, kVocab - kHeadA},
                            c.headB.data(),
                            c.headB.size() * 4}},
                          {});
}

std::vector<float> referenceLogits(const Checkpoint &c,
                                   const std::vector<int64_t> &ids,
                                   int64_t batch, int64_t seq) {
  auto head = [&](int64_t v, int64_t d) {
    return v < kHeadA ? c.headA[d * kHeadA + v]
                      : c.headB[d * (kVocab - kHeadA) + (v - kHeadA)];
  };
  std::vector<float> logits;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < seq; ++t) {
      std::vector<double> h(kDim);
      for (int64_t d = 0; d < kDim; ++d) {
        h[d] = c.wte[ids[b * seq + t] * kDim + d];
        if (t > 0)
          h[d] += 0.5 * c.wte[ids[b * seq + t - 1] * kDim + d];
      }
      for (int64_t v = 0; v < kVocab; ++v) {
        double sum = 0;
        for (int64_t d = 0; d < kDim; ++d)
          sum += h[d] * head(v, d);
        logits.push_back(float(sum));
      }
    }
  return logits;
}

std::vector<int64_t> referenceGreedy(const Checkpoint &c,
                                     const std::vector<int64_t> &ids,
                                     int64_t batch, int64_t seq,
                                     int64_t newTokens) {
  std::vector<std::vector<int64_t>> rows;
  for (int64_t b = 0; b < batch; ++b)
    rows.emplace_back(ids.begin() + b * seq, ids.begin() + (b + 1) * seq);
  for (auto &row : rows)
    for (int64_t i = 0; i < newTokens; ++i) {
      int64_t len = int64_t(row.size());
      std::vector<float> logits = referenceLogits(c, row, 1, len);
      const float *last = logits.data() + (len - 1) * kVocab;
      int64_t best = 0;
      for (int64_t v = 1; v < kVocab; ++v)
        if (last[v] > last[best])
          best = v;
      row.push_back(best);
    }
  std::vector<int64_t> out;
  for (auto &row : rows)
    out.insert(out.end(), row.begin(), row.end());
  return out;
}

} // namespace fixture
