#!/usr/bin/env python3
"""Writes tests/gpu/configs/<family>/config.json: the Hugging Face configs of
the models the GPU check builds (random weights, made on the GPU machine by
transformers itself). Sizes are small enough to build in seconds and large
enough for the GPU kernels' real paths: head_dim 64, GQA, several blocks of
keys, vocabularies of a few thousand.

Needs transformers (pip). Usage: python3 tests/gpu/make_configs.py
"""
import os

from transformers import GPT2Config, GPTNeoXConfig, LlamaConfig, Qwen2Config

HERE = os.path.dirname(os.path.abspath(__file__))
HIDDEN, LAYERS, HEADS, FFN, POS = 512, 4, 8, 1408, 1024


def rope(theta, partial=None):
    p = {"rope_type": "default", "rope_theta": float(theta)}
    if partial is not None:
        p["partial_rotary_factor"] = float(partial)
    return p


CONFIGS = {
    "gpt2": GPT2Config(vocab_size=3001, n_positions=POS, n_embd=HIDDEN,
                       n_layer=LAYERS, n_head=HEADS, n_inner=4 * HIDDEN,
                       activation_function="gelu_new",
                       layer_norm_epsilon=1e-5, tie_word_embeddings=True,
                       resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                       bos_token_id=0, eos_token_id=0),
    "llama": LlamaConfig(vocab_size=4096, hidden_size=HIDDEN,
                         intermediate_size=FFN, num_hidden_layers=LAYERS,
                         num_attention_heads=HEADS, num_key_value_heads=2,
                         max_position_embeddings=POS, rms_norm_eps=1e-5,
                         rope_parameters=rope(500000.0),
                         tie_word_embeddings=False, hidden_act="silu",
                         bos_token_id=1, eos_token_id=2, pad_token_id=None),
    "qwen2": Qwen2Config(vocab_size=3840, hidden_size=HIDDEN,
                         intermediate_size=FFN, num_hidden_layers=LAYERS,
                         num_attention_heads=HEADS, num_key_value_heads=2,
                         max_position_embeddings=POS, rms_norm_eps=1e-6,
                         rope_parameters=rope(1000000.0),
                         tie_word_embeddings=True, use_sliding_window=False,
                         hidden_act="silu", bos_token_id=1, eos_token_id=2,
                         pad_token_id=None),
    "gpt_neox": GPTNeoXConfig(vocab_size=3584, hidden_size=HIDDEN,
                              intermediate_size=4 * HIDDEN,
                              num_hidden_layers=LAYERS,
                              num_attention_heads=HEADS,
                              max_position_embeddings=POS,
                              rope_parameters=rope(10000.0, partial=0.25),
                              use_parallel_residual=True,
                              tie_word_embeddings=False, hidden_act="gelu",
                              layer_norm_eps=1e-5, attention_bias=True,
                              bos_token_id=0, eos_token_id=0),
}

for family, cfg in CONFIGS.items():
    out = os.path.join(HERE, "configs", family)
    os.makedirs(out, exist_ok=True)
    cfg.save_pretrained(out)
    print("wrote", os.path.join(out, "config.json"))
