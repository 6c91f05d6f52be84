#!/usr/bin/env python3
"""End-to-end check of olmc against transformers' outputs in tests/golden.

For every family: `olmc import-hf config.json` -> `olmc compile --target cpu
--dtype f32` -> `olmc run` on the unmodified checkpoint, then
  * prefill logits within --rtol (||out - ref|| / ||ref||) of transformers',
  * greedy continuation identical to transformers' (pure argmax),
  * logits produced step by step through the KV cache equal a full-sequence
    prefill of the same tokens within --decode-rtol.
Prints one line per family and exits non-zero on any failure.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

FAMILIES = ["gpt2", "llama", "qwen2", "gpt_neox", "mistral", "gemma2"]


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd),
                                                    proc.returncode,
                                                    proc.stderr.strip()))
    return proc.stdout


def rel(a, b):
    return float(np.linalg.norm(a.astype(np.float64) - b) /
                 np.linalg.norm(b.astype(np.float64)))


def check(family, args):
    src = os.path.join(args.golden, family)
    work = os.path.join(args.work, family)
    os.makedirs(work, exist_ok=True)
    yaml = os.path.join(work, "model.yaml")
    art = os.path.join(work, "model.olmx")
    weights = os.path.join(src, "model.safetensors")
    ids_path = os.path.join(src, "input_ids.npy")
    ref_logits = np.load(os.path.join(src, "logits.npy"))
    ref_greedy = np.load(os.path.join(src, "greedy.npy"))
    ids = np.load(ids_path)
    new = ref_greedy.shape[1] - ids.shape[1]

    run([args.olmc, "import-hf", os.path.join(src, "config.json"), "-o", yaml])
    run([args.olmc, "compile", yaml, "--target", "cpu", "--dtype", "f32",
         "--max-seq", "32", "--max-batch", str(ids.shape[0]), "-o", art])

    logits = os.path.join(work, "logits.npy")
    run([args.olmc, "run", art, "--weights", weights, "--input-ids", ids_path,
         "--logits-out", logits])
    e_prefill = rel(np.load(logits), ref_logits)

    out_ids = os.path.join(work, "greedy.npy")
    step_logits = os.path.join(work, "step_logits.npy")
    run([args.olmc, "run", art, "--weights", weights, "--input-ids", ids_path,
         "--max-new-tokens", str(new), "--output-ids", out_ids,
         "--logits-out", step_logits])
    greedy = np.load(out_ids)
    same = greedy.shape == ref_greedy.shape and (greedy == ref_greedy).all()

    # Full-sequence prefill of the generated tokens (all but the last) must
    # equal the cached step-by-step logits at the same positions.
    full_ids = os.path.join(work, "full_ids.npy")
    np.save(full_ids, greedy[:, :-1].astype(np.int64))
    full = os.path.join(work, "full_logits.npy")
    run([args.olmc, "run", art, "--weights", weights, "--input-ids", full_ids,
         "--logits-out", full])
    e_decode = rel(np.load(step_logits), np.load(full))

    ok = e_prefill <= args.rtol and same and e_decode <= args.decode_rtol
    print("%-9s prefill rel %.2e (<= %.0e)  greedy %s  decode-vs-prefill rel "
          "%.2e (<= %.0e)  %s" % (family, e_prefill, args.rtol,
                                  "identical" if same else "DIFFERENT",
                                  e_decode, args.decode_rtol,
                                  "ok" if ok else "FAIL"))
    if not same:
        print("  olmc:         %s\n  transformers: %s" % (greedy.tolist(),
                                                          ref_greedy.tolist()))
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--olmc", default="olmc")
    ap.add_argument("--golden", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--decode-rtol", type=float, default=1e-5)
    ap.add_argument("families", nargs="*", default=FAMILIES)
    args = ap.parse_args()
    failures = 0
    for family in args.families:
        try:
            failures += not check(family, args)
        except RuntimeError as e:
            print("%-9s FAIL: %s" % (family, e))
            failures += 1
    print("%d passed, %d failed" % (len(args.families) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
