#!/usr/bin/env python3
"""olmc's CUDA artifacts against transformers on the same GPU.

Run on a machine with a CUDA GPU, torch and transformers, after
tests/gpu/prepare.sh DIR on a machine with olmc (DIR travels; it holds
olmrt, libolmrt_cuda.so and the cuda artifacts of tests/gpu/configs/).
For every family, transformers builds the model from config.json with
random weights (seeded; re-initialised so the logits are far from uniform)
and saves it as an unmodified safetensors checkpoint; then:

  f32   olmrt's logits for a [2, 64] prompt vs transformers' f32 logits,
        TF32 off on both sides: ||out - ref|| / ||ref|| <= 1e-4; and 32
        greedy tokens (olmrt's KV-cached decode vs a transformers loop of
        full forwards, argmax, no EOS) identical;
  bf16  olmrt's bf16 artifact vs transformers' model cast to bf16:
        relative error <= 2e-2;
  f16   the same for the f16 artifact and the model cast to f16.

Usage: python3 tests/gpu/check_transformers.py DIR [--families gpt2 ...]
                                               [--work W] [--json R.json]
Exit status 1 when any check fails.
"""
import argparse
import copy
import json
import math
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import torch
from transformers import AutoConfig, AutoModelForCausalLM

FAMILIES = ["gpt2", "llama", "qwen2", "gpt_neox"]
BATCH, PROMPT, NEW = 2, 64, 32
F32_TOL, BF16_TOL = 1e-4, 2e-2


def reinit_(model, seed):
    """Linear weights N(0, 1/fan_in), embeddings N(0, 1), norm weights
    1 + N(0, 0.1), biases N(0, 0.1). Tied parameters are visited once."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    seen = set()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if id(p) in seen:
                continue
            seen.add(id(p))
            lname = name.lower()
            if p.dim() == 1:
                is_norm = "norm" in lname or ".ln" in lname or "ln_" in lname
                base = 1.0 if is_norm and name.endswith("weight") else 0.0
                v = base + 0.1 * torch.randn(p.shape, generator=g)
            elif "emb" in lname or "wte" in lname or "wpe" in lname:
                v = torch.randn(p.shape, generator=g)
            else:
                fan_in = p.shape[0] if "c_" in lname and "gpt2" in type(
                    model).__name__.lower() else p.shape[-1]
                v = torch.randn(p.shape, generator=g) / math.sqrt(fan_in)
            p.copy_(v.to(p.dtype))


def rel(out, ref):
    out = np.asarray(out, np.float64)
    ref = np.asarray(ref, np.float64)
    if out.shape != ref.shape:
        return float("inf")
    if not np.all(np.isfinite(out)):
        return float("nan")
    return float(np.linalg.norm(out - ref) / np.linalg.norm(ref))


def olmrt(dir_, *args):
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = ":".join(
        [os.path.join(dir_, "lib"), "/usr/local/cuda/lib64",
         env.get("LD_LIBRARY_PATH", "")])
    cmd = [os.path.join(dir_, "bin", "olmrt")] + list(args)
    t0 = time.time()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(" ".join(cmd) + " failed:\n" + r.stdout + r.stderr)
    return time.time() - t0


def greedy_reference(model, ids, n):
    seq = ids
    with torch.no_grad():
        for _ in range(n):
            logits = model(input_ids=seq, use_cache=False).logits
            nxt = logits[:, -1, :].argmax(-1, keepdim=True)
            seq = torch.cat([seq, nxt], dim=1)
    return seq


def check_family(dir_, family, work, seed):
    models = os.path.join(dir_, "models")
    cdir = os.path.join(work, family)
    os.makedirs(cdir, exist_ok=True)
    shutil.copy(os.path.join(models, family + ".config.json"),
                os.path.join(cdir, "config.json"))
    config = AutoConfig.from_pretrained(cdir)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(
        config, attn_implementation="eager", dtype=torch.float32)
    reinit_(model, seed)
    model = model.cuda().eval()
    model.save_pretrained(cdir, safe_serialization=True)
    weights = os.path.join(cdir, "model.safetensors")

    g = torch.Generator(device="cpu").manual_seed(seed + 1)
    ids = torch.randint(0, config.vocab_size, (BATCH, PROMPT), generator=g)
    ids_path = os.path.join(cdir, "ids.npy")
    np.save(ids_path, ids.numpy().astype(np.int64))
    ids_cuda = ids.cuda()
    with torch.no_grad():
        ref = model(input_ids=ids_cuda, use_cache=False).logits.float()
    ref_greedy = greedy_reference(model, ids_cuda, NEW).cpu().numpy()

    row = {"family": family}
    f32 = os.path.join(models, family + ".f32.olmx")
    logits_path = os.path.join(cdir, "f32.logits.npy")
    olmrt(dir_, "run", f32, "--weights", weights, "--input-ids", ids_path,
          "--logits-out", logits_path)
    row["f32_rel"] = rel(np.load(logits_path), ref.cpu().numpy())
    out_path = os.path.join(cdir, "f32.greedy.npy")
    olmrt(dir_, "run", f32, "--weights", weights, "--input-ids", ids_path,
          "--max-new-tokens", str(NEW), "--output-ids", out_path)
    got = np.load(out_path)
    row["greedy_same"] = bool(got.shape == ref_greedy.shape and
                              np.array_equal(got, ref_greedy))
    if not row["greedy_same"] and got.shape == ref_greedy.shape:
        diff = np.argwhere(got != ref_greedy)
        row["greedy_first_diff"] = diff[0].tolist()

    f32_ref = ref.cpu().numpy()
    for name, dtype in (("bf16", torch.bfloat16), ("f16", torch.float16)):
        # A copy cast from the f32 model, as olmrt casts the f32 checkpoint.
        low = copy.deepcopy(model).to(dtype)
        with torch.no_grad():
            ref_low = low(input_ids=ids_cuda,
                          use_cache=False).logits.float().cpu().numpy()
        del low
        artifact = os.path.join(models, f"{family}.{name}.olmx")
        logits_path = os.path.join(cdir, f"{name}.logits.npy")
        olmrt(dir_, "run", artifact, "--weights", weights, "--input-ids",
              ids_path, "--logits-out", logits_path)
        out = np.load(logits_path)
        row[f"{name}_rel"] = rel(out, ref_low)
        row[f"{name}_vs_f32_ref"] = rel(out, f32_ref)
        row[f"hf_{name}_vs_f32_ref"] = rel(ref_low, f32_ref)
    row["ok"] = (row["f32_rel"] <= F32_TOL and row["greedy_same"] and
                 row["bf16_rel"] <= BF16_TOL and row["f16_rel"] <= BF16_TOL)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--families", nargs="*", default=FAMILIES)
    ap.add_argument("--work", default="/tmp/olmc-gpu-check")
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    os.makedirs(args.work, exist_ok=True)
    print("device:", torch.cuda.get_device_name(0), "| torch", torch.__version__,
          "| transformers", __import__("transformers").__version__)
    rows = []
    for i, family in enumerate(args.families):
        try:
            rows.append(check_family(args.dir, family, args.work, 1234 + i))
        except Exception as e:  # report and go on with the next family
            rows.append({"family": family, "ok": False, "error": str(e)[-2000:]})
    print()
    print("| family | f32 rel err (<= 1e-4) | greedy 32 identical | "
          "bf16 rel err (<= 2e-2) | HF bf16 vs HF f32 | "
          "f16 rel err (<= 2e-2) | HF f16 vs HF f32 | ok |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['family']} | error: {r['error'][-300:]!r} | | | | no |")
            continue
        print(f"| {r['family']} | {r['f32_rel']:.3g} | {r['greedy_same']} | "
              f"{r['bf16_rel']:.3g} | {r['hf_bf16_vs_f32_ref']:.3g} | "
              f"{r['f16_rel']:.3g} | {r['hf_f16_vs_f32_ref']:.3g} | "
              f"{'yes' if r['ok'] else 'NO'} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    sys.exit(0 if all(r["ok"] for r in rows) else 1)


if __name__ == "__main__":
    main()
