//===- Common.cpp - config keys shared by several families ----------------===//
#include "Common.h"

#include <cmath>

using nlohmann::json;

namespace olmc {
namespace hf {

void unsupportedOption(HFConfig &cfg, const std::string &key,
                       const std::string &why) {
  const json *value = cfg.get(key);
  cfg.fail("unsupported option " + cfg.name(key) + ": " +
           (value ? showValue(*value) : std::string("null")) + " (" + why +
           ")");
}

void checkCommonOptions(HFConfig &cfg, const FamilyInfo &family) {
  // The generated names are those of the causal-LM class; another head
  // (LlamaForSequenceClassification) or the bare model (LlamaModel, whose
  // names lack the "model." prefix) would not load.
  if (const json *archs = cfg.get("architectures")) {
    if (!archs->is_array()) {
      cfg.fail("key 'architectures' must be a list, got " + showValue(*archs));
      return;
    }
    bool found = false;
    for (const json &arch : *archs)
      found |=
          arch.is_string() && arch.get<std::string>() == family.causalLMClass;
    if (!found) {
      cfg.fail("unsupported architectures " + showValue(*archs) +
               " (olmc imports " + family.causalLMClass + ")");
      return;
    }
  }
  // Mixture-of-experts layers have no olm op; a family config carrying
  // these keys with a real value describes a model we cannot express.
  static const char *const moeKeys[] = {
      "num_local_experts", "num_experts", "n_routed_experts",
      "num_experts_per_tok", "moe_intermediate_size"};
  for (const char *key : moeKeys) {
    const json *value = cfg.get(key);
    if (value && !(value->is_number() && value->get<double>() == 0)) {
      unsupportedOption(cfg, key, "mixture-of-experts layers");
      return;
    }
  }
}

void checkHeads(HFConfig &cfg, int64_t hidden, int64_t heads, int64_t kvHeads,
                bool explicitHeadDim, const char *headsKey) {
  if (cfg.failed())
    return;
  if (heads % kvHeads != 0)
    cfg.fail(cfg.name(headsKey) + " (" + std::to_string(heads) +
             ") must be a multiple of 'num_key_value_heads' (" +
             std::to_string(kvHeads) + ")");
  else if (!explicitHeadDim && hidden % heads != 0)
    cfg.fail("the hidden size (" + std::to_string(hidden) +
             ") must be a multiple of " + cfg.name(headsKey) + " (" +
             std::to_string(heads) + ")");
}

std::string activation(HFConfig &cfg, const std::string &key,
                       const std::string &fallback) {
  std::string name = cfg.string(key, fallback);
  if (name == "gelu")
    return "gelu";
  // gelu_new and gelu_pytorch_tanh are both the tanh approximation.
  if (name == "gelu_new" || name == "gelu_pytorch_tanh")
    return "gelu_tanh";
  // transformers maps "swish" to the same SiLU module.
  if (name == "silu" || name == "swish")
    return "silu";
  if (name == "relu")
    return "relu";
  if (!cfg.failed())
    cfg.fail("unsupported " + key + " '" + name +
             "' (supported: gelu, gelu_new, gelu_pytorch_tanh, silu, relu)");
  return "gelu";
}

bool tiedEmbeddings(HFConfig &cfg, bool familyDefault) {
  return cfg.flag("tie_word_embeddings", familyDefault);
}

std::string dtypeSource(HFConfig &cfg) {
  for (const char *key : {"dtype", "torch_dtype"})
    if (cfg.has(key))
      return std::string(key) + ": " + cfg.string(key, "");
  return "no torch_dtype given: f32";
}

std::string modelDtype(HFConfig &cfg) {
  const char *key = cfg.has("dtype") ? "dtype" : "torch_dtype";
  if (!cfg.has(key))
    return "f32";
  std::string name = cfg.string(key, "float32");
  if (name == "float32")
    return "f32";
  if (name == "bfloat16")
    return "bf16";
  if (name == "float16")
    return "f16";
  if (!cfg.failed())
    cfg.fail(std::string("unsupported ") + key + " '" + name +
             "' (supported: float32, bfloat16, float16)");
  return "f32";
}

double roundToDtype(double value, const std::string &dtype) {
  float asFloat = float(value);
  int mantissaBits = dtype == "bf16" ? 8 : dtype == "f16" ? 11 : 24;
  if (mantissaBits == 24 || asFloat == 0 || !std::isfinite(asFloat))
    return asFloat;
  // Keep `mantissaBits` significant bits; nearbyint rounds half to even
  // under the default rounding mode, as torch's conversions do. (Normal
  // numbers only: the constants rounded here are far from subnormal.)
  int exponent = 0;
  double fraction = std::frexp(double(asFloat), &exponent);
  double scaled = std::nearbyint(std::ldexp(fraction, mantissaBits));
  return std::ldexp(scaled, exponent - mantissaBits);
}

Rope readRope(HFConfig &cfg, const RopeKeys &keys) {
  Rope rope;
  auto source = [](HFConfig &from, const std::string &key,
                   const std::string &fallback) {
    return from.has(key) ? from.keyPath(key) : fallback;
  };
  rope.theta = cfg.number(keys.theta, keys.defaultTheta);
  rope.thetaSource = source(cfg, keys.theta,
                            std::string(keys.theta) +
                                " absent: " + formatReal(keys.defaultTheta));
  rope.fraction = cfg.number(keys.fraction, keys.defaultFraction);
  rope.fractionSource = source(cfg, keys.fraction,
                               std::string(keys.fraction) + " absent: " +
                                   formatReal(keys.defaultFraction));

  // The scaling settings: transformers 5's rope_parameters (which also
  // holds theta and the rotary fraction), else 4.x's rope_scaling.
  std::optional<HFConfig> params = cfg.child("rope_parameters");
  std::optional<HFConfig> scaling = params ? params : cfg.child("rope_scaling");
  if (params) {
    rope.theta = params->number("rope_theta", rope.theta);
    rope.thetaSource = source(*params, "rope_theta", rope.thetaSource);
    rope.fraction = params->number("partial_rotary_factor", rope.fraction);
    rope.fractionSource =
        source(*params, "partial_rotary_factor", rope.fractionSource);
  }
  if (cfg.failed())
    return rope;
  if (!(rope.theta > 0))
    cfg.fail("RoPE theta must be positive, got " + formatReal(rope.theta));
  if (!(rope.fraction > 0 && rope.fraction <= 1))
    cfg.fail("the rotary fraction must be in (0, 1], got " +
             formatReal(rope.fraction));
  if (!scaling)
    return rope;

  // 4.x configs spell the type "type" before 4.43 and "rope_type" after.
  std::string typeKey = scaling->has("rope_type") ? "rope_type" : "type";
  std::string type = scaling->string(typeKey, "default");
  if (type == "default")
    return rope;
  if (type != "llama3") {
    if (!cfg.failed())
      cfg.fail("unsupported RoPE type '" + type + "' in " +
               scaling->name(typeKey) + " (supported: default, llama3)");
    return rope;
  }
  YNode map = YNode::map();
  map.add("type", YNode::string("llama3"));
  map.add("factor", YNode::real(scaling->number("factor")));
  map.add("low_freq_factor", YNode::real(scaling->number("low_freq_factor")));
  map.add("high_freq_factor", YNode::real(scaling->number("high_freq_factor")));
  map.add("original_max_positions",
          YNode::integer(scaling->size("original_max_position_embeddings")));
  rope.scaling = std::move(map);
  return rope;
}

YNode ropeNode(const Rope &rope, const std::string &thetaRef) {
  YNode node = YNode::map();
  node.add("theta", YNode::ref(thetaRef));
  if (rope.fraction != 1.0)
    node.add("fraction", YNode::real(rope.fraction));
  if (rope.scaling)
    node.add("scaling", *rope.scaling);
  return node;
}

YDocument startDocument(const FamilyInfo &family, const std::string &dtype,
                        const std::string &dtypeComment) {
  YDocument doc;
  doc.headerComments = {
      std::string(family.displayName) +
          " model for olmc, generated by `olmc import-hf` from a",
      std::string("Hugging Face config.json (model_type: ") + family.modelType +
          "). Parameter names",
      std::string("are those that ") + family.causalLMClass +
          ".save_pretrained writes.",
      "Format: docs/yaml-reference.md."};
  doc.root.add("olmc", YNode::integer(1));
  YNode model = YNode::map();
  model.add("name", YNode::string(family.modelType));
  model.add("dtype", YNode::string(dtype), dtypeComment);
  doc.root.add("model", std::move(model));
  return doc;
}

} // namespace hf
} // namespace olmc
