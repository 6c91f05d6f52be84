#!/usr/bin/env python3
"""Numpy-only sanity tool for the fixtures in tests/golden/<family>/.

    python3 tests/golden/check_golden.py                 # all families: shapes
    python3 tests/golden/check_golden.py gpt2 llama      # some families
    python3 tests/golden/check_golden.py --recompute     # + independent numpy
                                                         #   forward vs logits.npy
                                                         #   and greedy.npy
    python3 tests/golden/check_golden.py --mutations     # + show that plausible
                                                         #   wrong semantics are
                                                         #   caught by the fixture

It prints the config essentials, every tensor in model.safetensors (name, dtype,
shape) and the shapes of input_ids.npy / logits.npy / greedy.npy.

--recompute runs a small from-scratch numpy implementation of each family (no
torch, no transformers), written from the semantics documented in README.md, and
compares with the stored transformers outputs. It is an executable statement of
those semantics. Exit status is non-zero on any mismatch.
"""

import json
import math
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FAMILIES = ["gpt2", "llama", "qwen2", "gpt_neox", "mistral", "gemma2"]

ST_DTYPES = {
    "F32": np.float32,
    "F16": np.float16,
    "F64": np.float64,
    "I64": np.int64,
    "I32": np.int32,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}


def read_safetensors(path):
    """Minimal safetensors reader: u64 LE header size, JSON header, raw data."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    meta = header.pop("__metadata__", None)
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        dt = info["dtype"]
        if dt not in ST_DTYPES:
            raise ValueError(f"{name}: dtype {dt} not handled by this reader")
        a, b = info["data_offsets"]
        arr = np.frombuffer(blob[base + a : base + b], dtype=np.dtype(ST_DTYPES[dt]).newbyteorder("<"))
        tensors[name] = (dt, arr.reshape(info["shape"]))
    return meta, tensors


def load(family):
    d = os.path.join(HERE, family)
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    meta, tensors = read_safetensors(os.path.join(d, "model.safetensors"))
    ids = np.load(os.path.join(d, "input_ids.npy"))
    logits = np.load(os.path.join(d, "logits.npy"))
    greedy = np.load(os.path.join(d, "greedy.npy"))
    return cfg, meta, tensors, ids, logits, greedy


# ----------------------------------------------------------------------------
# numpy reference (float64 internally; the goldens are float32 transformers)
# ----------------------------------------------------------------------------

def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def rms_norm(x, w, eps, one_plus=False):
    y = x / np.sqrt((x * x).mean(-1, keepdims=True) + eps)
    return y * ((1.0 + w) if one_plus else w)


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


_erf = np.vectorize(math.erf)


def gelu_erf(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def silu(x):
    return x / (1.0 + np.exp(-x))


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def rope_cos_sin(T, rot_dim, theta):
    inv = 1.0 / (theta ** (np.arange(0, rot_dim, 2, dtype=np.float64) / rot_dim))
    f = np.arange(T, dtype=np.float64)[:, None] * inv[None, :]  # [T, rot/2]
    emb = np.concatenate([f, f], -1)  # [T, rot]
    return np.cos(emb), np.sin(emb)


def apply_rope(x, cos, sin, rot_dim, interleaved_pairs=False):
    """x: [H, T, D]. Rotates the first rot_dim dims, HF "rotate_half" style:
    dim i pairs with dim i + rot_dim/2 (not with i+1)."""
    xr, xp = x[..., :rot_dim], x[..., rot_dim:]
    if interleaved_pairs:  # WRONG variant, for --mutations only
        x1, x2 = xr[..., 0::2], xr[..., 1::2]
        c, s = cos[:, : rot_dim // 2], sin[:, : rot_dim // 2]
        out = np.empty_like(xr)
        out[..., 0::2] = x1 * c - x2 * s
        out[..., 1::2] = x2 * c + x1 * s
        return np.concatenate([out, xp], -1)
    half = rot_dim // 2
    rot = np.concatenate([-xr[..., half:], xr[..., :half]], -1)
    return np.concatenate([xr * cos + rot * sin, xp], -1)


def attention(q, k, v, scale, window=None, softcap=None, window_inclusive=False):
    """q: [H, T, D]; k, v: [KV, T, D] (GQA: query head h uses kv head h // (H/KV))."""
    H, T, _ = q.shape
    rep = H // k.shape[0]
    k = np.repeat(k, rep, axis=0)
    v = np.repeat(v, rep, axis=0)
    s = np.einsum("htd,hsd->hts", q, k) * scale
    if softcap is not None:
        s = np.tanh(s / softcap) * softcap
    i = np.arange(T)[:, None]
    j = np.arange(T)[None, :]
    visible = j <= i
    if window is not None:
        visible &= (i - j <= window) if window_inclusive else (i - j < window)
    s = np.where(visible, s, -np.inf)
    return np.einsum("hts,hsd->htd", softmax(s), v)  # [H, T, D]


def heads(x, n, d):  # [T, n*d] -> [n, T, d]
    return x.reshape(x.shape[0], n, d).transpose(1, 0, 2)


def merge(x):  # [n, T, d] -> [T, n*d]
    return x.transpose(1, 0, 2).reshape(x.shape[1], -1)


def forward_gpt2(cfg, W, ids, mut):
    H, E = cfg["n_head"], cfg["n_embd"]
    D = E // H
    eps = cfg["layer_norm_epsilon"]
    P = "transformer."
    T = len(ids)
    h = W[P + "wte.weight"][ids] + W[P + "wpe.weight"][np.arange(T)]
    act = gelu_erf if mut.get("gpt2_exact_gelu") else gelu_tanh
    for l in range(cfg["n_layer"]):
        p = f"{P}h.{l}."
        x = layer_norm(h, W[p + "ln_1.weight"], W[p + "ln_1.bias"], eps)
        cw = W[p + "attn.c_attn.weight"]  # Conv1D: [in, out], y = x @ W + b
        if mut.get("conv1d_transposed"):
            cw = cw.reshape(-1).reshape(cw.shape[1], cw.shape[0]).T
        qkv = x @ cw + W[p + "attn.c_attn.bias"]
        q, k, v = qkv[:, :E], qkv[:, E : 2 * E], qkv[:, 2 * E :]  # blocked [3, H, D]
        o = attention(heads(q, H, D), heads(k, H, D), heads(v, H, D), D ** -0.5)
        h = h + merge(o) @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        x = layer_norm(h, W[p + "ln_2.weight"], W[p + "ln_2.bias"], eps)
        m = act(x @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
        h = h + m @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
    h = layer_norm(h, W[P + "ln_f.weight"], W[P + "ln_f.bias"], eps)
    return h @ W[P + "wte.weight"].T  # tied: no lm_head.weight in the file


def forward_llama_like(cfg, W, ids, mut, family):
    H, KV, E = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"]
    D = cfg.get("head_dim") or E // H
    eps = cfg["rms_norm_eps"]
    theta = cfg["rope_parameters"]["rope_theta"]
    gemma = family == "gemma2"
    T = len(ids)
    cos, sin = rope_cos_sin(T, D, theta)
    h = W["model.embed_tokens.weight"][ids]
    if gemma and not mut.get("gemma_no_embed_scale"):
        h = h * np.float64(np.float32(E ** 0.5))  # scale rounded to weight dtype (f32)
    one_plus = gemma and not mut.get("gemma_plain_rmsnorm")
    if gemma:
        scale = cfg["query_pre_attn_scalar"] ** -0.5
        softcap = None if mut.get("gemma_no_attn_softcap") else cfg["attn_logit_softcapping"]
        act = gelu_tanh
    else:
        scale, softcap, act = D ** -0.5, None, silu
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        window = None
        if family == "mistral" and cfg.get("sliding_window") is not None:
            window = cfg["sliding_window"]  # every layer
        if gemma:
            sliding_layer = (l % 2 == 1) if mut.get("gemma_odd_sliding") else (l % 2 == 0)
            assert cfg["layer_types"][l] == ("sliding_attention" if l % 2 == 0 else "full_attention")
            window = cfg["sliding_window"] if sliding_layer else None
        x = rms_norm(h, W[p + "input_layernorm.weight"], eps, one_plus)
        a = p + "self_attn."
        q = x @ W[a + "q_proj.weight"].T
        k = x @ W[a + "k_proj.weight"].T
        v = x @ W[a + "v_proj.weight"].T
        if a + "q_proj.bias" in W:
            q, k, v = q + W[a + "q_proj.bias"], k + W[a + "k_proj.bias"], v + W[a + "v_proj.bias"]
        inter = bool(mut.get("rope_interleaved"))
        q = apply_rope(heads(q, H, D), cos, sin, D, inter)
        k = apply_rope(heads(k, KV, D), cos, sin, D, inter)
        o = attention(q, k, heads(v, KV, D), scale, window, softcap, bool(mut.get("window_inclusive")))
        o = merge(o) @ W[a + "o_proj.weight"].T
        if gemma:
            o = rms_norm(o, W[p + "post_attention_layernorm.weight"], eps, one_plus)
            h = h + o
            x = rms_norm(h, W[p + "pre_feedforward_layernorm.weight"], eps, one_plus)
        else:
            h = h + o
            x = rms_norm(h, W[p + "post_attention_layernorm.weight"], eps, one_plus)
        m = act(x @ W[p + "mlp.gate_proj.weight"].T) * (x @ W[p + "mlp.up_proj.weight"].T)
        m = m @ W[p + "mlp.down_proj.weight"].T
        if gemma:
            m = rms_norm(m, W[p + "post_feedforward_layernorm.weight"], eps, one_plus)
        h = h + m
    h = rms_norm(h, W["model.norm.weight"], eps, one_plus)
    head = W["lm_head.weight"] if "lm_head.weight" in W else W["model.embed_tokens.weight"]
    assert ("lm_head.weight" in W) == (not cfg["tie_word_embeddings"])
    logits = h @ head.T
    if gemma and not mut.get("gemma_no_final_softcap"):
        c = cfg["final_logit_softcapping"]
        logits = np.tanh(logits / c) * c
    return logits


def forward_gpt_neox(cfg, W, ids, mut):
    H, E = cfg["num_attention_heads"], cfg["hidden_size"]
    D = E // H
    eps = cfg["layer_norm_eps"]
    rp = cfg["rope_parameters"]
    pct = 1.0 if mut.get("neox_full_rotary") else rp.get("partial_rotary_factor", 1.0)
    rot = int(D * pct)  # rotary_ndims
    T = len(ids)
    cos, sin = rope_cos_sin(T, rot, rp["rope_theta"])
    P = "gpt_neox."
    h = W[P + "embed_in.weight"][ids]
    for l in range(cfg["num_hidden_layers"]):
        p = f"{P}layers.{l}."
        x = layer_norm(h, W[p + "input_layernorm.weight"], W[p + "input_layernorm.bias"], eps)
        qkv = x @ W[p + "attention.query_key_value.weight"].T + W[p + "attention.query_key_value.bias"]
        if mut.get("neox_blocked_qkv"):  # WRONG: GPT-2 style [3, H, D]
            q, k, v = (heads(t, H, D) for t in np.split(qkv, 3, -1))
        else:  # per-head interleaved: [H, 3, D]
            qkv = qkv.reshape(T, H, 3 * D).transpose(1, 0, 2)
            q, k, v = qkv[..., :D], qkv[..., D : 2 * D], qkv[..., 2 * D :]
        q = apply_rope(q, cos, sin, rot)
        k = apply_rope(k, cos, sin, rot)
        o = attention(q, k, v, D ** -0.5)
        attn = merge(o) @ W[p + "attention.dense.weight"].T + W[p + "attention.dense.bias"]

        def mlp(y):
            y = y @ W[p + "mlp.dense_h_to_4h.weight"].T + W[p + "mlp.dense_h_to_4h.bias"]
            y = gelu_erf(y)
            return y @ W[p + "mlp.dense_4h_to_h.weight"].T + W[p + "mlp.dense_4h_to_h.bias"]

        ln2 = lambda y: layer_norm(
            y, W[p + "post_attention_layernorm.weight"], W[p + "post_attention_layernorm.bias"], eps
        )
        if cfg["use_parallel_residual"] and not mut.get("neox_sequential"):
            h = h + attn + mlp(ln2(h))
        else:
            h = h + attn
            h = h + mlp(ln2(h))
    h = layer_norm(h, W[P + "final_layer_norm.weight"], W[P + "final_layer_norm.bias"], eps)
    return h @ W["embed_out.weight"].T  # checkpoint name is embed_out (module is lm_head)


def forward(family, cfg, W, ids, mut=None):
    mut = mut or {}
    W = {k: v.astype(np.float64) for k, v in W.items()}
    if family == "gpt2":
        return forward_gpt2(cfg, W, ids, mut)
    if family == "gpt_neox":
        return forward_gpt_neox(cfg, W, ids, mut)
    return forward_llama_like(cfg, W, ids, mut, family)


MUTATIONS = {
    "gpt2": ["gpt2_exact_gelu", "conv1d_transposed"],
    "llama": ["rope_interleaved"],
    "qwen2": ["rope_interleaved"],
    "gpt_neox": ["neox_blocked_qkv", "neox_full_rotary", "neox_sequential"],
    "mistral": ["window_inclusive", "no_window"],
    "gemma2": [
        "window_inclusive",
        "no_window",
        "gemma_odd_sliding",
        "gemma_plain_rmsnorm",
        "gemma_no_embed_scale",
        "gemma_no_attn_softcap",
        "gemma_no_final_softcap",
    ],
}

ATOL = 1e-4  # float64 numpy vs float32 torch; observed errors are <= ~1.5e-5
CAUGHT = 5 * ATOL  # a mutation "is caught" if it moves some logit by more than this


def recompute(family, cfg, W, ids, logits, greedy, mutations):
    W = {k: v for k, (dt, v) in W.items()}
    ok = True
    ref = np.stack([forward(family, cfg, W, row) for row in ids])
    err = float(np.abs(ref - logits).max())
    good = err < ATOL
    ok &= good
    print(f"  recompute logits: max|numpy - golden| = {err:.2e} {'OK' if good else 'MISMATCH'}")
    seqs = []
    gap = np.inf  # smallest top-1 minus top-2 logit over all greedy steps
    for row in ids:
        seq = list(row)
        for _ in range(greedy.shape[1] - ids.shape[1]):
            last = forward(family, cfg, W, np.array(seq))[-1]
            top2 = np.sort(last)[-2:]
            gap = min(gap, float(top2[1] - top2[0]))
            seq.append(int(np.argmax(last)))
        seqs.append(seq)
    gsame = bool((np.array(seqs) == greedy).all())
    ok &= gsame
    print(
        f"  recompute greedy: {'OK' if gsame else 'MISMATCH'} {np.array(seqs)[:, ids.shape[1]:].tolist()}"
        f" (min top1-top2 margin {gap:.4f})"
    )
    if mutations:
        for m in MUTATIONS.get(family, []):
            if m == "no_window":
                c2 = dict(cfg, sliding_window=None)
                if family == "gemma2":
                    c2["sliding_window"] = 10 ** 9
                alt = np.stack([forward(family, c2, W, row) for row in ids])
            else:
                alt = np.stack([forward(family, cfg, W, row, {m: True}) for row in ids])
            d = float(np.abs(alt - logits).max())
            caught = d > CAUGHT
            ok &= caught
            print(f"  mutation {m:24s} max|diff| = {d:.3e} {'caught' if caught else 'NOT CAUGHT'}")
    return ok


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--")}
    unknown = flags - {"--recompute", "--mutations"}
    if unknown:
        raise SystemExit(f"unknown flags: {sorted(unknown)}")
    fams = args or [f for f in FAMILIES if os.path.isdir(os.path.join(HERE, f))]
    all_ok = True
    for fam in fams:
        cfg, meta, W, ids, logits, greedy = load(fam)
        print(f"== {fam}: {cfg.get('architectures')} (transformers {cfg.get('transformers_version')})")
        keys = ["vocab_size", "hidden_size", "n_embd", "num_hidden_layers", "n_layer",
                "num_attention_heads", "n_head", "num_key_value_heads", "head_dim",
                "tie_word_embeddings", "sliding_window", "layer_types", "rope_parameters"]
        print("  config: " + ", ".join(f"{k}={cfg[k]}" for k in keys if k in cfg))
        print(f"  safetensors metadata: {meta}")
        for name in sorted(W):
            dt, a = W[name]
            print(f"  {name:55s} {dt:4s} {list(a.shape)}")
        for n, a in (("input_ids", ids), ("logits", logits), ("greedy", greedy)):
            print(f"  {n + '.npy':15s} {str(a.dtype):8s} {list(a.shape)}")
        vocab = cfg["vocab_size"]
        assert ids.dtype == np.int64 and greedy.dtype == np.int64 and logits.dtype == np.float32
        assert logits.shape == ids.shape + (vocab,)
        assert greedy.shape[0] == ids.shape[0] and (greedy[:, : ids.shape[1]] == ids).all()
        if "--recompute" in flags or "--mutations" in flags:
            all_ok &= recompute(fam, cfg, W, ids, logits, greedy, "--mutations" in flags)
    if not all_ok:
        print("FAILED")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
