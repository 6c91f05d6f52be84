#!/usr/bin/env python3
"""GPT-2 124M f32 on the CPU: olmc beside PyTorch eager, in one run.

  python3 bench/cpu_bench.py [--build-dir build] [--rounds 3] [--threads N]
                             [--one-thread-too] [--json-out R.json]

What it does, all from this one process (olmc's side through its tools):
  1. olmc compile configs/gpt2.yaml --max-seq 256 (batch 1, f32); the
     weights are olmrt bench's --random-weights (normal(0.02) matrices,
     zero biases, unit norms: GPT-2's own initialisation);
  2. the transformers model: GPT2LMHeadModel(GPT2Config()) with the 124M
     shapes, random init, float32, eval, torch.inference_mode, eager mode
     (no torch.compile), transformers' default attention (sdpa; --torch-attn
     eager for the reference implementation), tied head as in GPT-2;
  3. --rounds rounds, each:
       - the ceilings: memory bandwidth (bench/membw.c, 1..N threads) and
         the GEMM rate (OpenBLAS sgemm -- the very library olmrt loads, in a
         subprocess -- and torch's addmm, on a 2048^3 product and on each
         matmul shape of the 1x128 prefill);
       - olmc (`olmrt bench --json`: prefill 1x128 timed alone; then 128
         greedy decode steps after the 128-token prompt) and PyTorch on the
         same shapes (a manual greedy loop over the KV cache), in an order
         that alternates between rounds;
     N threads on both sides: OPENBLAS_NUM_THREADS=N for olmrt,
     torch.set_num_threads(N) for PyTorch (--threads, default all cores);
  4. one more olmrt run with OLMRT_KERNEL_TIMING=1 (per-kernel times) and a
     torch.profiler view of PyTorch's prefill and decode, to explain gaps.
Prints markdown: the table (medians over the rounds of each round's median
over --iters timed iterations), every round's numbers with the load average
around it, the model's arithmetic, the predictions from the ceilings, the
kernel breakdowns, the machine, the versions and the exact command.
--one-thread-too adds, each round, both sides again on one thread.
"""

import argparse
import ctypes
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# GPT-2 124M.
VOCAB, D, LAYERS, HEADS, FFN, NPOS = 50257, 768, 12, 12, 3072, 1024
MAX_SEQ = 256  # compiled --max-seq: the 128-token prompt + 128 steps
ENV_KEYS = ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS", "OLMRT_KERNEL_TIMING", "GOMP_SPINCOUNT",
            "OMP_WAIT_POLICY")

# The matmuls of one 1xT prefill as (name, M, N, K, count): y[M,N] = x[M,K]
# times a [K,N] weight, count of them per forward. The head is tied to wte.
def prefill_gemms(t):
    return [("qkv", t, 3 * D, D, LAYERS), ("attn out", t, D, D, LAYERS),
            ("mlp up", t, FFN, D, LAYERS), ("mlp down", t, D, FFN, LAYERS),
            ("head", t, VOCAB, D, 1)]


SQUARE = 2048  # the "peak" GEMM probe: a 2048^3 product


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run(cmd, env=None):
    p = subprocess.run(cmd, text=True, capture_output=True, env=env)
    if p.returncode:
        sys.exit(f"cpu_bench: {shlex.join(cmd)} failed ({p.returncode}):\n"
                 f"{p.stderr}")
    return p.stdout


def best_seconds(fn, min_seconds=0.3, min_reps=3):
    """Best wall time of fn() over >= min_reps calls and >= min_seconds,
    after one untimed call (the ceiling: least disturbed by other load)."""
    fn()
    best, total, reps = float("inf"), 0.0, 0
    while reps < min_reps or total < min_seconds:
        t0 = time.perf_counter()
        fn()
        s = time.perf_counter() - t0
        best, total, reps = min(best, s), total + s, reps + 1
    return best


# ---------------------------------------------------------------- machine --

def machine():
    info = {"cores": os.cpu_count()}
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "model name" and "model" not in info:
                info["model"] = value
            elif key == "flags" and "avx512f" not in info:
                flags = value.split()
                info["avx512f"] = "avx512f" in flags
                info["hypervisor"] = "hypervisor" in flags
            elif key in ("cpu family", "model", "stepping") and \
                    f"cpu {key}" not in info:
                info[f"cpu {key}"] = value
    try:
        for line in run(["lscpu"]).splitlines():
            key, _, value = line.partition(":")
            if key in ("Thread(s) per core", "Core(s) per socket",
                       "Socket(s)", "L2 cache", "L3 cache",
                       "Hypervisor vendor"):
                info[key] = value.strip()
    except (OSError, SystemExit):
        pass
    with open("/proc/meminfo") as f:
        info["mem_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    info["kernel"] = platform.release()
    return info


def openblas_path(olmrt):
    """The libopenblas that olmrt loads (ldd), for the sgemm probe."""
    for line in run(["ldd", olmrt]).splitlines():
        m = re.match(r"\s*(libopenblas\S*)\s+=>\s+(\S+)", line)
        if m:
            return m.group(2)
    sys.exit("cpu_bench: olmrt does not link a libopenblas (ldd)")


def git_describe():
    try:
        return run(["git", "-C", REPO, "describe", "--always",
                    "--dirty"]).strip()
    except (OSError, SystemExit):
        return "?"


def versions(blas_lib, blas_config):
    import numpy
    import torch
    import transformers
    v = {"python": platform.python_version(), "numpy": numpy.__version__,
         "torch": torch.__version__, "transformers": transformers.__version__}
    cfg = torch.__config__.show()
    m = re.search(r"Math Kernel Library Version ([^\s]+)", cfg)
    v["torch BLAS"] = "MKL " + m.group(1) if m else "?"
    m = re.search(r"CPU capability usage: (\w+)", cfg)
    v["torch CPU capability"] = m.group(1) if m else "?"
    m = re.search(r"^(OpenMP [^\n(]*|Native thread pool)",
                  torch.__config__.parallel_info(), re.M)
    v["torch parallel backend"] = m.group(1).strip() if m else "?"
    v["olmc BLAS"] = f"{blas_config} ({blas_lib})"
    try:
        pkg = run(["dpkg-query", "-S", os.path.realpath(blas_lib)])
        name = pkg.split(":")[0]
        v["olmc BLAS package"] = name + " " + run(
            ["dpkg-query", "-W", "-f=${Version}", name])
    except (OSError, SystemExit):
        pass
    try:
        v["cc"] = run(["cc", "--version"]).splitlines()[0]
    except (OSError, SystemExit):
        pass
    return v


# -------------------------------------------------------------- ceilings --

def build_membw(work):
    exe = os.path.join(work, "membw")
    run(["cc", "-O3", "-march=native", "-pthread",
         os.path.join(REPO, "bench", "membw.c"), "-o", exe])
    return exe


def bandwidth(exe, threads, mib, passes):
    """GB/s of bench/membw.c, 1..threads threads: read_Nt (a streaming sum,
    as batch-1 decode reads its weights) and copy_Nt, best and median pass."""
    return json.loads(run([exe, str(threads), str(mib), str(passes)]))


def probe_sgemm_main(lib_path, t):
    """Subprocess entry (--probe-sgemm): best seconds of cblas_sgemm from
    lib_path on the square and the prefill shapes, row-major, the weight
    [N,K] transposed as olmk_matmul passes it. Threads come from
    OPENBLAS_NUM_THREADS, as for olmrt."""
    import numpy as np
    lib = ctypes.CDLL(lib_path)
    lib.openblas_get_config.restype = ctypes.c_char_p
    lib.openblas_get_corename.restype = ctypes.c_char_p
    fp = ctypes.POINTER(ctypes.c_float)
    rng = np.random.default_rng(0)
    out = {"config": lib.openblas_get_config().decode(),
           "core": lib.openblas_get_corename().decode(),
           "threads": lib.openblas_get_num_threads(), "seconds": {}}
    shapes = [("square", SQUARE, SQUARE, SQUARE, 1)] + prefill_gemms(t)
    for name, m, n, k, _ in shapes:
        a = rng.standard_normal((m, k), dtype=np.float32)
        w = rng.standard_normal((n, k), dtype=np.float32)
        c = np.zeros((m, n), dtype=np.float32)
        args = (101, 111, 112, m, n, k, ctypes.c_float(1.0),
                a.ctypes.data_as(fp), k, w.ctypes.data_as(fp), k,
                ctypes.c_float(0.0), c.ctypes.data_as(fp), n)
        out["seconds"][name] = best_seconds(lambda: lib.cblas_sgemm(*args))
    print(json.dumps(out))


def sgemm_rates(blas_lib, threads, t):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    return json.loads(run([sys.executable, os.path.abspath(__file__),
                           "--probe-sgemm", blas_lib, "--prompt-len", str(t)],
                          env=env))


def torch_gemm_rates(threads, t):
    """Best seconds of torch.addmm (GPT-2's Conv1D: bias + x @ W[K,N]) on
    the same shapes; the head is F.linear on wte [V,K], as lm_head does."""
    import torch
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    out = {"threads": threads, "seconds": {}}
    with torch.inference_mode():
        for name, m, n, k, _ in [("square", SQUARE, SQUARE, SQUARE, 1)] + \
                prefill_gemms(t):
            x = torch.randn(m, k, generator=g)
            if name == "head":
                w = torch.randn(n, k, generator=g)
                fn = lambda: torch.nn.functional.linear(x, w)  # noqa: E731
            else:
                w, b = torch.randn(k, n, generator=g), torch.zeros(n)
                fn = lambda: torch.addmm(b, x, w)  # noqa: E731
            out["seconds"][name] = best_seconds(fn)
    return out


def gflops(probe, name, t):
    shapes = {s[0]: s for s in [("square", SQUARE, SQUARE, SQUARE, 1)]
              + prefill_gemms(t)}
    _, m, n, k, _ = shapes[name]
    return 2.0 * m * n * k / probe["seconds"][name] / 1e9


def prefill_gemm_ms(probe, t):
    """Prefill's matmul time if every matmul ran as fast as the probe's."""
    return 1e3 * sum(c * probe["seconds"][name]
                     for name, _, _, _, c in prefill_gemms(t))


# ------------------------------------------------------------------ olmc --

def olmc_bench(olmrt, artifact, o, threads, timing=False):
    cmd = [olmrt, "bench", artifact, "--random-weights", "--batch", "1",
           "--prompt-len", str(o.prompt_len), "--gen-len", str(o.gen_len),
           "--warmup", str(o.warmup), "--iters", str(o.iters), "--json"]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    env.pop("OLMRT_KERNEL_TIMING", None)
    if timing:
        env["OLMRT_KERNEL_TIMING"] = "1"
    return json.loads(run(cmd, env=env))


# --------------------------------------------------------------- PyTorch --

def torch_model(attn):
    import torch
    import transformers
    from transformers import GPT2Config, GPT2LMHeadModel
    transformers.logging.set_verbosity_error()
    warnings.filterwarnings("ignore")
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=VOCAB, n_positions=NPOS, n_embd=D,
                     n_layer=LAYERS, n_head=HEADS, n_inner=None,
                     activation_function="gelu_new",
                     attn_implementation=attn)
    model = GPT2LMHeadModel(cfg).to(torch.float32).eval()
    assert model.config._attn_implementation == attn
    n = sum(p.numel() for p in model.parameters())  # tied head counted once
    assert n == counts(1, 1)["params"], n
    return model


class TorchCache:
    """The KV-cache keyword and output field: `cache` since transformers
    5.x renamed it, `past_key_values` before."""

    def __init__(self, model):
        import inspect
        self.kw = ("cache" if "cache" in
                   inspect.signature(model.forward).parameters
                   else "past_key_values")

    def of(self, out):
        return getattr(out, self.kw)


def torch_bench(model, o, threads, profile=False):
    import torch
    torch.set_num_threads(threads)
    tc = TorchCache(model)
    ids = torch.randint(0, VOCAB, (1, o.prompt_len),
                        generator=torch.Generator().manual_seed(1))
    prefill_ms, decode_tps = [], []

    def decode(out, steps):
        # As olmrt bench: the prompt's last argmax, then `steps` steps, one
        # token at positions T .. T + steps - 1, each followed by its argmax.
        cache = tc.of(out)
        nxt = out.logits[:, -1, :].argmax(-1, keepdim=True)
        for _ in range(steps):
            out = model(input_ids=nxt, use_cache=True, **{tc.kw: cache})
            cache = tc.of(out)
            nxt = out.logits[:, -1, :].argmax(-1, keepdim=True)

    with torch.inference_mode():
        if profile:
            from torch.profiler import ProfilerActivity, profile as prof
            res = {}
            model(input_ids=ids, use_cache=True)  # warm
            t0 = time.perf_counter()
            with prof(activities=[ProfilerActivity.CPU]) as p:
                model(input_ids=ids, use_cache=True)
            res["prefill"] = (p.key_averages(), time.perf_counter() - t0)
            out = model(input_ids=ids, use_cache=True)
            t0 = time.perf_counter()
            with prof(activities=[ProfilerActivity.CPU]) as p:
                decode(out, o.gen_len)
            res["decode"] = (p.key_averages(), time.perf_counter() - t0)
            return res
        for i in range(o.warmup + o.iters):
            t0 = time.perf_counter()
            model(input_ids=ids, use_cache=True)
            t1 = time.perf_counter()
            out = model(input_ids=ids, use_cache=True)  # untimed, as olmrt
            t2 = time.perf_counter()
            decode(out, o.gen_len)
            t3 = time.perf_counter()
            if i >= o.warmup:
                prefill_ms.append((t1 - t0) * 1e3)
                decode_tps.append(o.gen_len / (t3 - t2))
    return {"prefill_ms": statistics.median(prefill_ms),
            "prefill_ms_all": prefill_ms,
            "decode_tokens_per_s": statistics.median(decode_tps),
            "decode_tokens_per_s_all": decode_tps}


# ------------------------------------------------------------------ model --

def counts(t, g):
    """Parameters, bytes and FLOPs of GPT-2 124M in f32 for a 1xT prefill
    and G batch-1 decode steps after it."""
    lin = D * 3 * D + D * D + 2 * D * FFN          # per layer, weights
    lin_bias = 3 * D + D + FFN + D
    ln = 2 * 2 * D                                  # ln_1, ln_2: w + b
    params = VOCAB * D + NPOS * D + LAYERS * (lin + lin_bias + ln) + 2 * D
    matmul_w = LAYERS * lin + VOCAB * D             # + head (tied wte)
    small = params - matmul_w - NPOS * D            # biases and norms
    kv_per_token = LAYERS * 2 * D * 4               # K and V, f32
    # Prefill: 2 FLOPs per weight per token; causal attention, q_i against
    # keys 0..i: 2*D for q.k and 2*D for p.v per (query, key) pair.
    pairs = t * (t + 1) / 2
    attn_prefill = LAYERS * 4 * D * pairs
    prefill_flops = 2 * t * matmul_w + attn_prefill
    # Decode step i (0-based) at position t + i attends to t + i + 1 keys;
    # the mean over the g steps is t + (g + 1) / 2.
    keys = t + (g + 1) / 2
    kv_read = kv_per_token * keys
    decode_bytes = 4 * matmul_w + 4 * small + 2 * 4 * D + kv_read \
        + kv_per_token                              # + rows wte, wpe; write
    decode_flops = 2 * matmul_w + LAYERS * 4 * D * keys
    return {"params": params, "weight_bytes": 4 * params,
            "matmul_weight_bytes": 4 * matmul_w,
            "head_bytes": 4 * VOCAB * D,
            "prefill_flops": prefill_flops,
            "prefill_attn_flops": attn_prefill,
            "prefill_attn_flops_full": LAYERS * 4 * D * t * t,
            "prefill_logits_bytes": 4 * t * VOCAB,
            "decode_flops": decode_flops,
            "decode_bytes": decode_bytes,
            "decode_kv_read_bytes": kv_read,
            "kv_bytes_per_token": kv_per_token,
            "kv_bytes_max_seq": kv_per_token * MAX_SEQ,
            "kv_bytes_npos": kv_per_token * NPOS,
            "mean_keys": keys}


# ------------------------------------------------------------------- main --

def find_tools(build_dir):
    d = os.path.join(REPO, build_dir, "bin")
    olmc, olmrt = os.path.join(d, "olmc"), os.path.join(d, "olmrt")
    if not (os.access(olmc, os.X_OK) and os.access(olmrt, os.X_OK)):
        sys.exit(f"cpu_bench: no olmc/olmrt under {d} (build them first)")
    return olmc, olmrt


def stamp(res, what):
    res["load"].append((what, time.strftime("%H:%M:%S"), loadavg()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default="build",
                    help="holds bin/olmc and bin/olmrt (default build)")
    ap.add_argument("--work-dir", help="keep the artifact, membw and the "
                    "binaries' copies here (default: a temporary directory)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--iters", type=int, default=3,
                    help="timed iterations per side and round (default 3)")
    ap.add_argument("--prompt-len", type=int, default=128)
    ap.add_argument("--gen-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="threads for both sides (default: all cores)")
    ap.add_argument("--torch-attn", default="sdpa",
                    choices=("sdpa", "eager"))
    ap.add_argument("--membw-mib", type=int, default=512)
    ap.add_argument("--membw-passes", type=int, default=20)
    ap.add_argument("--one-thread-too", action="store_true",
                    help="also measure both sides on one thread")
    ap.add_argument("--json-out", help="also write every number here")
    ap.add_argument("--probe-sgemm", metavar="LIB", help=argparse.SUPPRESS)
    o = ap.parse_args()
    if o.probe_sgemm:
        return probe_sgemm_main(o.probe_sgemm, o.prompt_len)
    if o.prompt_len + o.gen_len > MAX_SEQ or min(o.rounds, o.iters,
                                                 o.threads) < 1:
        sys.exit(f"cpu_bench: prompt + gen must fit {MAX_SEQ}; rounds, "
                 "iters and threads >= 1")

    olmc, olmrt = find_tools(o.build_dir)
    if o.work_dir:
        os.makedirs(o.work_dir, exist_ok=True)
        return bench(o, olmc, olmrt, o.work_dir)
    with tempfile.TemporaryDirectory(prefix="olmc-cpu-bench-") as work:
        return bench(o, olmc, olmrt, work)


def bench(o, olmc, olmrt, work):
    n = o.threads
    # Private copies: a shared build directory may be rebuilt mid-run.
    tools = {}
    for name, src in (("olmc", olmc), ("olmrt", olmrt)):
        dst = os.path.join(work, name)
        shutil.copy2(src, dst)
        with open(dst, "rb") as f:
            tools[name] = hashlib.sha256(f.read()).hexdigest()[:16]
    olmc, olmrt = os.path.join(work, "olmc"), os.path.join(work, "olmrt")
    blas_lib = openblas_path(olmrt)
    artifact = os.path.join(work, "gpt2.olmx")
    res = {"command": shlex.join(["python3"] + sys.argv),
           "threads": n, "torch_attn": o.torch_attn, "tools": tools,
           "git_at_start": git_describe(),
           "env": {k: os.environ.get(k, "(unset)") for k in ENV_KEYS},
           "machine": machine(),
           "counts": counts(o.prompt_len, o.gen_len), "load": []}
    stamp(res, "start")

    print(f"cpu_bench: compiling configs/gpt2.yaml into {artifact}",
          file=sys.stderr)
    run([olmc, "compile", os.path.join(REPO, "configs/gpt2.yaml"), "-o",
         artifact, "--max-seq", str(MAX_SEQ)])
    membw = build_membw(work)
    model = torch_model(o.torch_attn)

    rounds = []
    for r in range(o.rounds):
        tag = f"round {r + 1}/{o.rounds}"
        rd = {}
        print(f"cpu_bench: {tag}: ceilings", file=sys.stderr)
        rd["bandwidth"] = bandwidth(membw, n, o.membw_mib, o.membw_passes)
        rd["sgemm"] = sgemm_rates(blas_lib, n, o.prompt_len)
        rd["torch_gemm"] = torch_gemm_rates(n, o.prompt_len)
        if o.one_thread_too:
            rd["sgemm_1t"] = sgemm_rates(blas_lib, 1, o.prompt_len)
            rd["torch_gemm_1t"] = torch_gemm_rates(1, o.prompt_len)
        stamp(res, f"{tag} after ceilings")
        order = ["olmc", "torch"] if r % 2 == 0 else ["torch", "olmc"]
        rd["order"] = order
        for side in order:
            print(f"cpu_bench: {tag}: {side}", file=sys.stderr)
            rd[side] = (olmc_bench(olmrt, artifact, o, n) if side == "olmc"
                        else torch_bench(model, o, n))
            rd[f"load_after_{side}"] = loadavg()
            stamp(res, f"{tag} after {side}")
        if o.one_thread_too:
            print(f"cpu_bench: {tag}: both on one thread", file=sys.stderr)
            for side in order:
                rd[f"{side}_1t"] = (olmc_bench(olmrt, artifact, o, 1)
                                    if side == "olmc"
                                    else torch_bench(model, o, 1))
            stamp(res, f"{tag} after one thread")
        rounds.append(rd)
    res["rounds"] = rounds

    print("cpu_bench: olmrt with OLMRT_KERNEL_TIMING=1; torch.profiler",
          file=sys.stderr)
    res["olmc_timing"] = olmc_bench(olmrt, artifact, o, n, timing=True)
    stamp(res, "after olmc kernel timing")
    prof = torch_bench(model, o, n, profile=True)
    res["torch_profile"] = {ph: {"wall_ms": 1e3 * wall,
                                 "top": top_ops(ka, 10)}
                            for ph, (ka, wall) in prof.items()}
    stamp(res, "after torch profile")
    res["versions"] = versions(blas_lib, rounds[0]["sgemm"]["config"] +
                               " core " + rounds[0]["sgemm"]["core"])
    if o.json_out:
        with open(o.json_out, "w") as f:
            json.dump(res, f, indent=1)
    report(res, o)


def top_ops(key_averages, k):
    rows = sorted(key_averages, key=lambda e: -e.self_cpu_time_total)
    return [{"op": e.key, "calls": e.count,
             "self_ms": e.self_cpu_time_total / 1e3} for e in rows[:k]]


# ---------------------------------------------------------------- report --

def report(res, o):
    med = statistics.median
    rounds, c, m = res["rounds"], res["counts"], res["machine"]
    n, t, g = res["threads"], o.prompt_len, o.gen_len

    def across(side, key, sub=None):
        vals = [r[side][key] for r in rounds]
        return med(vals), min(vals), max(vals)

    o_pre, t_pre = across("olmc", "prefill_ms"), across("torch", "prefill_ms")
    o_dec = across("olmc", "decode_tokens_per_s")
    t_dec = across("torch", "decode_tokens_per_s")
    # Ceilings: the best observed over the rounds (a ceiling is what the
    # machine can do; other load only ever lowers a measurement).
    bw_best = max(r["bandwidth"][f"read_{n}t"] for r in rounds)
    bw_med = med(r["bandwidth"][f"read_{n}t_median"] for r in rounds)
    bw_1t = max(r["bandwidth"]["read_1t"] for r in rounds)
    sq = max(gflops(r["sgemm"], "square", t) for r in rounds)
    tsq = max(gflops(r["torch_gemm"], "square", t) for r in rounds)
    shape_ms = min(prefill_gemm_ms(r["sgemm"], t) for r in rounds)
    tshape_ms = min(prefill_gemm_ms(r["torch_gemm"], t) for r in rounds)

    def best(side, key, hi):
        vals = [v for r in rounds for v in r[side][key + "_all"]]
        return max(vals) if hi else min(vals)
    pred_dec = bw_best * 1e9 / c["decode_bytes"]
    pred_pre = c["prefill_flops"] / (sq * 1e9) * 1e3

    p = print
    p(f"## GPT-2 124M f32, batch 1, {n} thread{'s' * (n > 1)} each side\n")
    p("| | olmc | PyTorch eager | olmc vs PyTorch | bound from the "
      "measured ceilings |")
    p("|---|---:|---:|---:|---:|")
    p(f"| prefill 1x{t}, ms (lower is better) | {o_pre[0]:.1f} | "
      f"{t_pre[0]:.1f} | {t_pre[0] / o_pre[0]:.2f}x faster | >= "
      f"{pred_pre:.0f} ({c['prefill_flops'] / 1e9:.1f} GFLOP at "
      f"{sq:.0f} GFLOP/s) |")
    p(f"| decode, {g} steps after a {t}-token prompt, tok/s (higher is "
      f"better) | {o_dec[0]:.2f} | {t_dec[0]:.2f} | "
      f"{o_dec[0] / t_dec[0]:.2f}x faster | <= {pred_dec:.1f} "
      f"({c['decode_bytes'] / 1e6:.0f} MB/token at {bw_best:.1f} GB/s) |")
    if "olmc_1t" in rounds[0]:
        a, b = across("olmc_1t", "prefill_ms"), across("torch_1t",
                                                       "prefill_ms")
        da, db = across("olmc_1t", "decode_tokens_per_s"), \
            across("torch_1t", "decode_tokens_per_s")
        sq1 = max(gflops(r["sgemm_1t"], "square", t) for r in rounds)
        p(f"| one thread each: prefill 1x{t}, ms | {a[0]:.1f} | {b[0]:.1f} "
          f"| {b[0] / a[0]:.2f}x faster | >= "
          f"{c['prefill_flops'] / (sq1 * 1e9) * 1e3:.0f} (at {sq1:.0f} "
          f"GFLOP/s) |")
        p(f"| one thread each: decode, tok/s | {da[0]:.2f} | {db[0]:.2f} | "
          f"{da[0] / db[0]:.2f}x faster | <= "
          f"{bw_1t * 1e9 / c['decode_bytes']:.1f} (at {bw_1t:.1f} GB/s) |")
    for sfx, what in (("", f"{n} thread{'s' * (n > 1)}"),
                      ("_1t", "one thread")):
        if "olmc" + sfx not in rounds[0]:
            continue
        bo, bt = best("olmc" + sfx, "prefill_ms", False), \
            best("torch" + sfx, "prefill_ms", False)
        do, dt = best("olmc" + sfx, "decode_tokens_per_s", True), \
            best("torch" + sfx, "decode_tokens_per_s", True)
        p(f"| best single iteration, {what}: prefill ms / decode tok/s | "
          f"{bo:.1f} / {do:.2f} | {bt:.1f} / {dt:.2f} | {bt / bo:.2f}x / "
          f"{do / dt:.2f}x | |")
    p()
    p(f"Rows without 'best': medians over {len(rounds)} rounds (olmc and PyTorch alternately "
      f"first) of each round's median of {o.iters} timed iterations after "
      f"{o.warmup} warm-up; range over the rounds: olmc prefill "
      f"{o_pre[1]:.1f}-{o_pre[2]:.1f} ms, decode {o_dec[1]:.2f}-"
      f"{o_dec[2]:.2f} tok/s; PyTorch prefill {t_pre[1]:.1f}-{t_pre[2]:.1f} "
      f"ms, decode {t_dec[1]:.2f}-{t_dec[2]:.2f} tok/s. PyTorch: "
      f"transformers GPT2LMHeadModel, random init, eager mode, "
      f"attn_implementation={res['torch_attn']}. Threads: "
      f"OPENBLAS_NUM_THREADS={n} for olmrt, torch.set_num_threads({n}). "
      f"Bounds: the best ceilings observed over the rounds.")

    p("\n### Rounds\n")
    p("| round | order | olmc prefill ms | olmc decode tok/s | PyTorch "
      "prefill ms | PyTorch decode tok/s | read GB/s best/median "
      f"({n}t) | sgemm {SQUARE}^3 GFLOP/s OpenBLAS / MKL | load after olmc "
      "/ after PyTorch |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for i, r in enumerate(rounds):
        bw = r["bandwidth"]
        p(f"| {i + 1} | {' then '.join(r['order'])} | "
          f"{r['olmc']['prefill_ms']:.1f} | "
          f"{r['olmc']['decode_tokens_per_s']:.2f} | "
          f"{r['torch']['prefill_ms']:.1f} | "
          f"{r['torch']['decode_tokens_per_s']:.2f} | "
          f"{bw[f'read_{n}t']:.1f} / {bw[f'read_{n}t_median']:.1f} | "
          f"{gflops(r['sgemm'], 'square', t):.0f} / "
          f"{gflops(r['torch_gemm'], 'square', t):.0f} | "
          f"{r['load_after_olmc']} / {r['load_after_torch']} |")
        if "olmc_1t" in r:
            p(f"| {i + 1}, one thread | | {r['olmc_1t']['prefill_ms']:.1f} | "
              f"{r['olmc_1t']['decode_tokens_per_s']:.2f} | "
              f"{r['torch_1t']['prefill_ms']:.1f} | "
              f"{r['torch_1t']['decode_tokens_per_s']:.2f} | "
              f"{bw['read_1t']:.1f} / {bw['read_1t_median']:.1f} | "
              f"{gflops(r['sgemm_1t'], 'square', t):.0f} / "
              f"{gflops(r['torch_gemm_1t'], 'square', t):.0f} | |")

    p("\n### Model arithmetic (f32)\n")
    p(f"- parameters {c['params']:,} = {c['weight_bytes'] / 1e6:.1f} MB; "
      f"in matmuls (incl. the tied {c['head_bytes'] / 1e6:.1f} MB head) "
      f"{c['matmul_weight_bytes'] / 1e6:.1f} MB")
    p(f"- prefill 1x{t}: {c['prefill_flops'] / 1e9:.2f} GFLOP (attention "
      f"{c['prefill_attn_flops'] / 1e9:.2f} of it, causal; "
      f"{c['prefill_attn_flops_full'] / 1e9:.2f} if the masked half is "
      f"computed too), weights read once {c['weight_bytes'] / 1e6:.0f} MB, "
      f"logits written {c['prefill_logits_bytes'] / 1e6:.1f} MB")
    p(f"- decode step: {c['decode_flops'] / 1e6:.0f} MFLOP, "
      f"{c['decode_bytes'] / 1e6:.1f} MB read (KV cache "
      f"{c['decode_kv_read_bytes'] / 1e6:.1f} MB of it at the mean "
      f"{c['mean_keys']:.1f} keys): "
      f"{c['decode_flops'] / c['decode_bytes']:.2f} FLOP/byte")
    p(f"- KV cache: {c['kv_bytes_per_token']:,} bytes per token; "
      f"{c['kv_bytes_max_seq'] / 1e6:.1f} MB for the compiled max-seq "
      f"{MAX_SEQ}, {c['kv_bytes_npos'] / 1e6:.1f} MB for {NPOS} positions")

    p("\n### Ceilings (best observed over the rounds) and predictions\n")
    p(f"- memory bandwidth, streaming read (bench/membw.c, "
      f"{o.membw_mib} MiB, best of {o.membw_passes} passes): {bw_best:.1f} GB/s with {n} threads "
      f"(median pass over the rounds {bw_med:.1f}), {bw_1t:.1f} with one")
    p(f"- sgemm {SQUARE}^3: OpenBLAS {sq:.0f} GFLOP/s, torch (MKL) "
      f"{tsq:.0f} GFLOP/s, {n} threads")
    p("- sgemm at the prefill shapes, GFLOP/s OpenBLAS / MKL: " + ", ".join(
        f"{name} {m_}x{n_}x{k_} "
        f"{max(gflops(r['sgemm'], name, t) for r in rounds):.0f} / "
        f"{max(gflops(r['torch_gemm'], name, t) for r in rounds):.0f}"
        for name, m_, n_, k_, _ in prefill_gemms(t)))
    p(f"- prefill prediction: {pred_pre:.0f} ms at the {SQUARE}^3 rate; "
      f"{shape_ms:.0f} ms if each matmul runs at OpenBLAS's rate for its "
      f"shape ({tshape_ms:.0f} ms at MKL's); measured olmc {o_pre[0]:.0f} "
      f"ms, PyTorch {t_pre[0]:.0f} ms")
    p(f"- decode prediction: {c['decode_bytes'] / 1e6:.0f} MB / "
      f"{bw_best:.1f} GB/s = {1e3 / pred_dec:.1f} ms/token = "
      f"{pred_dec:.1f} tok/s; measured olmc {o_dec[0]:.2f} "
      f"({100 * o_dec[0] / pred_dec:.0f}% of it, effective "
      f"{o_dec[0] * c['decode_bytes'] / 1e9:.1f} GB/s), PyTorch "
      f"{t_dec[0]:.2f} ({100 * t_dec[0] / pred_dec:.0f}%)")

    p("\n### Where the time goes\n")
    ot = res["olmc_timing"]
    # Means over the iterations: the kernel times are sums over them.
    pre_mean = statistics.mean(ot["prefill_ms_all"])
    dec_mean = 1e3 * statistics.mean(
        1 / v for v in ot["decode_tokens_per_s_all"])
    p(f"olmc, one more `olmrt bench` with OLMRT_KERNEL_TIMING=1 "
      f"({n} threads; mean prefill {pre_mean:.1f} ms, mean decode step "
      f"{dec_mean:.2f} ms in that run), per prefill and per decode step:\n")
    p("| kernel | calls | prefill ms | decode ms/step |")
    p("|---|---:|---:|---:|")
    pk, dk = ot["prefill_kernels"], ot["decode_kernels"]
    for k in pk:
        p(f"| {k} | {pk[k]['calls']:.0f} | {pk[k]['ms']:.2f} | "
          f"{dk.get(k, {}).get('ms', 0):.3f} |")
    out_pre = pre_mean - sum(v["ms"] for v in pk.values())
    out_dec = dec_mean - sum(v["ms"] for v in dk.values())
    p(f"| outside the kernels | | {out_pre:.2f} | {out_dec:.3f} |")
    if "olmk_matmul" in dk:
        mm = dk["olmk_matmul"]["ms"]
        p(f"\nDecode matmuls stream {c['matmul_weight_bytes'] / 1e6:.0f} MB "
          f"in {mm:.2f} ms: {c['matmul_weight_bytes'] / mm / 1e6:.1f} GB/s. "
          f"Prefill matmuls: {2 * t * c['matmul_weight_bytes'] / 4 / 1e9:.1f}"
          f" GFLOP in {pk['olmk_matmul']['ms']:.1f} ms: "
          f"{2 * t * c['matmul_weight_bytes'] / 4 / pk['olmk_matmul']['ms'] / 1e6:.0f}"
          f" GFLOP/s.")
    for phase, unit in (("prefill", "one prefill"),
                        ("decode", f"{g} decode steps")):
        tp = res["torch_profile"][phase]
        p(f"\nPyTorch, torch.profiler over {unit} ({tp['wall_ms']:.0f} ms "
          f"of wall time, profiler included; top ops by self CPU time, ms "
          f"(calls)): " + ", ".join(
              f"{e['op']} {e['self_ms']:.1f} ({e['calls']})"
              for e in tp["top"]))

    p("\n### Machine\n")
    p(f"- CPU: {m.get('model', '?')} (family {m.get('cpu cpu family')}, "
      f"model {m.get('cpu model')}, stepping {m.get('cpu stepping')}), "
      f"{m['cores']} cores ({m.get('Core(s) per socket', '?')} per socket, "
      f"{m.get('Thread(s) per core', '?')} thread per core), AVX-512 "
      f"{'yes' if m.get('avx512f') else 'no'}, L2 {m.get('L2 cache', '?')}, "
      f"L3 {m.get('L3 cache', '?')}, hypervisor "
      f"{m.get('Hypervisor vendor', 'yes' if m.get('hypervisor') else 'no')}"
      f", {m['mem_gib']} GiB RAM, Linux {m['kernel']}")
    p("- versions: " + "; ".join(f"{k} {v}"
                                 for k, v in res["versions"].items())
      + f"; olmc tree at the start {res['git_at_start']}"
      + "; binaries (sha256 prefix): " + ", ".join(
          f"{k} {v}" for k, v in res["tools"].items()))
    p("- environment: " + ", ".join(f"{k}={v}"
                                    for k, v in res["env"].items()))
    p("- load average (1/5/15 min) through the run: " + "; ".join(
        f"{w} {tm}: {la}" for w, tm, la in res["load"]))
    p(f"- command: `{res['command']}`")


if __name__ == "__main__":
    main()
