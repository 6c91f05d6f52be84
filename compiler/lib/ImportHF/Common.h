//===- Common.h - config keys shared by several families --------*- C++ -*-===//
//
// Translations that do not depend on the family: dtype, activation, RoPE,
// weight tying, options no family supports (mixture of experts), and the
// document's header and `model:` section.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_LIB_IMPORTHF_COMMON_H
#define OLMC_LIB_IMPORTHF_COMMON_H

#include "HFConfig.h"
#include "YAMLTree.h"

#include <optional>
#include <string>

namespace olmc {
namespace hf {

/// What a family is called and which transformers class its names follow.
struct FamilyInfo {
  const char *modelType;     // "llama"
  const char *displayName;   // "Llama"
  const char *causalLMClass; // "LlamaForCausalLM"
};

/// "unsupported option 'KEY': VALUE (WHY)".
void unsupportedOption(HFConfig &cfg, const std::string &key,
                       const std::string &why);

/// Rejects configs of another head (sequence classification, ...) and
/// options that none of the families can express (mixture of experts).
void checkCommonOptions(HFConfig &cfg, const FamilyInfo &family);

/// Checks shared by the families: `heads` (read from `headsKey`) must split
/// into `kvHeads` groups, and without an explicit head_dim the hidden size
/// must split into `heads`.
void checkHeads(HFConfig &cfg, int64_t hidden, int64_t heads, int64_t kvHeads,
                bool explicitHeadDim,
                const char *headsKey = "num_attention_heads");

/// The olmc activation for the HF activation name in `key`.
std::string activation(HFConfig &cfg, const std::string &key,
                       const std::string &fallback);

/// `tie_word_embeddings`, with the family's transformers default.
bool tiedEmbeddings(HFConfig &cfg, bool familyDefault);

/// The olmc model dtype (`f32`, `bf16`, `f16`) from `dtype` (transformers
/// 5) or `torch_dtype` (4.x); f32 when neither is given.
std::string modelDtype(HFConfig &cfg);

/// Rounds `value` as storing it in a tensor of `dtype` would (float, then
/// bf16/f16 with round-to-nearest-even), for constants that transformers
/// materialises in the model dtype.
double roundToDtype(double value, const std::string &dtype);

/// Where a family keeps its RoPE settings in transformers 4.x configs
/// (GPT-NeoX uses its own key names); transformers 5 puts them all in
/// `rope_parameters`, which is read first.
struct RopeKeys {
  const char *theta = "rope_theta";
  double defaultTheta = 10000.0;
  const char *fraction = "partial_rotary_factor";
  double defaultFraction = 1.0;
};

struct Rope {
  double theta = 10000.0;
  double fraction = 1.0;
  /// The config keys theta and fraction came from, for comments.
  std::string thetaSource;
  std::string fractionSource;
  /// The `scaling` map for llama3-style RoPE; absent for plain RoPE.
  std::optional<YNode> scaling;
};

Rope readRope(HFConfig &cfg, const RopeKeys &keys = RopeKeys());

/// The `rope:` option map; `thetaRef` names the hparam holding theta.
YNode ropeNode(const Rope &rope, const std::string &thetaRef);

/// Starts the document: header comments naming the source config, the
/// schema version and the `model:` section.
YDocument startDocument(const FamilyInfo &family, const std::string &dtype,
                        const std::string &dtypeComment);

/// "torch_dtype: bfloat16"-style comment for the model dtype line.
std::string dtypeSource(HFConfig &cfg);

} // namespace hf
} // namespace olmc

#endif // OLMC_LIB_IMPORTHF_COMMON_H
