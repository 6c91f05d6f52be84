#!/usr/bin/env python3
"""Compares the twin model's cuda runs with its cpu run (run_gpu_checks.sh).

compare_twin.py DIR: DIR holds logits_{cpu,f32,bf16}.npy and
ids_{cpu,f32,bf16}.npy written by `olmrt run --logits-out --output-ids`.
Prints one line per dtype; exit status 1 when a check fails.
"""
import sys

import numpy as np

d = sys.argv[1]
ref = np.load(f"{d}/logits_cpu.npy").astype(np.float64)
ref_ids = np.load(f"{d}/ids_cpu.npy")
failed = 0
for dtype, limit in (("f32", 1e-4), ("bf16", 3e-2)):
    try:
        out = np.load(f"{d}/logits_{dtype}.npy").astype(np.float64)
        ids = np.load(f"{d}/ids_{dtype}.npy")
    except OSError as e:
        print(f"twin {dtype}: missing output ({e})")
        failed += 1
        continue
    rel = np.linalg.norm(out - ref) / np.linalg.norm(ref)
    same = ids.shape == ref_ids.shape and bool((ids == ref_ids).all())
    match = (ids == ref_ids).mean() if ids.shape == ref_ids.shape else 0.0
    ok = np.isfinite(rel) and rel <= limit and (same or dtype != "f32")
    failed += not ok
    print(f"twin {dtype:5s} logits rel {rel:.3e} (<= {limit:.0e}), greedy ids "
          f"{'identical' if same else f'{match:.0%} equal'} {'ok' if ok else 'FAIL'}")
sys.exit(1 if failed else 0)
