//===- Gemma2.cpp - gemma2 ------------------------------------------------===//
//
// Gemma2ForCausalLM: embeddings scaled by sqrt(hidden_size), RMSNorm with
// weight offset 1 (weights are stored minus one), "sandwich" norms around
// attention and MLP inside each residual, GeGLU, attention and logit
// softcapping, a query scale of query_pre_attn_scalar^-0.5, and sliding-
// window attention on every other layer.
//
//===----------------------------------------------------------------------===//
#include "Common.h"
#include "Families.h"

#include <cmath>
#include <vector>

using nlohmann::json;

namespace olmc {
namespace hf {

namespace {

/// A softcap option: absent means the Gemma2Config default, null means off.
double softcap(HFConfig &cfg, const std::string &key, double fallback) {
  if (cfg.isNull(key))
    return 0.0;
  double value = cfg.number(key, fallback);
  if (value < 0 && !cfg.failed())
    cfg.fail("key " + cfg.name(key) + " must not be negative, got " +
             formatReal(value));
  return value;
}

/// The sliding window of each layer. Gemma2Config's default layer_types make
/// even layers (0, 2, ...) "sliding_attention" and odd ones
/// "full_attention"; an explicit layer_types list overrides that.
std::vector<int64_t> layerWindows(HFConfig &cfg, int64_t layers,
                                  int64_t window) {
  std::vector<int64_t> windows(layers);
  for (int64_t i = 0; i < layers; ++i)
    windows[i] = i % 2 == 0 ? window : 0;
  const json *types = cfg.get("layer_types");
  if (!types)
    return windows;
  if (!types->is_array() || int64_t(types->size()) != layers) {
    cfg.fail("key 'layer_types' must be a list of num_hidden_layers (" +
             std::to_string(layers) + ") strings, got " + showValue(*types));
    return windows;
  }
  for (int64_t i = 0; i < layers; ++i) {
    const json &type = (*types)[i];
    if (type == "sliding_attention") {
      windows[i] = window;
    } else if (type == "full_attention") {
      windows[i] = 0;
    } else {
      cfg.fail("unsupported layer type " + showValue(type) +
               " in 'layer_types' (supported: sliding_attention, "
               "full_attention)");
      return windows;
    }
  }
  return windows;
}

YNode norm(const char *name) {
  YNode n = YNode::map();
  n.add("name", YNode::string(name));
  n.add("dim", YNode::ref("d_model"));
  n.add("eps", YNode::ref("eps"));
  n.add("weight_offset", YNode::real(1.0));
  return layer("rmsnorm", std::move(n));
}

/// A use of the layer def: `{name: NAME, window: WINDOW}`.
YNode layerUse(const std::string &name, int64_t window) {
  YNode args = YNode::map();
  if (!name.empty())
    args.add("name", YNode::string(name));
  args.add("window", window ? YNode::ref("sliding_window") : YNode::integer(0));
  return layer("decoder_layer", std::move(args));
}

} // namespace

void translateGemma2(HFConfig &cfg, YDocument &doc) {
  FamilyInfo info{"gemma2", "Gemma 2", "Gemma2ForCausalLM"};
  checkCommonOptions(cfg, info);
  int64_t hidden = cfg.size("hidden_size");
  int64_t layers = cfg.size("num_hidden_layers");
  int64_t heads = cfg.size("num_attention_heads");
  // Gemma2Config's own defaults (those of gemma-2-2b) where a key is absent.
  int64_t kvHeads = cfg.size("num_key_value_heads", 4);
  int64_t headDim = cfg.size("head_dim", 256);
  int64_t ffnHidden = cfg.size("intermediate_size");
  int64_t vocab = cfg.size("vocab_size");
  double eps = cfg.number("rms_norm_eps", 1e-6);
  // Gemma2MLP reads hidden_activation; hidden_act is not used by the model.
  std::string act = activation(cfg, "hidden_activation", "gelu_pytorch_tanh");
  Rope rope = readRope(cfg);
  double queryScalar = cfg.number("query_pre_attn_scalar", 256.0);
  double attnSoftcap = softcap(cfg, "attn_logit_softcapping", 50.0);
  double finalSoftcap = softcap(cfg, "final_logit_softcapping", 30.0);
  int64_t window = 0;
  if (!cfg.isNull("sliding_window"))
    window = cfg.optionalCount("sliding_window").value_or(4096);
  std::vector<int64_t> windows = layerWindows(cfg, layers, window);
  bool bias = cfg.flag("attention_bias", false);
  bool tied = tiedEmbeddings(cfg, true);
  if (cfg.flag("use_bidirectional_attention", false))
    unsupportedOption(cfg, "use_bidirectional_attention",
                      "non-causal attention in a decoder import");
  std::string dtype = modelDtype(cfg);
  checkHeads(cfg, hidden, heads, kvHeads, true);
  if (!(queryScalar > 0) && !cfg.failed())
    cfg.fail("key 'query_pre_attn_scalar' must be positive, got " +
             formatReal(queryScalar));

  // Only uniform or alternating window patterns map onto a repeat.
  bool uniform = true, alternating = true;
  for (int64_t i = 0; i < layers; ++i) {
    uniform &= windows[i] == windows[0];
    alternating &= windows[i] == windows[i % 2];
  }
  if (!uniform && !alternating && !cfg.failed())
    cfg.fail("unsupported 'layer_types' pattern (olmc imports layers that "
             "are all alike or alternate sliding and full attention)");
  if (cfg.failed())
    return;

  doc = startDocument(info, dtype, dtypeSource(cfg));

  // Gemma2Model builds the normalizer as a tensor of the model dtype, so
  // sqrt(hidden_size) is rounded to bf16/f16 before it scales anything.
  double embedScale = roundToDtype(std::sqrt(double(hidden)), dtype);

  YNode hp = YNode::map();
  hp.add("d_model", YNode::integer(hidden), "hidden_size");
  hp.add("n_layers", YNode::integer(layers), "num_hidden_layers");
  hp.add("n_heads", YNode::integer(heads), "num_attention_heads");
  hp.add("n_kv_heads", YNode::integer(kvHeads), "num_key_value_heads");
  hp.add("head_dim", YNode::integer(headDim), "head_dim");
  hp.add("ffn_hidden", YNode::integer(ffnHidden), "intermediate_size");
  hp.add("vocab", YNode::integer(vocab), "vocab_size");
  hp.add("eps", YNode::real(eps), "rms_norm_eps");
  hp.add("rope_theta", YNode::real(rope.theta), rope.thetaSource);
  if (window > 0)
    hp.add("sliding_window", YNode::integer(window), "sliding_window");
  hp.add("embed_scale", YNode::real(embedScale),
         "sqrt(hidden_size) in " + dtype + ", as Gemma2Model computes it");
  hp.add("attn_scale", YNode::real(std::pow(queryScalar, -0.5)),
         "query_pre_attn_scalar (" +
             (cfg.has("query_pre_attn_scalar")
                  ? showValue(*cfg.get("query_pre_attn_scalar"))
                  : std::string("absent: 256")) +
             ") ** -0.5");
  if (attnSoftcap > 0)
    hp.add("attn_softcap", YNode::real(attnSoftcap), "attn_logit_softcapping");
  if (finalSoftcap > 0)
    hp.add("final_softcap", YNode::real(finalSoftcap),
           "final_logit_softcapping");
  doc.root.add("hparams", std::move(hp));

  YNode attn = YNode::map();
  attn.add("name", YNode::string("self_attn"));
  attn.add("dim", YNode::ref("d_model"));
  attn.add("heads", YNode::ref("n_heads"));
  attn.add("kv_heads", YNode::ref("n_kv_heads"));
  attn.add("head_dim", YNode::ref("head_dim"));
  if (bias) {
    attn.add("qkv_bias", YNode::boolean(true), "attention_bias");
    attn.add("out_bias", YNode::boolean(true), "attention_bias");
  }
  attn.add("rope", ropeNode(rope, "rope_theta"));
  attn.add("scale", YNode::ref("attn_scale"));
  if (attnSoftcap > 0)
    attn.add("softcap", YNode::ref("attn_softcap"));
  attn.add("sliding_window", YNode::ref("window"), "0 = global attention");

  YNode mlp = YNode::map();
  mlp.add("name", YNode::string("mlp"));
  mlp.add("dim", YNode::ref("d_model"));
  mlp.add("hidden", YNode::ref("ffn_hidden"));
  mlp.add("activation", YNode::string(act), "hidden_activation");

  // Sandwich norms: the post-norms apply to the sublayer's output before
  // the residual add, so they sit inside the residual.
  YNode attnBlock = YNode::seq();
  attnBlock.push(norm("input_layernorm"));
  attnBlock.push(layer("attention", std::move(attn)));
  attnBlock.push(norm("post_attention_layernorm"));
  YNode mlpBlock = YNode::seq();
  mlpBlock.push(norm("pre_feedforward_layernorm"));
  mlpBlock.push(layer("gated_ffn", std::move(mlp)));
  mlpBlock.push(norm("post_feedforward_layernorm"));
  YNode body = YNode::seq();
  body.push(layer("residual", std::move(attnBlock)));
  body.push(layer("residual", std::move(mlpBlock)));
  YNode args = YNode::map();
  args.add("window", YNode::integer(0));
  YNode def = YNode::map();
  def.add("args", std::move(args));
  def.add("body", std::move(body));
  YNode defs = YNode::map();
  defs.add("decoder_layer", std::move(def),
           "one Gemma2DecoderLayer; window 0 = global");
  doc.root.add("defs", std::move(defs));

  YNode structure = YNode::seq();
  YNode embed = YNode::map();
  embed.add("name", YNode::string("model.embed_tokens"));
  embed.add("vocab", YNode::ref("vocab"));
  embed.add("dim", YNode::ref("d_model"));
  embed.add("scale", YNode::ref("embed_scale"));
  structure.push(layer("embedding", std::move(embed)));

  YNode repeat = YNode::map();
  repeat.add("name", YNode::string("model.layers"));
  YNode repeatBody = YNode::seq();
  if (uniform) {
    repeat.add("count", YNode::ref("n_layers"));
    repeatBody.push(layerUse("", windows.empty() ? 0 : windows[0]));
  } else {
    // Iteration i holds layers 2i and 2i+1, named explicitly.
    repeat.add("count", YNode::expr("${n_layers} // 2"), "pairs of layers");
    repeat.add("index_in_name", YNode::boolean(false));
    repeatBody.push(layerUse("{2*i}", windows[0]),
                    windows[0] ? "even layers: sliding window"
                               : "even layers: global");
    repeatBody.push(layerUse("{2*i+1}", windows[1]),
                    windows[1] ? "odd layers: sliding window"
                               : "odd layers: global");
  }
  repeat.add("body", std::move(repeatBody));
  structure.push(layer("repeat", std::move(repeat)));
  if (!uniform && layers % 2 == 1)
    structure.push(layerUse("model.layers." + std::to_string(layers - 1),
                            windows[layers - 1]),
                   "the last, unpaired layer");

  YNode finalNorm = YNode::map();
  finalNorm.add("name", YNode::string("model.norm"));
  finalNorm.add("dim", YNode::ref("d_model"));
  finalNorm.add("eps", YNode::ref("eps"));
  finalNorm.add("weight_offset", YNode::real(1.0));
  // output_head's own norm has no weight offset, so the final norm is a
  // separate node.
  structure.push(layer("rmsnorm", std::move(finalNorm)),
                 "Gemma's final norm (weight offset 1)");

  YNode head = YNode::map();
  head.add("dim", YNode::ref("d_model"));
  head.add("vocab", YNode::ref("vocab"));
  head.add("tied", YNode::boolean(tied),
           cfg.has("tie_word_embeddings") ? "tie_word_embeddings"
                                          : "tie_word_embeddings absent: true");
  if (finalSoftcap > 0)
    head.add("softcap", YNode::ref("final_softcap"));
  if (!tied) {
    YNode weights = YNode::map();
    weights.add("weight", YNode::string("lm_head.weight"));
    head.add("weights", std::move(weights));
  }
  structure.push(layer("output_head", std::move(head)));
  doc.root.add("structure", std::move(structure));
}

} // namespace hf
} // namespace olmc
