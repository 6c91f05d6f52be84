#!/usr/bin/env python3
"""Regenerate the reference-numerics fixtures under tests/golden/<family>/.

For every family this builds a tiny random-weight model with Hugging Face
transformers' own classes (eager attention, float32, eval mode), re-initialises
all parameters so the outputs are far from uniform, and writes:

    config.json         model.save_pretrained(dir) (unmodified)
    model.safetensors   model.save_pretrained(dir, safe_serialization=True)
                        (unmodified; tied weights omitted as transformers does)
    input_ids.npy       int64   [2, 8]          seeded random ids
    logits.npy          float32 [2, 8, vocab]   one full forward pass
    greedy.npy          int64   [2, 8 + 8]      prompt + 8 greedy tokens from a
                                                hand-written loop: full forward
                                                (use_cache=False) each step,
                                                argmax of the last position,
                                                no EOS handling

Needs: torch, transformers, numpy, safetensors. No network access (no hub).
Usage:  python3 tests/golden/make_golden.py [family ...]
Deterministic: fixed per-family seeds, single CPU thread.
"""

import hashlib
import os
import shutil
import sys

import numpy as np
import torch
import transformers
from transformers import (
    GPT2Config,
    GPT2LMHeadModel,
    GPTNeoXConfig,
    GPTNeoXForCausalLM,
    LlamaConfig,
    LlamaForCausalLM,
    MistralConfig,
    MistralForCausalLM,
    Qwen2Config,
    Qwen2ForCausalLM,
)

HERE = os.path.dirname(os.path.abspath(__file__))

BATCH = 2
PROMPT_LEN = 8
NEW_TOKENS = 8

HIDDEN = 64
LAYERS = 2
INTERMEDIATE = 128
MAX_POS = 64

# Files save_pretrained may write that the tests do not use.
DROP_FILES = ("generation_config.json",)


def rope(theta, partial=None):
    p = {"rope_type": "default", "rope_theta": float(theta)}
    if partial is not None:
        p["partial_rotary_factor"] = float(partial)
    return p


def make_gpt2():
    cfg = GPT2Config(
        vocab_size=96,
        n_positions=MAX_POS,
        n_embd=HIDDEN,
        n_layer=LAYERS,
        n_head=4,
        n_inner=INTERMEDIATE,
        activation_function="gelu_new",  # tanh-approximated GELU
        layer_norm_epsilon=1e-5,
        tie_word_embeddings=True,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=0,
        eos_token_id=0,
    )
    return GPT2LMHeadModel, cfg


def make_llama():
    cfg = LlamaConfig(
        vocab_size=128,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=LAYERS,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=MAX_POS,
        rms_norm_eps=1e-5,
        rope_parameters=rope(10000.0),
        tie_word_embeddings=False,
        hidden_act="silu",
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=None,
    )
    return LlamaForCausalLM, cfg


def make_qwen2():
    cfg = Qwen2Config(
        vocab_size=120,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=LAYERS,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=MAX_POS,
        rms_norm_eps=1e-6,
        rope_parameters=rope(1000000.0),
        tie_word_embeddings=True,
        use_sliding_window=False,
        hidden_act="silu",
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=None,
    )
    return Qwen2ForCausalLM, cfg


def make_gpt_neox():
    cfg = GPTNeoXConfig(
        vocab_size=112,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=LAYERS,
        num_attention_heads=4,
        max_position_embeddings=MAX_POS,
        rope_parameters=rope(10000.0, partial=0.25),  # == rotary_pct 0.25
        use_parallel_residual=True,
        tie_word_embeddings=False,
        hidden_act="gelu",
        layer_norm_eps=1e-5,
        attention_bias=True,
        bos_token_id=0,
        eos_token_id=0,
    )
    return GPTNeoXForCausalLM, cfg


def make_mistral():
    cfg = MistralConfig(
        vocab_size=104,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=LAYERS,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=MAX_POS,
        rms_norm_eps=1e-5,
        rope_parameters=rope(10000.0),
        sliding_window=4,
        tie_word_embeddings=False,
        hidden_act="silu",
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=None,
    )
    return MistralForCausalLM, cfg


def make_gemma2():
    from transformers import Gemma2Config, Gemma2ForCausalLM

    cfg = Gemma2Config(
        vocab_size=128,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=LAYERS,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=MAX_POS,
        rms_norm_eps=1e-6,
        rope_parameters=rope(10000.0),
        sliding_window=4,
        attn_logit_softcapping=50.0,
        final_logit_softcapping=30.0,
        query_pre_attn_scalar=16,
        hidden_activation="gelu_pytorch_tanh",
        tie_word_embeddings=True,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=1,
    )
    return Gemma2ForCausalLM, cfg


def gemma2_available():
    return hasattr(transformers, "Gemma2ForCausalLM")


# family -> (factory, seed)
FAMILIES = {
    "gpt2": (make_gpt2, 1001),
    "llama": (make_llama, 1002),
    "qwen2": (make_qwen2, 1003),
    "gpt_neox": (make_gpt_neox, 1004),
    "mistral": (make_mistral, 1005),
}
if gemma2_available():
    FAMILIES["gemma2"] = (make_gemma2, 1006)


def is_norm(module):
    name = type(module).__name__
    return isinstance(module, torch.nn.LayerNorm) or "RMSNorm" in name


def reinit_(model, zero_centered_norm):
    """Overwrite every parameter with non-trivial random values.

    Norm weights get 1 + N(0, 0.1) (for Gemma-style norms, which compute
    x * (1 + w), the stored weight is N(0, 0.1) so the effective scale is the
    same), norm biases N(0, 0.1), everything else N(0, 0.2).
    Shared (tied) parameters are visited once, so ties are kept.
    """
    seen = set()
    with torch.no_grad():
        for module in model.modules():
            for pname, p in module.named_parameters(recurse=False):
                if id(p) in seen:
                    continue
                seen.add(id(p))
                if is_norm(module):
                    if pname == "weight":
                        p.normal_(0.0, 0.1)
                        if not zero_centered_norm:
                            p.add_(1.0)
                    else:
                        p.normal_(0.0, 0.1)
                else:
                    p.normal_(0.0, 0.2)


def forward_logits(model, ids):
    with torch.no_grad():
        out = model(input_ids=ids, use_cache=False)
    return out.logits


def greedy(model, ids, n_new):
    seq = ids.clone()
    for _ in range(n_new):
        logits = forward_logits(model, seq)
        nxt = torch.argmax(logits[:, -1, :], dim=-1, keepdim=True)
        seq = torch.cat([seq, nxt], dim=1)
    return seq


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def build(family):
    factory, seed = FAMILIES[family]
    cls, cfg = factory()
    torch.manual_seed(seed)
    model = cls._from_config(cfg, attn_implementation="eager", dtype=torch.float32)
    model.eval()
    assert model.config._attn_implementation == "eager"
    reinit_(model, zero_centered_norm=(family == "gemma2"))
    if family == "gemma2":
        # Gemma2 multiplies embeddings by sqrt(hidden) = 8 and ties the head:
        # with N(0, 0.2) embeddings the residual stream is dominated by the
        # current token's own embedding and greedy decoding just repeats the
        # last prompt token. Smaller embeddings plus a larger final-norm scale
        # keep the logits peaked without that degeneracy. Larger q/k weights
        # push raw attention scores into the range where the tanh soft-cap
        # (50) changes the result measurably.
        with torch.no_grad():
            model.model.embed_tokens.weight.normal_(0.0, 0.05)
            model.model.norm.weight.add_(2.0)  # effective scale 1 + w ~ 3
            for layer in model.model.layers:
                layer.self_attn.q_proj.weight.normal_(0.0, 0.5)
                layer.self_attn.k_proj.weight.normal_(0.0, 0.5)

    tied = bool(getattr(model.config, "tie_word_embeddings", False))
    emb = model.get_input_embeddings().weight
    head = model.get_output_embeddings().weight
    assert (head is emb) == tied, f"{family}: tie mismatch (tied={tied})"

    vocab = model.config.vocab_size
    rng = np.random.default_rng(seed)
    ids_np = rng.integers(0, vocab, size=(BATCH, PROMPT_LEN), dtype=np.int64)
    ids = torch.from_numpy(ids_np)

    logits = forward_logits(model, ids).float().numpy()
    assert logits.shape == (BATCH, PROMPT_LEN, vocab), logits.shape
    assert np.isfinite(logits).all()

    seq = greedy(model, ids, NEW_TOKENS).numpy().astype(np.int64)
    assert seq.shape == (BATCH, PROMPT_LEN + NEW_TOKENS)
    assert (seq[:, :PROMPT_LEN] == ids_np).all()
    new = seq[:, PROMPT_LEN:]
    for b in range(BATCH):
        assert len(set(new[b].tolist())) > 1, f"{family}: degenerate greedy row {b}: {new[b]}"

    # Cross-check the hand-written loop against transformers' cached generate.
    with torch.no_grad():
        gen = model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=NEW_TOKENS,
            min_new_tokens=NEW_TOKENS,
            do_sample=False,
            use_cache=True,
            pad_token_id=0,
        ).numpy()
    gen_match = gen.shape == seq.shape and bool((gen == seq).all())

    out = os.path.join(HERE, family)
    if os.path.isdir(out):
        shutil.rmtree(out)
    model.save_pretrained(out, safe_serialization=True)
    for name in DROP_FILES:
        path = os.path.join(out, name)
        if os.path.exists(path):
            os.remove(path)
    np.save(os.path.join(out, "input_ids.npy"), ids_np)
    np.save(os.path.join(out, "logits.npy"), logits.astype(np.float32))
    np.save(os.path.join(out, "greedy.npy"), seq)

    # Checkpoint must round-trip through from_pretrained to identical logits.
    reloaded = cls.from_pretrained(out, attn_implementation="eager", dtype=torch.float32).eval()
    rl = forward_logits(reloaded, ids).float().numpy()
    assert np.array_equal(rl, logits), f"{family}: reloaded checkpoint gives different logits"

    probs = torch.softmax(torch.from_numpy(logits), -1)
    top = float(probs.max(-1).values.mean())
    total = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(
        f"{family:9s} vocab={vocab:4d} logit_std={logits.std():.3f} mean_top_p={top:.3f} "
        f"bytes={total} generate_matches_loop={gen_match}"
    )
    print(f"          greedy new tokens: {new.tolist()}")
    for f in sorted(os.listdir(out)):
        print(f"          {md5(os.path.join(out, f))}  {family}/{f}")


def main(argv):
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    print(f"transformers {transformers.__version__}  torch {torch.__version__}  numpy {np.__version__}")
    fams = argv[1:] or list(FAMILIES)
    for fam in fams:
        if fam not in FAMILIES:
            raise SystemExit(f"unknown family {fam!r}; known: {', '.join(FAMILIES)}")
        build(fam)


if __name__ == "__main__":
    main(sys.argv)
