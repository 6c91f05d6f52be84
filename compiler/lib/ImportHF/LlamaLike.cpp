//===- LlamaLike.cpp - llama, qwen2 and mistral ---------------------------===//
//
// The three families share LlamaForCausalLM's layout: pre-norm RMSNorm,
// RoPE attention with q/k/v/o projections, a SiLU-gated MLP, and a final
// `model.norm` before `lm_head`. They differ only in biases and windows.
//
//===----------------------------------------------------------------------===//
#include "Common.h"
#include "Families.h"

namespace olmc {
namespace hf {

namespace {

/// What sets a family apart from plain Llama.
struct Variant {
  FamilyInfo info;
  /// Llama: `attention_bias` on q/k/v/o and `mlp_bias` on the MLP.
  bool biasKeys = false;
  /// Qwen2: q/k/v always have a bias, o_proj never.
  bool qkvBiasOnly = false;
  /// Mistral: `sliding_window` (a number or null) applies to every layer.
  bool slidingWindow = false;
  /// Qwen2: `use_sliding_window` and `use_mrope` must be off.
  bool qwenOptions = false;
};

void translateDecoder(HFConfig &cfg, const Variant &variant, YDocument &doc) {
  checkCommonOptions(cfg, variant.info);
  if (variant.qwenOptions) {
    // Qwen2 applies its window only to layers from max_window_layers on;
    // olmc would need per-layer windows that this importer does not build.
    if (cfg.flag("use_sliding_window", false))
      unsupportedOption(cfg, "use_sliding_window",
                        "per-layer sliding windows of qwen2");
    if (cfg.flag("use_mrope", false))
      unsupportedOption(cfg, "use_mrope", "multimodal RoPE");
  }
  int64_t hidden = cfg.size("hidden_size");
  int64_t layers = cfg.size("num_hidden_layers");
  int64_t heads = cfg.size("num_attention_heads");
  bool hasKvHeads = cfg.has("num_key_value_heads");
  int64_t kvHeads = cfg.size("num_key_value_heads", heads);
  std::optional<int64_t> headDim = cfg.optionalSize("head_dim");
  int64_t ffnHidden = cfg.size("intermediate_size");
  int64_t vocab = cfg.size("vocab_size");
  double eps = cfg.number("rms_norm_eps", 1e-6);
  std::string act = activation(cfg, "hidden_act", "silu");
  Rope rope = readRope(cfg);
  bool tied = tiedEmbeddings(cfg, false);
  bool attnBias = variant.biasKeys && cfg.flag("attention_bias", false);
  bool mlpBias = variant.biasKeys && cfg.flag("mlp_bias", false);
  // MistralConfig defaults sliding_window to 4096; only an explicit null
  // (Mistral-7B-v0.2 and later) turns it off.
  std::optional<int64_t> window;
  if (variant.slidingWindow && !cfg.isNull("sliding_window"))
    window = cfg.optionalCount("sliding_window").value_or(4096);
  std::string dtype = modelDtype(cfg);
  checkHeads(cfg, hidden, heads, kvHeads, headDim.has_value());
  if (cfg.failed())
    return;

  doc = startDocument(variant.info, dtype, dtypeSource(cfg));

  YNode hp = YNode::map();
  hp.add("d_model", YNode::integer(hidden), "hidden_size");
  hp.add("n_layers", YNode::integer(layers), "num_hidden_layers");
  hp.add("n_heads", YNode::integer(heads), "num_attention_heads");
  hp.add("n_kv_heads", YNode::integer(kvHeads),
         hasKvHeads ? "num_key_value_heads"
                    : "num_key_value_heads absent: = num_attention_heads");
  if (headDim)
    hp.add("head_dim", YNode::integer(*headDim), "head_dim");
  else
    hp.add("head_dim", YNode::expr("${d_model} // ${n_heads}"),
           "no head_dim: hidden_size / num_attention_heads");
  hp.add("ffn_hidden", YNode::integer(ffnHidden), "intermediate_size");
  hp.add("vocab", YNode::integer(vocab), "vocab_size");
  hp.add("eps", YNode::real(eps), "rms_norm_eps");
  hp.add("rope_theta", YNode::real(rope.theta), rope.thetaSource);
  if (window && *window > 0)
    hp.add("sliding_window", YNode::integer(*window),
           cfg.has("sliding_window") ? "sliding_window"
                                     : "sliding_window absent: 4096");
  doc.root.add("hparams", std::move(hp));

  auto norm = [&](const char *name) {
    YNode n = YNode::map();
    n.add("name", YNode::string(name));
    n.add("dim", YNode::ref("d_model"));
    n.add("eps", YNode::ref("eps"));
    return layer("rmsnorm", std::move(n));
  };

  YNode attn = YNode::map();
  attn.add("name", YNode::string("self_attn"));
  attn.add("dim", YNode::ref("d_model"));
  attn.add("heads", YNode::ref("n_heads"));
  attn.add("kv_heads", YNode::ref("n_kv_heads"));
  attn.add("head_dim", YNode::ref("head_dim"));
  if (attnBias || variant.qkvBiasOnly)
    attn.add("qkv_bias", YNode::boolean(true),
             variant.qkvBiasOnly ? "q/k/v_proj have biases, o_proj not"
                                 : "attention_bias");
  if (attnBias)
    attn.add("out_bias", YNode::boolean(true), "attention_bias");
  attn.add("rope", ropeNode(rope, "rope_theta"));
  if (window && *window > 0)
    attn.add("sliding_window", YNode::ref("sliding_window"));

  YNode mlp = YNode::map();
  mlp.add("name", YNode::string("mlp"));
  mlp.add("dim", YNode::ref("d_model"));
  mlp.add("hidden", YNode::ref("ffn_hidden"));
  mlp.add("activation", YNode::string(act));
  if (mlpBias)
    mlp.add("bias", YNode::boolean(true), "mlp_bias");

  YNode attnBlock = YNode::seq();
  attnBlock.push(norm("input_layernorm"));
  attnBlock.push(layer("attention", std::move(attn)));
  YNode mlpBlock = YNode::seq();
  mlpBlock.push(norm("post_attention_layernorm"));
  mlpBlock.push(layer("gated_ffn", std::move(mlp)));
  YNode body = YNode::seq();
  body.push(layer("residual", std::move(attnBlock)));
  body.push(layer("residual", std::move(mlpBlock)));
  YNode def = YNode::map();
  def.add("body", std::move(body));
  YNode defs = YNode::map();
  defs.add("decoder_layer", std::move(def),
           std::string("one ") + variant.info.displayName + "DecoderLayer");
  doc.root.add("defs", std::move(defs));

  YNode structure = YNode::seq();
  YNode embed = YNode::map();
  embed.add("name", YNode::string("model.embed_tokens"));
  embed.add("vocab", YNode::ref("vocab"));
  embed.add("dim", YNode::ref("d_model"));
  structure.push(layer("embedding", std::move(embed)));

  YNode repeatBody = YNode::seq();
  repeatBody.push(layer("decoder_layer", YNode::map()));
  YNode repeat = YNode::map();
  repeat.add("name", YNode::string("model.layers"));
  repeat.add("count", YNode::ref("n_layers"));
  repeat.add("body", std::move(repeatBody));
  structure.push(layer("repeat", std::move(repeat)));

  YNode head = YNode::map();
  head.add("dim", YNode::ref("d_model"));
  head.add("vocab", YNode::ref("vocab"));
  head.add("norm", YNode::string("rmsnorm"));
  head.add("norm_eps", YNode::ref("eps"));
  head.add("tied", YNode::boolean(tied),
           cfg.has("tie_word_embeddings")
               ? "tie_word_embeddings"
               : "tie_word_embeddings absent: false");
  YNode weights = YNode::map();
  weights.add("norm_weight", YNode::string("model.norm.weight"));
  if (!tied)
    weights.add("weight", YNode::string("lm_head.weight"));
  head.add("weights", std::move(weights));
  structure.push(layer("output_head", std::move(head)));
  doc.root.add("structure", std::move(structure));
}

} // namespace

void translateLlama(HFConfig &cfg, YDocument &doc) {
  Variant v{{"llama", "Llama", "LlamaForCausalLM"}};
  v.biasKeys = true;
  translateDecoder(cfg, v, doc);
}

void translateQwen2(HFConfig &cfg, YDocument &doc) {
  Variant v{{"qwen2", "Qwen2", "Qwen2ForCausalLM"}};
  v.qkvBiasOnly = true;
  v.qwenOptions = true;
  translateDecoder(cfg, v, doc);
}

void translateMistral(HFConfig &cfg, YDocument &doc) {
  Variant v{{"mistral", "Mistral", "MistralForCausalLM"}};
  v.slidingWindow = true;
  translateDecoder(cfg, v, doc);
}

} // namespace hf
} // namespace olmc
