#!/usr/bin/env python3
"""Independent numpy references for configs/ and example models.

Each model below is written from the architecture (not from olmc's code):
its parameters (names and shapes as the YAML names them) and its forward
pass. `make` writes random weights (every tensor random, norms and biases
included) as safetensors plus input ids; `check` compares olmc's logits
with the reference.

  numpy_reference.py make MODEL DIR --seed S
  numpy_reference.py check MODEL DIR LOGITS.npy --rtol 1e-4
"""
import argparse
import json
import struct
import sys

import numpy as np


# ---------------------------------------------------------------- safetensors
def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + begin:8 + n + end],
                                  dtype="<f4").reshape(info["shape"])
    return out


# ----------------------------------------------------------------- components
def layer_norm(x, w, b, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def silu(x):
    return x / (1.0 + np.exp(-x))


def rope(x, theta, interleaved):
    """x: [B, T, H, D]; rotates pairs (2i, 2i+1) or (i, i + D/2)."""
    _, t, _, d = x.shape
    inv = 1.0 / theta ** (np.arange(0, d, 2) / d)
    ang = np.arange(t)[:, None] * inv[None, :]          # [T, D/2]
    cos, sin = np.cos(ang)[None, :, None, :], np.sin(ang)[None, :, None, :]
    if interleaved:
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * cos - b * sin
        out[..., 1::2] = b * cos + a * sin
        return out
    a, b = x[..., : d // 2], x[..., d // 2:]
    return np.concatenate([a * cos - b * sin, b * cos + a * sin], -1)


def attention(x, wq, bq, wk, bk, wv, bv, wo, bo, heads, kv_heads, theta,
              interleaved):
    bsz, t, _ = x.shape
    hd = wq.shape[0] // heads
    q = (x @ wq.T + bq).reshape(bsz, t, heads, hd)
    k = (x @ wk.T + bk).reshape(bsz, t, kv_heads, hd)
    v = (x @ wv.T + bv).reshape(bsz, t, kv_heads, hd)
    q, k = rope(q, theta, interleaved), rope(k, theta, interleaved)
    rep = heads // kv_heads
    k, v = np.repeat(k, rep, axis=2), np.repeat(v, rep, axis=2)
    s = np.einsum("bqhd,bkhd->bhqk", q, k) / np.sqrt(hd)
    s = s + np.triu(np.full((t, t), -np.inf), 1)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    o = np.einsum("bhqk,bkhd->bqhd", p, v).reshape(bsz, t, heads * hd)
    return o @ wo.T + bo


def swiglu(x, wg, bg, wu, bu, wd, bd):
    return (silu(x @ wg.T + bg) * (x @ wu.T + bu)) @ wd.T + bd


# --------------------------------------------------------------------- models
class TinyWideMLP:
    """configs/tiny-wide-mlp.yaml: embedding; sum of a LayerNorm+SwiGLU
    branch and 2 pre-norm blocks (LayerNorm, MHA with interleaved RoPE and
    biases; LayerNorm, SwiGLU with biases); LayerNorm head."""
    d, heads, hidden, vocab, layers = 64, 4, 160, 256, 2

    def params(self):
        d, h, v = self.d, self.hidden, self.vocab
        p = {"embed.weight": (v, d), "head.norm.weight": (d,),
             "head.norm.bias": (d,), "head.weight": (v, d)}

        def ffn(prefix):
            p.update({prefix + "gate_proj.weight": (h, d),
                      prefix + "gate_proj.bias": (h,),
                      prefix + "up_proj.weight": (h, d),
                      prefix + "up_proj.bias": (h,),
                      prefix + "down_proj.weight": (d, h),
                      prefix + "down_proj.bias": (d,)})

        p.update({"wide_mlp.norm.weight": (d,), "wide_mlp.norm.bias": (d,)})
        ffn("wide_mlp.ffn.")
        for i in range(self.layers):
            t = "trunk.%d." % i
            for n in ("attn_norm", "ffn_norm"):
                p[t + n + ".weight"] = (d,)
                p[t + n + ".bias"] = (d,)
            for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
                p[t + "attn." + n + ".weight"] = (d, d)
                p[t + "attn." + n + ".bias"] = (d,)
            ffn(t + "ffn.")
        return p

    def forward(self, w, ids):
        x = w["embed.weight"][ids]
        wide = swiglu(layer_norm(x, w["wide_mlp.norm.weight"],
                                 w["wide_mlp.norm.bias"]),
                      *[w["wide_mlp.ffn." + n] for n in FFN_NAMES])
        y = x
        for i in range(self.layers):
            t = "trunk.%d." % i
            a = layer_norm(y, w[t + "attn_norm.weight"],
                           w[t + "attn_norm.bias"])
            y = y + attention(a, *[w[t + "attn." + n] for n in ATTN_NAMES],
                              self.heads, self.heads, 10000.0, True)
            f = layer_norm(y, w[t + "ffn_norm.weight"], w[t + "ffn_norm.bias"])
            y = y + swiglu(f, *[w[t + "ffn." + n] for n in FFN_NAMES])
        z = layer_norm(wide + y, w["head.norm.weight"], w["head.norm.bias"])
        return z @ w["head.weight"].T


class TinyLlama:
    """configs/tiny-llama.yaml: RMSNorm, GQA (4 query, 2 kv heads) with
    half-split RoPE, SwiGLU, untied head."""
    d, heads, kv_heads, hidden, vocab, layers = 64, 4, 2, 128, 256, 2

    def params(self):
        d, h, v, kv = self.d, self.hidden, self.vocab, self.d // 2
        p = {"model.embed_tokens.weight": (v, d), "model.norm.weight": (d,),
             "lm_head.weight": (v, d)}
        for i in range(self.layers):
            t = "model.layers.%d." % i
            p.update({t + "input_layernorm.weight": (d,),
                      t + "post_attention_layernorm.weight": (d,),
                      t + "self_attn.q_proj.weight": (d, d),
                      t + "self_attn.k_proj.weight": (kv, d),
                      t + "self_attn.v_proj.weight": (kv, d),
                      t + "self_attn.o_proj.weight": (d, d),
                      t + "mlp.gate_proj.weight": (h, d),
                      t + "mlp.up_proj.weight": (h, d),
                      t + "mlp.down_proj.weight": (d, h)})
        return p

    def forward(self, w, ids):
        x = w["model.embed_tokens.weight"][ids]
        zero = np.zeros(1)
        for i in range(self.layers):
            t = "model.layers.%d." % i
            a = rms_norm(x, w[t + "input_layernorm.weight"], 1e-5)
            s = t + "self_attn."
            x = x + attention(a, w[s + "q_proj.weight"], zero,
                              w[s + "k_proj.weight"], zero,
                              w[s + "v_proj.weight"], zero,
                              w[s + "o_proj.weight"], zero,
                              self.heads, self.kv_heads, 10000.0, False)
            f = rms_norm(x, w[t + "post_attention_layernorm.weight"], 1e-5)
            m = t + "mlp."
            x = x + swiglu(f, w[m + "gate_proj.weight"], zero,
                           w[m + "up_proj.weight"], zero,
                           w[m + "down_proj.weight"], zero)
        z = rms_norm(x, w["model.norm.weight"], 1e-5)
        return z @ w["lm_head.weight"].T


class CustomCombinators:
    """examples/combinators/custom-model.yaml: blocks whose residuals are a
    gated residual (x + sigmoid(g) * f(x)) and a per-channel scaled residual
    (x + s * f(x)), then a softmax-weighted mix of three branches."""
    d, heads, hidden, vocab, layers = 32, 4, 64, 64, 2

    def params(self):
        d, h, v = self.d, self.hidden, self.vocab
        p = {"embed.weight": (v, d), "mix.logits": (3,), "mix.a.weight": (d, d),
             "mix.b.weight": (d, d), "mix.bn.weight": (d,),
             "mix.c.weight": (d,), "mix.c.bias": (d,),
             "head.norm.weight": (d,), "head.weight": (v, d)}
        for i in range(self.layers):
            a, m = "blocks.%d.attn_block." % i, "blocks.%d.mlp_block." % i
            p.update({a + "gate": (1,), a + "norm.weight": (d,),
                      m + "scale": (d,), m + "norm.weight": (d,),
                      m + "mlp.gate_proj.weight": (h, d),
                      m + "mlp.up_proj.weight": (h, d),
                      m + "mlp.down_proj.weight": (d, h)})
            for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
                p[a + "attn." + n + ".weight"] = (d, d)
        return p

    def forward(self, w, ids):
        x = w["embed.weight"][ids]
        zero = np.zeros(1)
        for i in range(self.layers):
            a, m = "blocks.%d.attn_block." % i, "blocks.%d.mlp_block." % i
            n = rms_norm(x, w[a + "norm.weight"], 1e-6)
            y = attention(n, w[a + "attn.q_proj.weight"], zero,
                          w[a + "attn.k_proj.weight"], zero,
                          w[a + "attn.v_proj.weight"], zero,
                          w[a + "attn.o_proj.weight"], zero,
                          self.heads, self.heads, 10000.0, False)
            x = x + 1.0 / (1.0 + np.exp(-w[a + "gate"][0])) * y
            n = rms_norm(x, w[m + "norm.weight"], 1e-6)
            y = swiglu(n, w[m + "mlp.gate_proj.weight"], zero,
                       w[m + "mlp.up_proj.weight"], zero,
                       w[m + "mlp.down_proj.weight"], zero)
            x = x + w[m + "scale"] * y
        branches = [x @ w["mix.a.weight"].T,
                    rms_norm(x @ w["mix.b.weight"].T, w["mix.bn.weight"], 1e-6),
                    layer_norm(x, w["mix.c.weight"], w["mix.c.bias"])]
        logits = w["mix.logits"]
        p = np.exp(logits - logits.max())
        p /= p.sum()
        x = sum(pi * b for pi, b in zip(p, branches))
        z = rms_norm(x, w["head.norm.weight"], 1e-5)
        return z @ w["head.weight"].T


class GatedPlugin:
    """examples/plugins/gated_residual/model.yaml: pre-norm blocks whose
    attention and MLP residuals are gres.gated_residual, the combinator of
    the example C++ dialect plugin: x + sigmoid(g) * f(x), g a learned
    scalar per residual."""
    d, heads, hidden, vocab, layers = 32, 4, 64, 64, 2

    def params(self):
        d, h, v = self.d, self.hidden, self.vocab
        p = {"embed.weight": (v, d), "head.norm.weight": (d,),
             "head.weight": (v, d)}
        for i in range(self.layers):
            a, m = "blocks.%d.attn_block." % i, "blocks.%d.mlp_block." % i
            p.update({a + "gate": (1,), a + "norm.weight": (d,),
                      m + "gate": (1,), m + "norm.weight": (d,),
                      m + "mlp.gate_proj.weight": (h, d),
                      m + "mlp.up_proj.weight": (h, d),
                      m + "mlp.down_proj.weight": (d, h)})
            for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
                p[a + "attn." + n + ".weight"] = (d, d)
        return p

    def forward(self, w, ids):
        def sigmoid(g):
            return 1.0 / (1.0 + np.exp(-g))

        x = w["embed.weight"][ids]
        zero = np.zeros(1)
        for i in range(self.layers):
            a, m = "blocks.%d.attn_block." % i, "blocks.%d.mlp_block." % i
            n = rms_norm(x, w[a + "norm.weight"], 1e-6)
            y = attention(n, w[a + "attn.q_proj.weight"], zero,
                          w[a + "attn.k_proj.weight"], zero,
                          w[a + "attn.v_proj.weight"], zero,
                          w[a + "attn.o_proj.weight"], zero,
                          self.heads, self.heads, 10000.0, False)
            x = x + sigmoid(w[a + "gate"][0]) * y
            n = rms_norm(x, w[m + "norm.weight"], 1e-6)
            y = swiglu(n, w[m + "mlp.gate_proj.weight"], zero,
                       w[m + "mlp.up_proj.weight"], zero,
                       w[m + "mlp.down_proj.weight"], zero)
            x = x + sigmoid(w[m + "gate"][0]) * y
        z = rms_norm(x, w["head.norm.weight"], 1e-5)
        return z @ w["head.weight"].T


FFN_NAMES = ["gate_proj.weight", "gate_proj.bias", "up_proj.weight",
             "up_proj.bias", "down_proj.weight", "down_proj.bias"]
ATTN_NAMES = ["q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias",
              "v_proj.weight", "v_proj.bias", "out_proj.weight",
              "out_proj.bias"]
MODELS = {"tiny-wide-mlp": TinyWideMLP, "tiny-llama": TinyLlama,
          "custom-combinators": CustomCombinators,
          "gated-plugin": GatedPlugin}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=["make", "check"])
    ap.add_argument("model", choices=sorted(MODELS))
    ap.add_argument("dir")
    ap.add_argument("logits", nargs="?")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rtol", type=float, default=1e-4)
    args = ap.parse_args()
    model = MODELS[args.model]()
    if args.action == "make":
        rng = np.random.default_rng(args.seed)
        tensors = {}
        for name, shape in model.params().items():
            scale = 0.3 if len(shape) == 2 else 0.1
            base = 1.0 if name.endswith("norm.weight") else 0.0
            if name.endswith((".gate", ".scale", ".logits")):
                scale = 1.0  # make the combinators' own parameters matter
            tensors[name] = (base + scale * rng.standard_normal(shape)
                             ).astype(np.float32)
        write_safetensors(args.dir + "/weights.safetensors", tensors)
        ids = rng.integers(0, model.vocab, size=(2, 11)).astype(np.int64)
        np.save(args.dir + "/ids.npy", ids)
        return 0
    w = {k: v.astype(np.float64)
         for k, v in read_safetensors(args.dir + "/weights.safetensors").items()}
    ids = np.load(args.dir + "/ids.npy")
    ref = model.forward(w, ids)
    out = np.load(args.logits).astype(np.float64)
    if out.shape != ref.shape:
        print("FAIL: logits shape %s, reference %s" % (out.shape, ref.shape))
        return 1
    rel = np.linalg.norm(out - ref) / np.linalg.norm(ref)
    print("%s: relative error %.3g (limit %.1g)" % (args.model, rel,
                                                     args.rtol))
    return 0 if rel <= args.rtol else 1


if __name__ == "__main__":
    sys.exit(main())
