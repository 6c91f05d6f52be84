//===- GPTNeoX.cpp - gpt_neox ---------------------------------------------===//
//
// GPTNeoXForCausalLM (Pythia and friends): LayerNorm blocks, a fused
// query_key_value projection laid out per head, partial RoPE, a GELU MLP,
// and by default the "parallel residual" x + attn(ln1(x)) + mlp(ln2(x)).
//
//===----------------------------------------------------------------------===//
#include "Common.h"
#include "Families.h"

namespace olmc {
namespace hf {

void translateGPTNeoX(HFConfig &cfg, YDocument &doc) {
  FamilyInfo info{"gpt_neox", "GPT-NeoX", "GPTNeoXForCausalLM"};
  checkCommonOptions(cfg, info);
  int64_t hidden = cfg.size("hidden_size");
  int64_t layers = cfg.size("num_hidden_layers");
  int64_t heads = cfg.size("num_attention_heads");
  int64_t ffnHidden = cfg.size("intermediate_size");
  int64_t vocab = cfg.size("vocab_size");
  double eps = cfg.number("layer_norm_eps", 1e-5);
  std::string act = activation(cfg, "hidden_act", "gelu");
  // GPT-NeoX names its RoPE keys differently in transformers 4.x and
  // rotates a quarter of each head unless told otherwise.
  RopeKeys ropeKeys;
  ropeKeys.theta = "rotary_emb_base";
  ropeKeys.fraction = "rotary_pct";
  ropeKeys.defaultFraction = 0.25;
  Rope rope = readRope(cfg, ropeKeys);
  bool parallel = cfg.flag("use_parallel_residual", true);
  bool bias = cfg.flag("attention_bias", true);
  bool tied = tiedEmbeddings(cfg, false);
  std::string dtype = modelDtype(cfg);
  checkHeads(cfg, hidden, heads, heads, false);
  if (cfg.failed())
    return;

  doc = startDocument(info, dtype, dtypeSource(cfg));

  YNode hp = YNode::map();
  hp.add("d_model", YNode::integer(hidden), "hidden_size");
  hp.add("n_layers", YNode::integer(layers), "num_hidden_layers");
  hp.add("n_heads", YNode::integer(heads), "num_attention_heads");
  hp.add("ffn_hidden", YNode::integer(ffnHidden), "intermediate_size");
  hp.add("vocab", YNode::integer(vocab), "vocab_size");
  hp.add("eps", YNode::real(eps), "layer_norm_eps");
  hp.add("rope_theta", YNode::real(rope.theta), rope.thetaSource);
  doc.root.add("hparams", std::move(hp));

  auto norm = [](const char *name) {
    YNode n = YNode::map();
    n.add("name", YNode::string(name));
    n.add("dim", YNode::ref("d_model"));
    n.add("eps", YNode::ref("eps"));
    return layer("layernorm", std::move(n));
  };

  YNode attnWeights = YNode::map();
  attnWeights.add("qkv_weight", YNode::string("query_key_value.weight"));
  if (bias)
    attnWeights.add("qkv_bias", YNode::string("query_key_value.bias"));
  attnWeights.add("o_weight", YNode::string("dense.weight"));
  if (bias)
    attnWeights.add("o_bias", YNode::string("dense.bias"));
  YNode attn = YNode::map();
  attn.add("name", YNode::string("attention"));
  attn.add("dim", YNode::ref("d_model"));
  attn.add("heads", YNode::ref("n_heads"));
  attn.add("qkv_bias", YNode::boolean(bias), "attention_bias");
  attn.add("out_bias", YNode::boolean(bias), "attention_bias");
  attn.add("rope", ropeNode(rope, "rope_theta"),
           rope.fraction != 1.0 ? "fraction: " + rope.fractionSource : "");
  attn.add("qkv_layout", YNode::string("fused_per_head"), "[q k v] per head");
  attn.add("weights", std::move(attnWeights));

  YNode mlpWeights = YNode::map();
  mlpWeights.add("up_weight", YNode::string("dense_h_to_4h.weight"));
  mlpWeights.add("up_bias", YNode::string("dense_h_to_4h.bias"));
  mlpWeights.add("down_weight", YNode::string("dense_4h_to_h.weight"));
  mlpWeights.add("down_bias", YNode::string("dense_4h_to_h.bias"));
  YNode mlp = YNode::map();
  mlp.add("name", YNode::string("mlp"));
  mlp.add("dim", YNode::ref("d_model"));
  mlp.add("hidden", YNode::ref("ffn_hidden"));
  mlp.add("activation", YNode::string(act), "hidden_act");
  mlp.add("weights", std::move(mlpWeights));

  YNode attnBranch = YNode::seq();
  attnBranch.push(norm("input_layernorm"));
  attnBranch.push(layer("attention", std::move(attn)));
  YNode mlpBranch = YNode::seq();
  mlpBranch.push(norm("post_attention_layernorm"));
  mlpBranch.push(layer("ffn", std::move(mlp)));

  YNode body = YNode::seq();
  if (parallel) {
    // One residual around the sum of both branches, each with its own norm.
    YNode branches = YNode::seq();
    branches.push(layer("block", std::move(attnBranch)));
    branches.push(layer("block", std::move(mlpBranch)));
    YNode par = YNode::map();
    par.add("merge", YNode::string("sum"));
    par.add("branches", std::move(branches));
    YNode residual = YNode::seq();
    residual.push(layer("parallel", std::move(par)),
                  "use_parallel_residual: x + attn(ln1(x)) + mlp(ln2(x))");
    body.push(layer("residual", std::move(residual)));
  } else {
    body.push(layer("residual", std::move(attnBranch)),
              "use_parallel_residual: false");
    body.push(layer("residual", std::move(mlpBranch)));
  }
  YNode def = YNode::map();
  def.add("body", std::move(body));
  YNode defs = YNode::map();
  defs.add("neox_layer", std::move(def), "one GPTNeoXLayer");
  doc.root.add("defs", std::move(defs));

  YNode structure = YNode::seq();
  YNode embed = YNode::map();
  embed.add("name", YNode::string("gpt_neox.embed_in"));
  embed.add("vocab", YNode::ref("vocab"));
  embed.add("dim", YNode::ref("d_model"));
  structure.push(layer("embedding", std::move(embed)));

  YNode repeatBody = YNode::seq();
  repeatBody.push(layer("neox_layer", YNode::map()));
  YNode repeat = YNode::map();
  repeat.add("name", YNode::string("gpt_neox.layers"));
  repeat.add("count", YNode::ref("n_layers"));
  repeat.add("body", std::move(repeatBody));
  structure.push(layer("repeat", std::move(repeat)));

  YNode head = YNode::map();
  head.add("dim", YNode::ref("d_model"));
  head.add("vocab", YNode::ref("vocab"));
  head.add("norm", YNode::string("layernorm"));
  head.add("norm_eps", YNode::ref("eps"));
  head.add("tied", YNode::boolean(tied),
           cfg.has("tie_word_embeddings")
               ? "tie_word_embeddings"
               : "tie_word_embeddings absent: false");
  YNode weights = YNode::map();
  weights.add("norm_weight", YNode::string("gpt_neox.final_layer_norm.weight"));
  weights.add("norm_bias", YNode::string("gpt_neox.final_layer_norm.bias"));
  // transformers 5 renames embed_out to lm_head when loading but writes
  // embed_out back on save; published checkpoints use embed_out.
  if (!tied)
    weights.add("weight", YNode::string("embed_out.weight"));
  head.add("weights", std::move(weights));
  structure.push(layer("output_head", std::move(head)));
  doc.root.add("structure", std::move(structure));
}

} // namespace hf
} // namespace olmc
