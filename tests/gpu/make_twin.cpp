//===- make_twin.cpp - Artifacts around the twin model's code -------------===//
//
//   make_twin OUT.olmx cpu|cuda f32|bf16 CODE.so
//
// Writes the manifest of twin_model.c (twin_config.h sizes) with CODE.so
// as code.cpu.so (cpu) or code.host.so (cuda, arch sm_90).
//
//===----------------------------------------------------------------------===//

#include "twin_config.h"

#include "olmrt/Artifact.h"
#include "olmrt/GeneratedABI.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

using nlohmann::json;

namespace {

json weight(const std::string &name, std::vector<int64_t> shape,
            const std::string &init) {
  json w = {{"name", name},
            {"shape", shape},
            {"sources", json::array({{{"tensor", name}, {"shape", shape}}})},
            {"transpose", false},
            {"permute", nullptr}};
  if (init == "ones")
    w["init"] = {{"kind", "ones"}};
  else
    w["init"] = {{"kind", "normal"}, {"std", init == "bias" ? 0.1 : 0.05}};
  return w;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 5) {
    std::cerr << "usage: make_twin OUT.olmx cpu|cuda f32|bf16 CODE.so\n";
    return 2;
  }
  std::string out = argv[1], target = argv[2], dtype = argv[3];
  std::ifstream in(argv[4], std::ios::binary);
  std::ostringstream code;
  code << in.rdbuf();
  const int64_t D = TWIN_D, QKV = (TWIN_H + 2 * TWIN_KVH) * TWIN_HD;
  json weights = json::array();
  weights.push_back(weight("emb", {TWIN_V, D}, "normal"));
  for (int l = 0; l < TWIN_LAYERS; ++l) {
    std::string p = "layers." + std::to_string(l) + ".";
    weights.push_back(weight(p + "ln1", {D}, "ones"));
    weights.push_back(weight(p + "qkv", {QKV, D}, "normal"));
    weights.push_back(weight(p + "qkv_b", {QKV}, "bias"));
    weights.push_back(weight(p + "o", {D, TWIN_H * TWIN_HD}, "normal"));
    weights.push_back(weight(p + "ln2", {D}, "ones"));
    weights.push_back(weight(p + "gu", {2 * TWIN_F, D}, "normal"));
    weights.push_back(weight(p + "down", {D, TWIN_F}, "normal"));
  }
  weights.push_back(weight("lnf", {D}, "ones"));
  weights.push_back(weight("head", {TWIN_V, D}, "normal"));
  const int64_t rows = int64_t(TWIN_MAXBATCH) * TWIN_MAXSEQ;
  const int64_t cache =
      int64_t(TWIN_MAXBATCH) * TWIN_KVH * TWIN_MAXSEQ * TWIN_HD;
  const int64_t es = dtype == "f32" ? 4 : 2;
  json layers = json::array();
  for (int l = 0; l < TWIN_LAYERS; ++l)
    layers.push_back({{"k_offset", 2 * l * cache},
                      {"v_offset", (2 * l + 1) * cache},
                      {"kv_heads", TWIN_KVH},
                      {"head_dim", TWIN_HD}});
  bool cuda = target == "cuda";
  json kernels = cuda ? json{"olmg_attention", "olmg_embedding",
                             "olmg_gated_activation", "olmg_matmul",
                             "olmg_rmsnorm"}
                      : json{"olmk_attention", "olmk_embedding",
                             "olmk_gated_activation", "olmk_matmul",
                             "olmk_rmsnorm"};
  json target_ = {{"kind", target},
                  {"triple", "x86_64-unknown-linux-gnu"},
                  {"cpu", "x86-64-v2"}};
  if (cuda)
    target_["arch"] = "sm_90";
  json manifest = {
      {"olmc_version", "0.1.0"},
      {"abi_version", kOlmxAbiVersion},
      {"model",
       {{"name", "twin"},
        {"dtype", dtype},
        {"vocab", TWIN_V},
        {"max_seq", TWIN_MAXSEQ},
        {"max_batch", TWIN_MAXBATCH}}},
      {"target", target_},
      {"entry_points",
       json::array(
           {{{"name", "prefill"}, {"symbol", "olmx_prefill"}},
            {{"name", "decode"}, {"symbol", "olmx_decode"}, {"seq", 1}}})},
      {"weights", weights},
      {"memory",
       {{"arena_bytes",
         4 * rows * (3 * D + QKV + 2 * TWIN_F + TWIN_F)},
        {"rows", rows},
        {"buffers", json::array()},
        {"kv_cache_bytes", 2 * TWIN_LAYERS * cache * es},
        {"kv_layers", layers}}},
      {"kernels", kernels},
      {"device_kernels", json::array()}};
  if (!cuda)
    manifest.erase("device_kernels");
  olmrt::writeArtifact(out, manifest,
                       {{cuda ? "code.host.so" : "code.cpu.so", code.str()}});
  return 0;
}
