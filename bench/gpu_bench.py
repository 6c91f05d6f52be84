#!/usr/bin/env python3
"""olmc on the GPU beside transformers eager and transformers + torch.compile,
in one run on one card, bf16, random weights, the same shapes:

  prefill 1x512 and 8x512 (logits for every position: the same work as a
  transformers forward), batch-1 decode (128-token prompt, 128 new tokens,
  greedy, no EOS), for the GPT-2 124M, Llama-3.2-1B and Qwen2.5-0.5B shapes.

olmc's side is `olmrt bench --random-weights --json` on artifacts compiled
by tests/gpu/prepare.sh DIR (DIR/bench/<model>.bf16.olmx, --max-seq 640
--max-batch 8): prefill timed with CUDA events, decode as replays of the
captured decode graph with the argmax on the device.

transformers' side builds each model from its config on the GPU in bf16:
  eager    prefill: model(ids) timed with CUDA events (median of 10 after 3
           warm-ups); decode: model.generate(max_new_tokens=N,
           min_new_tokens=N) for N = 128 and N = 1, tokens/s =
           127 / (t128 - t1) (the prompt's prefill cancels);
  compile  prefill: torch.compile(model) (default mode, static shapes) on
           the same ids; decode: generate() with cache_implementation=
           "static", which makes transformers compile the decoding forward
           itself (its default CompileConfig: fullgraph, "reduce-overhead",
           i.e. CUDA graphs), the same N = 128 / N = 1 difference.
Compilation is excluded (warm-up calls). Prints a markdown table last and
writes --json.

Usage (on the GPU machine):
  python3 bench/gpu_bench.py DIR [--models gpt2 llama qwen] [--json R.json]
                             [--no-compile]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import traceback

import torch
import transformers
from transformers import GPT2Config, LlamaConfig, Qwen2Config

MODELS = {
    "gpt2": ("GPT-2 124M", "gpt2",
             lambda: GPT2Config(vocab_size=50257, n_positions=1024, n_embd=768,
                                n_layer=12, n_head=12,
                                activation_function="gelu_new")),
    "llama": ("Llama-3.2-1B", "llama-3.2-1b",
              lambda: LlamaConfig(
                  vocab_size=128256, hidden_size=2048, intermediate_size=8192,
                  num_hidden_layers=16, num_attention_heads=32,
                  num_key_value_heads=8, head_dim=64,
                  max_position_embeddings=131072, rms_norm_eps=1e-5,
                  rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0,
                                   "factor": 32.0, "low_freq_factor": 1.0,
                                   "high_freq_factor": 4.0,
                                   "original_max_position_embeddings": 8192},
                  tie_word_embeddings=True, hidden_act="silu",
                  bos_token_id=128000, eos_token_id=128001)),
    "qwen": ("Qwen2.5-0.5B", "qwen2.5-0.5b",
             lambda: Qwen2Config(
                 vocab_size=151936, hidden_size=896, intermediate_size=4864,
                 num_hidden_layers=24, num_attention_heads=14,
                 num_key_value_heads=2, max_position_embeddings=32768,
                 rms_norm_eps=1e-6,
                 rope_parameters={"rope_type": "default",
                                  "rope_theta": 1000000.0},
                 tie_word_embeddings=True, use_sliding_window=False,
                 hidden_act="silu", bos_token_id=151643,
                 eos_token_id=151645)),
}
PREFILL_SHAPES = [(1, 512), (8, 512)]
PROMPT, NEW = 128, 128


def cuda_time_ms(fn, warmup=3, iters=10):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def wall_time_s(fn, iters=3):
    times = []
    for _ in range(iters):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def olmrt_bench(dir_, artifact, batch, prompt, gen):
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = ":".join([os.path.join(dir_, "lib"),
                                       "/usr/local/cuda/lib64",
                                       env.get("LD_LIBRARY_PATH", "")])
    cmd = [os.path.join(dir_, "bin", "olmrt"), "bench", artifact,
           "--random-weights", "--batch", str(batch), "--prompt-len",
           str(prompt), "--gen-len", str(gen), "--iters", "5", "--json"]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True,
                       timeout=600)
    if r.returncode != 0:
        raise RuntimeError(" ".join(cmd) + ": " + (r.stderr or r.stdout)[-800:])
    return json.loads(r.stdout)


def stage(res, name, log, fn):
    """Runs one measurement; a failure is recorded and the others go on."""
    try:
        fn()
    except Exception as e:
        res[name + "_error"] = f"{type(e).__name__}: {str(e)[-600:]}"
        log(f"  {name} failed: {res[name + '_error']}")


def hf_side(cfg, compile_too, log, res):
    with torch.device("cuda"):
        model = transformers.AutoModelForCausalLM.from_config(
            cfg, dtype=torch.bfloat16, attn_implementation="sdpa")
    model.eval()
    model.generation_config.pad_token_id = 0
    gen = torch.Generator(device="cuda").manual_seed(0)

    def ids(b, t):
        return torch.randint(0, cfg.vocab_size, (b, t), device="cuda",
                             generator=gen)

    p = ids(1, PROMPT)

    def generate(n, **kw):
        return model.generate(p, max_new_tokens=n, min_new_tokens=n,
                              do_sample=False, **kw)

    def prefill(fn, b, t, key):
        x = ids(b, t)
        t0 = time.time()
        fn(x)  # compiles, for the compiled model
        torch.cuda.synchronize()
        res[key] = cuda_time_ms(lambda: fn(x))
        log(f"  {key}: {res[key]:.3f} ms (first call {time.time() - t0:.1f} s)")

    def decode(key, **kw):
        t0 = time.time()
        generate(NEW, **kw)
        generate(1, **kw)
        t_full = wall_time_s(lambda: generate(NEW, **kw), iters=2)
        t_one = wall_time_s(lambda: generate(1, **kw), iters=2)
        res[key] = (NEW - 1) / (t_full - t_one)
        log(f"  {key}: {res[key]:.1f} tok/s ({time.time() - t0:.0f} s)")

    with torch.inference_mode():
        for b, t in PREFILL_SHAPES:
            stage(res, f"eager_prefill_{b}x{t}_ms", log,
                  lambda: prefill(lambda x: model(input_ids=x,
                                                  use_cache=False).logits,
                                  b, t, f"eager_prefill_{b}x{t}_ms"))
        stage(res, "eager_decode_tok_s", log,
              lambda: decode("eager_decode_tok_s"))
        if compile_too:
            compiled = torch.compile(model, dynamic=False)
            for b, t in PREFILL_SHAPES:
                stage(res, f"compile_prefill_{b}x{t}_ms", log,
                      lambda: prefill(lambda x: compiled(
                          input_ids=x, use_cache=False).logits, b, t,
                          f"compile_prefill_{b}x{t}_ms"))
            stage(res, "compile_decode_tok_s", log,
                  lambda: decode("compile_decode_tok_s",
                                 cache_implementation="static"))
    del model
    torch.cuda.empty_cache()
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--json")
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--no-olmc", action="store_true",
                    help="transformers only (olmc's side from another run)")
    args = ap.parse_args()

    def log(msg):
        print(msg, flush=True)

    card = torch.cuda.get_device_name(0)
    log(f"card: {card}; torch {torch.__version__}; transformers "
        f"{transformers.__version__}")
    results = {"card": card, "torch": torch.__version__,
               "transformers": transformers.__version__, "models": {}}
    for key in args.models:
        title, artifact_name, make_cfg = MODELS[key]
        log(f"== {title}")
        row = {}
        artifact = os.path.join(args.dir, "bench", artifact_name + ".bf16.olmx")
        try:
            if args.no_olmc:
                raise RuntimeError("skipped (--no-olmc)")
            for b, t in PREFILL_SHAPES:
                j = olmrt_bench(args.dir, artifact, b, t, 1)
                row[f"olmc_prefill_{b}x{t}_ms"] = j["prefill_ms"]
                log(f"  olmc prefill {b}x{t}: {j['prefill_ms']:.3f} ms")
            j = olmrt_bench(args.dir, artifact, 1, PROMPT, NEW)
            row["olmc_decode_tok_s"] = j["decode_tokens_per_s"]
            row["olmc_kernels_per_step"] = j["decode_kernel_calls_per_step"]
            log(f"  olmc decode: {j['decode_tokens_per_s']:.1f} tok/s, "
                f"{j['decode_kernel_calls_per_step']} kernels per step")
        except Exception as e:
            row["olmc_error"] = str(e)[-800:]
            log("  olmc failed: " + row["olmc_error"])
        try:
            hf_side(make_cfg(), not args.no_compile, log, row)
        except Exception:
            row["hf_error"] = traceback.format_exc()[-1500:]
            log("  transformers failed: " + row["hf_error"])
        results["models"][key] = row
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)

    def cell(row, k, fmt):
        return fmt.format(row[k]) if k in row else "—"

    print(f"\n### {card}, bf16, random weights\n")
    print("| model | metric | olmc | transformers eager | transformers + "
          "torch.compile |")
    print("|---|---|---|---|---|")
    for key in args.models:
        title = MODELS[key][0]
        row = results["models"][key]
        for b, t in PREFILL_SHAPES:
            m = f"prefill_{b}x{t}_ms"
            print(f"| {title} | prefill {b}x{t} (ms) | "
                  f"{cell(row, 'olmc_' + m, '{:.2f}')} | "
                  f"{cell(row, 'eager_' + m, '{:.2f}')} | "
                  f"{cell(row, 'compile_' + m, '{:.2f}')} |")
        print(f"| {title} | decode b=1 (tok/s) | "
              f"{cell(row, 'olmc_decode_tok_s', '{:.0f}')} | "
              f"{cell(row, 'eager_decode_tok_s', '{:.0f}')} | "
              f"{cell(row, 'compile_decode_tok_s', '{:.0f}')} |")
    if any("olmc_kernels_per_step" in r for r in results["models"].values()):
        print("\nolmc kernels per decode step: " + ", ".join(
            f"{MODELS[k][0]} {r['olmc_kernels_per_step']}"
            for k, r in results["models"].items()
            if "olmc_kernels_per_step" in r))


if __name__ == "__main__":
    main()
