//===- ImportHFTest.cpp - olmc::importHFConfig ----------------------------===//
//
// Imports the published configs in tests/ImportHF/Inputs (and variants made
// by editing them), parses the YAML with yaml-cpp and checks the fields that
// decide the model and its parameter names.
//
//===----------------------------------------------------------------------===//
#include "olmc/ImportHF.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

using nlohmann::json;

namespace {

json loadInput(const std::string &name) {
  std::ifstream in(std::string(OLMC_IMPORTHF_INPUTS) + "/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

YAML::Node importOk(const json &config) {
  std::string yaml, error;
  bool ok = olmc::importHFConfig(config.dump(2), yaml, error);
  EXPECT_TRUE(ok) << error;
  EXPECT_TRUE(error.empty());
  return ok ? YAML::Load(yaml) : YAML::Node();
}

std::string importError(const std::string &text) {
  std::string yaml, error;
  EXPECT_FALSE(olmc::importHFConfig(text, yaml, error));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  return error;
}

std::string importError(const json &config) {
  return importError(config.dump());
}

/// The options of the first node of `kind` in a list of nodes.
YAML::Node find(const YAML::Node &list, const std::string &kind) {
  for (const YAML::Node &node : list)
    if (node[kind])
      return node[kind];
  ADD_FAILURE() << "no '" << kind << "' node";
  return YAML::Node();
}

/// The def body of a one-def document.
YAML::Node defBody(const YAML::Node &doc, const std::string &def) {
  return doc["defs"][def]["body"];
}

std::string str(const YAML::Node &node) { return node.as<std::string>(); }

TEST(ImportHF, Llama32) {
  YAML::Node doc = importOk(loadInput("llama.json"));
  EXPECT_EQ(doc["olmc"].as<int>(), 1);
  EXPECT_EQ(str(doc["model"]["name"]), "llama");
  EXPECT_EQ(str(doc["model"]["dtype"]), "bf16");
  YAML::Node hp = doc["hparams"];
  EXPECT_EQ(hp["d_model"].as<int>(), 2048);
  EXPECT_EQ(hp["n_layers"].as<int>(), 16);
  EXPECT_EQ(hp["n_heads"].as<int>(), 32);
  EXPECT_EQ(hp["n_kv_heads"].as<int>(), 8);
  EXPECT_EQ(hp["head_dim"].as<int>(), 64);
  EXPECT_EQ(hp["ffn_hidden"].as<int>(), 8192);
  EXPECT_EQ(hp["vocab"].as<int>(), 128256);
  EXPECT_EQ(hp["eps"].as<double>(), 1e-5);
  EXPECT_EQ(hp["rope_theta"].as<double>(), 500000.0);

  YAML::Node structure = doc["structure"];
  EXPECT_EQ(str(find(structure, "embedding")["name"]), "model.embed_tokens");
  YAML::Node repeat = find(structure, "repeat");
  EXPECT_EQ(str(repeat["name"]), "model.layers");
  EXPECT_EQ(str(repeat["count"]), "${n_layers}");
  EXPECT_TRUE(repeat["body"][0]["decoder_layer"]);

  YAML::Node body = defBody(doc, "decoder_layer");
  ASSERT_EQ(body.size(), 2u);
  YAML::Node attnRes = body[0]["residual"];
  EXPECT_EQ(str(find(attnRes, "rmsnorm")["name"]), "input_layernorm");
  YAML::Node attn = find(attnRes, "attention");
  EXPECT_EQ(str(attn["name"]), "self_attn");
  EXPECT_EQ(str(attn["kv_heads"]), "${n_kv_heads}");
  EXPECT_FALSE(attn["qkv_bias"]);
  EXPECT_FALSE(attn["sliding_window"]);
  YAML::Node scaling = attn["rope"]["scaling"];
  EXPECT_EQ(str(scaling["type"]), "llama3");
  EXPECT_EQ(scaling["factor"].as<double>(), 32.0);
  EXPECT_EQ(scaling["low_freq_factor"].as<double>(), 1.0);
  EXPECT_EQ(scaling["high_freq_factor"].as<double>(), 4.0);
  EXPECT_EQ(scaling["original_max_positions"].as<int>(), 8192);
  YAML::Node mlpRes = body[1]["residual"];
  EXPECT_EQ(str(find(mlpRes, "rmsnorm")["name"]), "post_attention_layernorm");
  YAML::Node mlp = find(mlpRes, "gated_ffn");
  EXPECT_EQ(str(mlp["name"]), "mlp");
  EXPECT_EQ(str(mlp["activation"]), "silu");
  EXPECT_FALSE(mlp["bias"]);

  YAML::Node head = find(structure, "output_head");
  EXPECT_TRUE(head["tied"].as<bool>());
  EXPECT_EQ(str(head["norm"]), "rmsnorm");
  EXPECT_EQ(str(head["weights"]["norm_weight"]), "model.norm.weight");
  EXPECT_FALSE(head["weights"]["weight"]);
}

TEST(ImportHF, LlamaDefaultsAndBiases) {
  json config = loadInput("llama.json");
  config.erase("head_dim");
  config.erase("num_key_value_heads");
  config.erase("rope_scaling");
  config.erase("torch_dtype");
  config["tie_word_embeddings"] = false;
  config["attention_bias"] = true;
  config["mlp_bias"] = true;
  YAML::Node doc = importOk(config);
  EXPECT_EQ(str(doc["model"]["dtype"]), "f32");
  EXPECT_EQ(str(doc["hparams"]["head_dim"]), "${d_model} // ${n_heads}");
  EXPECT_EQ(doc["hparams"]["n_kv_heads"].as<int>(), 32);
  YAML::Node body = defBody(doc, "decoder_layer");
  YAML::Node attn = find(body[0]["residual"], "attention");
  EXPECT_TRUE(attn["qkv_bias"].as<bool>());
  EXPECT_TRUE(attn["out_bias"].as<bool>());
  EXPECT_FALSE(attn["rope"]["scaling"]);
  EXPECT_TRUE(find(body[1]["residual"], "gated_ffn")["bias"].as<bool>());
  YAML::Node head = find(doc["structure"], "output_head");
  EXPECT_FALSE(head["tied"].as<bool>());
  EXPECT_EQ(str(head["weights"]["weight"]), "lm_head.weight");
}

TEST(ImportHF, LlamaTieDefaultsToFalse) {
  json config = loadInput("llama.json");
  config.erase("tie_word_embeddings");
  YAML::Node head = find(importOk(config)["structure"], "output_head");
  EXPECT_FALSE(head["tied"].as<bool>());
}

TEST(ImportHF, Transformers5RopeParametersAndDtype) {
  json config = loadInput("llama.json");
  config.erase("rope_scaling");
  config.erase("rope_theta");
  config.erase("torch_dtype");
  config["dtype"] = "float16";
  config["rope_parameters"] = {{"rope_type", "default"},
                               {"rope_theta", 250000.0}};
  YAML::Node doc = importOk(config);
  EXPECT_EQ(str(doc["model"]["dtype"]), "f16");
  EXPECT_EQ(doc["hparams"]["rope_theta"].as<double>(), 250000.0);
  YAML::Node attn =
      find(defBody(doc, "decoder_layer")[0]["residual"], "attention");
  EXPECT_FALSE(attn["rope"]["scaling"]);
}

TEST(ImportHF, Transformers5Llama3RopeParameters) {
  json config = loadInput("llama.json");
  json scaling = config["rope_scaling"];
  config.erase("rope_scaling");
  config.erase("rope_theta");
  config["rope_parameters"] = scaling;
  config["rope_parameters"]["rope_theta"] = 500000.0;
  YAML::Node doc = importOk(config);
  EXPECT_EQ(doc["hparams"]["rope_theta"].as<double>(), 500000.0);
  YAML::Node attn =
      find(defBody(doc, "decoder_layer")[0]["residual"], "attention");
  EXPECT_EQ(str(attn["rope"]["scaling"]["type"]), "llama3");
  EXPECT_EQ(attn["rope"]["scaling"]["original_max_positions"].as<int>(), 8192);
}

TEST(ImportHF, Transformers5GPTNeoXRotaryFraction) {
  json config = loadInput("gpt_neox.json");
  config.erase("rotary_pct");
  config.erase("rotary_emb_base");
  config["rope_parameters"] = {{"rope_type", "default"},
                               {"rope_theta", 20000.0},
                               {"partial_rotary_factor", 0.5}};
  YAML::Node doc = importOk(config);
  EXPECT_EQ(doc["hparams"]["rope_theta"].as<double>(), 20000.0);
  YAML::Node par = find(defBody(doc, "neox_layer")[0]["residual"], "parallel");
  YAML::Node attn = find(par["branches"][0]["block"], "attention");
  EXPECT_EQ(attn["rope"]["fraction"].as<double>(), 0.5);

  // Without either key, GPTNeoXConfig rotates a quarter of each head.
  config.erase("rope_parameters");
  doc = importOk(config);
  par = find(defBody(doc, "neox_layer")[0]["residual"], "parallel");
  attn = find(par["branches"][0]["block"], "attention");
  EXPECT_EQ(attn["rope"]["fraction"].as<double>(), 0.25);
}

TEST(ImportHF, Qwen25) {
  YAML::Node doc = importOk(loadInput("qwen2.json"));
  EXPECT_EQ(str(doc["model"]["name"]), "qwen2");
  EXPECT_EQ(doc["hparams"]["d_model"].as<int>(), 896);
  EXPECT_EQ(doc["hparams"]["n_heads"].as<int>(), 14);
  EXPECT_EQ(doc["hparams"]["n_kv_heads"].as<int>(), 2);
  EXPECT_EQ(str(doc["hparams"]["head_dim"]), "${d_model} // ${n_heads}");
  EXPECT_EQ(doc["hparams"]["eps"].as<double>(), 1e-6);
  EXPECT_EQ(doc["hparams"]["rope_theta"].as<double>(), 1e6);
  YAML::Node attn =
      find(defBody(doc, "decoder_layer")[0]["residual"], "attention");
  EXPECT_TRUE(attn["qkv_bias"].as<bool>());
  EXPECT_FALSE(attn["out_bias"]);
  // use_sliding_window is false: the window in the config is unused.
  EXPECT_FALSE(attn["sliding_window"]);
  EXPECT_TRUE(find(doc["structure"], "output_head")["tied"].as<bool>());
}

TEST(ImportHF, Mistral) {
  YAML::Node doc = importOk(loadInput("mistral.json"));
  EXPECT_EQ(doc["hparams"]["sliding_window"].as<int>(), 4096);
  YAML::Node attn =
      find(defBody(doc, "decoder_layer")[0]["residual"], "attention");
  EXPECT_EQ(str(attn["sliding_window"]), "${sliding_window}");
  EXPECT_EQ(str(find(doc["structure"], "output_head")["weights"]["weight"]),
            "lm_head.weight");

  json config = loadInput("mistral.json");
  config["sliding_window"] = nullptr;
  doc = importOk(config);
  EXPECT_FALSE(doc["hparams"]["sliding_window"]);
  attn = find(defBody(doc, "decoder_layer")[0]["residual"], "attention");
  EXPECT_FALSE(attn["sliding_window"]);
}

TEST(ImportHF, GPT2) {
  YAML::Node doc = importOk(loadInput("gpt2.json"));
  EXPECT_EQ(str(doc["model"]["dtype"]), "f32");
  EXPECT_EQ(doc["hparams"]["d_model"].as<int>(), 768);
  EXPECT_EQ(doc["hparams"]["n_positions"].as<int>(), 1024);
  EXPECT_EQ(str(doc["hparams"]["ffn_hidden"]), "${d_model} * 4");
  YAML::Node structure = doc["structure"];
  EXPECT_EQ(str(find(structure, "embedding")["name"]), "transformer.wte");
  YAML::Node pos = find(structure, "pos_embedding");
  EXPECT_EQ(str(pos["name"]), "transformer.wpe");
  EXPECT_EQ(str(pos["max_positions"]), "${n_positions}");
  EXPECT_EQ(str(find(structure, "repeat")["name"]), "transformer.h");

  YAML::Node body = defBody(doc, "gpt2_block");
  EXPECT_EQ(str(find(body[0]["residual"], "layernorm")["name"]), "ln_1");
  YAML::Node attn = find(body[0]["residual"], "attention");
  EXPECT_EQ(str(attn["name"]), "attn");
  EXPECT_EQ(str(attn["qkv_layout"]), "fused");
  EXPECT_EQ(str(attn["weight_layout"]), "in_out");
  EXPECT_EQ(str(attn["weights"]["qkv_weight"]), "c_attn.weight");
  EXPECT_EQ(str(attn["weights"]["o_bias"]), "c_proj.bias");
  EXPECT_FALSE(attn["rope"]);
  EXPECT_EQ(str(find(body[1]["residual"], "layernorm")["name"]), "ln_2");
  YAML::Node mlp = find(body[1]["residual"], "ffn");
  EXPECT_EQ(str(mlp["activation"]), "gelu_tanh");
  EXPECT_EQ(str(mlp["weight_layout"]), "in_out");
  EXPECT_EQ(str(mlp["weights"]["up_weight"]), "c_fc.weight");
  EXPECT_EQ(str(mlp["weights"]["down_weight"]), "c_proj.weight");

  YAML::Node head = find(structure, "output_head");
  EXPECT_TRUE(head["tied"].as<bool>());
  EXPECT_EQ(str(head["norm"]), "layernorm");
  EXPECT_EQ(str(head["weights"]["norm_weight"]), "transformer.ln_f.weight");
  EXPECT_EQ(str(head["weights"]["norm_bias"]), "transformer.ln_f.bias");
}

TEST(ImportHF, GPT2Options) {
  json config = loadInput("gpt2.json");
  config["n_inner"] = 1000;
  config["activation_function"] = "relu";
  config["scale_attn_weights"] = false;
  YAML::Node doc = importOk(config);
  EXPECT_EQ(doc["hparams"]["ffn_hidden"].as<int>(), 1000);
  YAML::Node body = defBody(doc, "gpt2_block");
  EXPECT_EQ(find(body[0]["residual"], "attention")["scale"].as<double>(), 1.0);
  EXPECT_EQ(str(find(body[1]["residual"], "ffn")["activation"]), "relu");

  config = loadInput("gpt2.json");
  config["scale_attn_by_inverse_layer_idx"] = true;
  EXPECT_EQ(importError(config),
            "unsupported option 'scale_attn_by_inverse_layer_idx': true (a "
            "per-layer attention scale)");
}

TEST(ImportHF, GPTNeoXParallelResidual) {
  YAML::Node doc = importOk(loadInput("gpt_neox.json"));
  EXPECT_EQ(str(doc["model"]["dtype"]), "f16");
  YAML::Node body = defBody(doc, "neox_layer");
  ASSERT_EQ(body.size(), 1u);
  YAML::Node par = find(body[0]["residual"], "parallel");
  EXPECT_EQ(str(par["merge"]), "sum");
  ASSERT_EQ(par["branches"].size(), 2u);
  YAML::Node attnBranch = par["branches"][0]["block"];
  YAML::Node mlpBranch = par["branches"][1]["block"];
  EXPECT_EQ(str(find(attnBranch, "layernorm")["name"]), "input_layernorm");
  YAML::Node attn = find(attnBranch, "attention");
  EXPECT_EQ(str(attn["name"]), "attention");
  EXPECT_EQ(str(attn["qkv_layout"]), "fused_per_head");
  EXPECT_EQ(attn["rope"]["fraction"].as<double>(), 0.25);
  EXPECT_EQ(str(attn["weights"]["qkv_weight"]), "query_key_value.weight");
  EXPECT_EQ(str(attn["weights"]["o_weight"]), "dense.weight");
  EXPECT_EQ(str(find(mlpBranch, "layernorm")["name"]),
            "post_attention_layernorm");
  YAML::Node mlp = find(mlpBranch, "ffn");
  EXPECT_EQ(str(mlp["activation"]), "gelu");
  EXPECT_EQ(str(mlp["weights"]["up_weight"]), "dense_h_to_4h.weight");
  EXPECT_EQ(str(mlp["weights"]["down_bias"]), "dense_4h_to_h.bias");

  YAML::Node structure = doc["structure"];
  EXPECT_EQ(str(find(structure, "embedding")["name"]), "gpt_neox.embed_in");
  EXPECT_EQ(str(find(structure, "repeat")["name"]), "gpt_neox.layers");
  YAML::Node head = find(structure, "output_head");
  EXPECT_FALSE(head["tied"].as<bool>());
  EXPECT_EQ(str(head["weights"]["weight"]), "embed_out.weight");
  EXPECT_EQ(str(head["weights"]["norm_weight"]),
            "gpt_neox.final_layer_norm.weight");
}

TEST(ImportHF, GPTNeoXSequentialResidual) {
  json config = loadInput("gpt_neox.json");
  config["use_parallel_residual"] = false;
  config["rotary_pct"] = 1.0;
  YAML::Node body = defBody(importOk(config), "neox_layer");
  ASSERT_EQ(body.size(), 2u);
  EXPECT_TRUE(find(body[0]["residual"], "attention"));
  EXPECT_FALSE(find(body[0]["residual"], "attention")["rope"]["fraction"]);
  EXPECT_TRUE(find(body[1]["residual"], "ffn"));
}

TEST(ImportHF, Gemma2) {
  YAML::Node doc = importOk(loadInput("gemma2.json"));
  YAML::Node hp = doc["hparams"];
  EXPECT_EQ(hp["head_dim"].as<int>(), 256);
  EXPECT_EQ(hp["embed_scale"].as<double>(), 48.0);
  EXPECT_EQ(hp["attn_scale"].as<double>(), 0.0625);
  EXPECT_EQ(hp["attn_softcap"].as<double>(), 50.0);
  EXPECT_EQ(hp["final_softcap"].as<double>(), 30.0);
  EXPECT_EQ(hp["sliding_window"].as<int>(), 4096);

  YAML::Node def = doc["defs"]["decoder_layer"];
  EXPECT_EQ(def["args"]["window"].as<int>(), 0);
  YAML::Node attnRes = def["body"][0]["residual"];
  ASSERT_EQ(attnRes.size(), 3u);
  EXPECT_EQ(str(attnRes[0]["rmsnorm"]["name"]), "input_layernorm");
  EXPECT_EQ(attnRes[0]["rmsnorm"]["weight_offset"].as<double>(), 1.0);
  YAML::Node attn = attnRes[1]["attention"];
  EXPECT_EQ(str(attn["scale"]), "${attn_scale}");
  EXPECT_EQ(str(attn["softcap"]), "${attn_softcap}");
  EXPECT_EQ(str(attn["sliding_window"]), "${window}");
  EXPECT_EQ(str(attnRes[2]["rmsnorm"]["name"]), "post_attention_layernorm");
  YAML::Node mlpRes = def["body"][1]["residual"];
  ASSERT_EQ(mlpRes.size(), 3u);
  EXPECT_EQ(str(mlpRes[0]["rmsnorm"]["name"]), "pre_feedforward_layernorm");
  EXPECT_EQ(str(mlpRes[1]["gated_ffn"]["activation"]), "gelu_tanh");
  EXPECT_EQ(str(mlpRes[2]["rmsnorm"]["name"]), "post_feedforward_layernorm");

  YAML::Node structure = doc["structure"];
  EXPECT_EQ(str(find(structure, "embedding")["scale"]), "${embed_scale}");
  YAML::Node repeat = find(structure, "repeat");
  EXPECT_EQ(str(repeat["name"]), "model.layers");
  EXPECT_EQ(str(repeat["count"]), "${n_layers} // 2");
  EXPECT_FALSE(repeat["index_in_name"].as<bool>());
  YAML::Node even = repeat["body"][0]["decoder_layer"];
  YAML::Node odd = repeat["body"][1]["decoder_layer"];
  // Gemma2Config: layer i slides when (i + 1) % 2 != 0, i.e. i even.
  EXPECT_EQ(str(even["name"]), "{2*i}");
  EXPECT_EQ(str(even["window"]), "${sliding_window}");
  EXPECT_EQ(str(odd["name"]), "{2*i+1}");
  EXPECT_EQ(odd["window"].as<int>(), 0);
  YAML::Node norm = find(structure, "rmsnorm");
  EXPECT_EQ(str(norm["name"]), "model.norm");
  EXPECT_EQ(norm["weight_offset"].as<double>(), 1.0);
  YAML::Node head = find(structure, "output_head");
  EXPECT_TRUE(head["tied"].as<bool>());
  EXPECT_EQ(str(head["softcap"]), "${final_softcap}");
  EXPECT_FALSE(head["norm"]);
}

TEST(ImportHF, Gemma2EmbedScaleInModelDtype) {
  json config = loadInput("gemma2.json");
  config["hidden_size"] = 3584; // gemma-2-9b
  config["torch_dtype"] = "bfloat16";
  EXPECT_EQ(importOk(config)["hparams"]["embed_scale"].as<double>(), 59.75);
  config["torch_dtype"] = "float32";
  EXPECT_EQ(importOk(config)["hparams"]["embed_scale"].as<double>(),
            double(float(std::sqrt(3584.0))));
}

TEST(ImportHF, Gemma2WindowPatterns) {
  json config = loadInput("gemma2.json");
  config["sliding_window"] = nullptr;
  config["final_logit_softcapping"] = nullptr;
  YAML::Node doc = importOk(config);
  YAML::Node repeat = find(doc["structure"], "repeat");
  EXPECT_EQ(str(repeat["count"]), "${n_layers}");
  EXPECT_FALSE(repeat["index_in_name"]);
  EXPECT_EQ(repeat["body"][0]["decoder_layer"]["window"].as<int>(), 0);
  EXPECT_FALSE(find(doc["structure"], "output_head")["softcap"]);

  config = loadInput("gemma2.json");
  config["num_hidden_layers"] = 3;
  doc = importOk(config);
  YAML::Node last = doc["structure"][2]["decoder_layer"];
  ASSERT_TRUE(last);
  EXPECT_EQ(str(last["name"]), "model.layers.2");
  EXPECT_EQ(str(last["window"]), "${sliding_window}");

  config = loadInput("gemma2.json");
  config["num_hidden_layers"] = 3;
  config["layer_types"] = {"full_attention", "sliding_attention",
                           "sliding_attention"};
  EXPECT_EQ(importError(config),
            "unsupported 'layer_types' pattern (olmc imports layers that are "
            "all alike or alternate sliding and full attention)");
}

TEST(ImportHFErrors, Messages) {
  json config = loadInput("llama.json");
  config["model_type"] = "xyz";
  EXPECT_EQ(importError(config),
            "unsupported model_type 'xyz' (supported: gpt2, llama, qwen2, "
            "gpt_neox, mistral, gemma2)");

  config = loadInput("llama.json");
  config.erase("model_type");
  EXPECT_EQ(importError(config), "missing key 'model_type'");

  config = loadInput("llama.json");
  config.erase("hidden_size");
  EXPECT_EQ(importError(config), "missing key 'hidden_size'");

  config = loadInput("llama.json");
  config["num_hidden_layers"] = "16";
  EXPECT_EQ(importError(config),
            "key 'num_hidden_layers' must be an integer, got \"16\"");

  config = loadInput("llama.json");
  config["num_hidden_layers"] = 0;
  EXPECT_EQ(importError(config),
            "key 'num_hidden_layers' must be positive, got 0");

  config = loadInput("llama.json");
  config["hidden_act"] = "gelu_fast";
  EXPECT_EQ(importError(config),
            "unsupported hidden_act 'gelu_fast' (supported: gelu, gelu_new, "
            "gelu_pytorch_tanh, silu, relu)");

  config = loadInput("llama.json");
  config["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  EXPECT_EQ(importError(config), "unsupported RoPE type 'yarn' in "
                                 "'rope_scaling.rope_type' (supported: "
                                 "default, llama3)");

  config = loadInput("llama.json");
  config["rope_scaling"] = {{"type", "linear"}, {"factor", 4.0}};
  EXPECT_EQ(importError(config), "unsupported RoPE type 'linear' in "
                                 "'rope_scaling.type' (supported: default, "
                                 "llama3)");

  config = loadInput("llama.json");
  config["rope_scaling"].erase("low_freq_factor");
  EXPECT_EQ(importError(config), "missing key 'rope_scaling.low_freq_factor'");

  config = loadInput("llama.json");
  config["torch_dtype"] = "float64";
  EXPECT_EQ(importError(config), "unsupported torch_dtype 'float64' "
                                 "(supported: float32, bfloat16, float16)");

  config = loadInput("llama.json");
  config["num_key_value_heads"] = 5;
  EXPECT_EQ(importError(config), "'num_attention_heads' (32) must be a "
                                 "multiple of 'num_key_value_heads' (5)");

  config = loadInput("mistral.json");
  config["num_local_experts"] = 8;
  EXPECT_EQ(importError(config), "unsupported option 'num_local_experts': 8 "
                                 "(mixture-of-experts layers)");

  config = loadInput("qwen2.json");
  config["use_sliding_window"] = true;
  EXPECT_EQ(importError(config), "unsupported option 'use_sliding_window': "
                                 "true (per-layer sliding windows of qwen2)");

  config = loadInput("llama.json");
  config["architectures"] = {"LlamaForSequenceClassification"};
  EXPECT_EQ(importError(config),
            "unsupported architectures [\"LlamaForSequenceClassification\"] "
            "(olmc imports LlamaForCausalLM)");

  config = loadInput("gpt_neox.json");
  config["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}};
  EXPECT_EQ(importError(config), "unsupported RoPE type 'dynamic' in "
                                 "'rope_scaling.type' (supported: default, "
                                 "llama3)");
}

TEST(ImportHFErrors, NotAConfig) {
  EXPECT_EQ(importError(std::string("[1, 2]")),
            "a config.json must hold a JSON object");
  std::string error = importError(std::string("{\"model_type\": \"llama\","));
  EXPECT_EQ(error.rfind("invalid JSON: ", 0), 0u) << error;
}

// Regression (docs/security.md): messages show a mistyped value with
// json::dump(), which recurses once per level of nesting, so a config
// nesting arrays a million deep crashed import-hf with a stack overflow.
TEST(ImportHFErrors, DeepNesting) {
  std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  EXPECT_EQ(importError("{\"model_type\": \"llama\", \"hidden_size\": " +
                        deep + "}"),
            "invalid JSON: arrays and objects nest deeper than 64 levels");
  std::string nested = "1";
  for (int i = 0; i < 64; ++i)
    nested = "[" + nested + "]";
  // 63 arrays inside the top-level object: 64 levels are fine.
  std::string error =
      importError("{\"model_type\": \"llama\", \"hidden_size\": " +
                  nested.substr(1, nested.size() - 2) + "}");
  EXPECT_NE(error.find("'hidden_size' must be an integer, got " +
                       std::string(37, '[') + "..."),
            std::string::npos)
      << error;
}

} // namespace
