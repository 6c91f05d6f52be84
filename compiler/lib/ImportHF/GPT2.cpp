//===- GPT2.cpp - gpt2 ----------------------------------------------------===//
//
// GPT2LMHeadModel: learned positions, pre-norm LayerNorm blocks whose
// projections are Conv1D modules (weights stored [in, out]), one fused
// c_attn for q/k/v, and a head tied to `transformer.wte`.
//
//===----------------------------------------------------------------------===//
#include "Common.h"
#include "Families.h"

namespace olmc {
namespace hf {

void translateGPT2(HFConfig &cfg, YDocument &doc) {
  FamilyInfo info{"gpt2", "GPT-2", "GPT2LMHeadModel"};
  checkCommonOptions(cfg, info);
  int64_t hidden = cfg.size("n_embd");
  int64_t layers = cfg.size("n_layer");
  int64_t heads = cfg.size("n_head");
  int64_t positions = cfg.size("n_positions");
  int64_t vocab = cfg.size("vocab_size");
  std::optional<int64_t> inner = cfg.optionalSize("n_inner");
  double eps = cfg.number("layer_norm_epsilon", 1e-5);
  std::string act = activation(cfg, "activation_function", "gelu_new");
  bool tied = tiedEmbeddings(cfg, true);
  bool scaled = cfg.flag("scale_attn_weights", true);
  // Both change the computation in ways the attention op cannot express.
  if (cfg.flag("scale_attn_by_inverse_layer_idx", false))
    unsupportedOption(cfg, "scale_attn_by_inverse_layer_idx",
                      "a per-layer attention scale");
  if (cfg.flag("add_cross_attention", false))
    unsupportedOption(cfg, "add_cross_attention", "cross-attention");
  std::string dtype = modelDtype(cfg);
  checkHeads(cfg, hidden, heads, heads, false, "n_head");
  if (cfg.failed())
    return;

  doc = startDocument(info, dtype, dtypeSource(cfg));

  YNode hp = YNode::map();
  hp.add("d_model", YNode::integer(hidden), "n_embd");
  hp.add("n_layers", YNode::integer(layers), "n_layer");
  hp.add("n_heads", YNode::integer(heads), "n_head");
  hp.add("n_positions", YNode::integer(positions), "n_positions");
  if (inner)
    hp.add("ffn_hidden", YNode::integer(*inner), "n_inner");
  else
    hp.add("ffn_hidden", YNode::expr("${d_model} * 4"),
           "n_inner null: 4 * n_embd");
  hp.add("vocab", YNode::integer(vocab), "vocab_size");
  hp.add("eps", YNode::real(eps), "layer_norm_epsilon");
  doc.root.add("hparams", std::move(hp));

  auto norm = [](const char *name) {
    YNode n = YNode::map();
    n.add("name", YNode::string(name));
    n.add("dim", YNode::ref("d_model"));
    n.add("eps", YNode::ref("eps"));
    return layer("layernorm", std::move(n));
  };

  YNode attnWeights = YNode::map();
  attnWeights.add("qkv_weight", YNode::string("c_attn.weight"));
  attnWeights.add("qkv_bias", YNode::string("c_attn.bias"));
  attnWeights.add("o_weight", YNode::string("c_proj.weight"));
  attnWeights.add("o_bias", YNode::string("c_proj.bias"));
  YNode attn = YNode::map();
  attn.add("name", YNode::string("attn"));
  attn.add("dim", YNode::ref("d_model"));
  attn.add("heads", YNode::ref("n_heads"));
  attn.add("qkv_bias", YNode::boolean(true));
  attn.add("out_bias", YNode::boolean(true));
  if (!scaled)
    attn.add("scale", YNode::real(1.0), "scale_attn_weights: false");
  attn.add("qkv_layout", YNode::string("fused"), "c_attn holds q, k, v");
  attn.add("weight_layout", YNode::string("in_out"), "Conv1D: [in, out]");
  attn.add("weights", std::move(attnWeights));

  YNode mlpWeights = YNode::map();
  mlpWeights.add("up_weight", YNode::string("c_fc.weight"));
  mlpWeights.add("up_bias", YNode::string("c_fc.bias"));
  mlpWeights.add("down_weight", YNode::string("c_proj.weight"));
  mlpWeights.add("down_bias", YNode::string("c_proj.bias"));
  YNode mlp = YNode::map();
  mlp.add("name", YNode::string("mlp"));
  mlp.add("dim", YNode::ref("d_model"));
  mlp.add("hidden", YNode::ref("ffn_hidden"));
  mlp.add("activation", YNode::string(act), "activation_function");
  mlp.add("weight_layout", YNode::string("in_out"), "Conv1D: [in, out]");
  mlp.add("weights", std::move(mlpWeights));

  YNode attnBlock = YNode::seq();
  attnBlock.push(norm("ln_1"));
  attnBlock.push(layer("attention", std::move(attn)));
  YNode mlpBlock = YNode::seq();
  mlpBlock.push(norm("ln_2"));
  mlpBlock.push(layer("ffn", std::move(mlp)));
  YNode body = YNode::seq();
  body.push(layer("residual", std::move(attnBlock)));
  body.push(layer("residual", std::move(mlpBlock)));
  YNode def = YNode::map();
  def.add("body", std::move(body));
  YNode defs = YNode::map();
  defs.add("gpt2_block", std::move(def), "one GPT2Block");
  doc.root.add("defs", std::move(defs));

  YNode structure = YNode::seq();
  YNode embed = YNode::map();
  embed.add("name", YNode::string("transformer.wte"));
  embed.add("vocab", YNode::ref("vocab"));
  embed.add("dim", YNode::ref("d_model"));
  structure.push(layer("embedding", std::move(embed)));
  YNode pos = YNode::map();
  pos.add("name", YNode::string("transformer.wpe"));
  pos.add("max_positions", YNode::ref("n_positions"));
  pos.add("dim", YNode::ref("d_model"));
  structure.push(layer("pos_embedding", std::move(pos)));

  YNode repeatBody = YNode::seq();
  repeatBody.push(layer("gpt2_block", YNode::map()));
  YNode repeat = YNode::map();
  repeat.add("name", YNode::string("transformer.h"));
  repeat.add("count", YNode::ref("n_layers"));
  repeat.add("body", std::move(repeatBody));
  structure.push(layer("repeat", std::move(repeat)));

  YNode head = YNode::map();
  head.add("dim", YNode::ref("d_model"));
  head.add("vocab", YNode::ref("vocab"));
  head.add("norm", YNode::string("layernorm"));
  head.add("norm_eps", YNode::ref("eps"));
  head.add("tied", YNode::boolean(tied),
           cfg.has("tie_word_embeddings") ? "tie_word_embeddings"
                                          : "GPT-2 ties by default");
  YNode weights = YNode::map();
  weights.add("norm_weight", YNode::string("transformer.ln_f.weight"));
  weights.add("norm_bias", YNode::string("transformer.ln_f.bias"));
  if (!tied)
    weights.add("weight", YNode::string("lm_head.weight"));
  head.add("weights", std::move(weights));
  structure.push(layer("output_head", std::move(head)));
  doc.root.add("structure", std::move(structure));
}

} // namespace hf
} // namespace olmc
