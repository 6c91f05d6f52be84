#!/usr/bin/env python3
"""Compares a model's cuda runs with its cpu run (run_gpu_checks.sh).

compare_twin.py DIR NAME: DIR holds NAME.{cpu,f32,bf16}.logits.npy and
NAME.{cpu,f32,bf16}.ids.npy written by `olmrt run --logits-out
--output-ids` (the same weights and prompt). Prints one line per dtype;
exit status 1 when a check fails: logits within 1e-4 (f32) or 3e-2 (bf16)
relative, greedy ids identical in f32.
"""
import sys

import numpy as np

d, name = sys.argv[1], sys.argv[2]
ref = np.load(f"{d}/{name}.cpu.logits.npy").astype(np.float64)
ref_ids = np.load(f"{d}/{name}.cpu.ids.npy")
failed = 0
for dtype, limit in (("f32", 1e-4), ("bf16", 3e-2)):
    try:
        out = np.load(f"{d}/{name}.{dtype}.logits.npy").astype(np.float64)
        ids = np.load(f"{d}/{name}.{dtype}.ids.npy")
    except OSError as e:
        print(f"{name} {dtype}: missing output ({e})")
        failed += 1
        continue
    rel = np.linalg.norm(out - ref) / np.linalg.norm(ref)
    same = ids.shape == ref_ids.shape and bool((ids == ref_ids).all())
    match = (ids == ref_ids).mean() if ids.shape == ref_ids.shape else 0.0
    ok = np.isfinite(rel) and rel <= limit and (same or dtype != "f32")
    failed += not ok
    print(f"{name} {dtype:5s} logits rel {rel:.3e} (<= {limit:.0e}), greedy ids "
          f"{'identical' if same else f'{match:.0%} equal'} {'ok' if ok else 'FAIL'}")
sys.exit(1 if failed else 0)
