#!/bin/bash
# GPU checks of the CUDA backend, in one go (device time is scarce):
#   tests/gpu/run_gpu_checks.sh [CARRY]      (CARRY: gpu-carry by default)
# CARRY holds what tests/gpu/pack_gpu_carry.sh copied from the build: bin/
# (olmrt, kernel_check, make_twin, test_runtime_cuda), lib/ (libolmrt_cuda.so
# and the non-CUDA libraries the binaries need), twin/ (the twin model's
# code), unit/ (the cuda test fixture) and models/ (artifacts olmc compiled:
# NAME.cpu.olmx beside NAME.{f32,bf16}.olmx run on the same weights and
# compared; gpt2/llama-3.2-1b bf16 for bench). Logs go to $OUT (or
# /tmp/gpu-out). Steps: kernel_check, test_runtime_cuda, cpu-vs-cuda runs,
# bench; a summary and the kernel_check table come last.
set -u
C=$(cd "${1:-gpu-carry}" && pwd)
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
export LD_LIBRARY_PATH=$C/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
export OLMRT_CUDA_LIB=$C/lib/libolmrt_cuda.so
summary=()
note() { summary+=("$1"); }

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv
ls /usr/local/cuda/lib64 2>/dev/null | grep -i cublaslt || echo "no cublasLt in /usr/local/cuda/lib64"
ldd "$C/bin/olmrt" "$C/lib/libolmrt_cuda.so" "$C/bin/kernel_check" | grep "not found"

echo "== kernel_check"
timeout 240 "$C/bin/kernel_check" > "$OUT/kernel_check.log" 2>&1
rc=$?
grep -E "FAIL|error" "$OUT/kernel_check.log" | head -20
note "kernel_check: rc $rc, $(tail -1 "$OUT/kernel_check.log")"

echo "== test_runtime_cuda (GPU branch)"
# The test has the fixture's and the plugin's build paths compiled in.
while read -r path name; do
  mkdir -p "$(dirname "$path")"; [ -e "$path" ] || cp "$C/$name" "$path"
done < "$C/unit/paths.txt"
timeout 60 "$C/bin/test_runtime_cuda" > "$OUT/test_runtime_cuda.log" 2>&1
note "test_runtime_cuda: rc $? $(grep -E 'PASSED|FAILED' "$OUT/test_runtime_cuda.log" | tr '\n' ' ')"

echo "== cpu vs cuda f32 / bf16 through olmrt run (same weights, prompt)"
T=$OUT/models; mkdir -p "$T"
"$C/bin/make_twin" "$C/models/twin.cpu.olmx" cpu f32 "$C/twin/twin_cpu.so"
"$C/bin/make_twin" "$C/models/twin.f32.olmx" cuda f32 "$C/twin/twin_cuda_f32.so"
"$C/bin/make_twin" "$C/models/twin.bf16.olmx" cuda bf16 "$C/twin/twin_cuda_bf16.so"
for name in twin $(cd "$C/models" && ls *.cpu.olmx | sed 's/.cpu.olmx//' | grep -v -e twin -e text); do
  "$C/bin/olmrt" init-weights "$C/models/$name.cpu.olmx" -o "$T/$name.safetensors" --seed 3 > /dev/null
  vocab=$("$C/bin/olmrt" inspect "$C/models/$name.cpu.olmx" | sed -n 's/.*vocab \([0-9]*\).*/\1/p')
  python3 -c "import numpy as np; np.save('$T/$name.ids.npy', np.random.default_rng(0).integers(0, $vocab, size=(2, 37)))"
  for m in cpu f32 bf16; do
    timeout 120 "$C/bin/olmrt" run "$C/models/$name.$m.olmx" --weights "$T/$name.safetensors" \
      --input-ids "$T/$name.ids.npy" --max-new-tokens 20 --logits-out "$T/$name.$m.logits.npy" \
      --output-ids "$T/$name.$m.ids.npy" 2>&1 | tail -1
  done
  timeout 60 python3 tests/gpu/compare_twin.py "$T" "$name" | tee -a "$OUT/models.log"
done
while read -r line; do note "$line"; done < "$OUT/models.log"

echo "== text in, text out: cpu vs cuda f32 (greedy, and seeded sampling)"
if [ -e "$C/models/text.cpu.olmx" ]; then
  "$C/bin/olmrt" init-weights "$C/models/text.cpu.olmx" -o "$T/text.safetensors" --seed 5 > /dev/null
  for flags in "" "--temperature 0.8 --top-p 0.9 --seed 7"; do
    for m in cpu f32; do
      "$C/bin/olmrt" run "$C/models/text.$m.olmx" --weights "$T/text.safetensors" \
        --tokenizer tests/tokenizer/Inputs/llama3.json --prompt "Once upon a time, there was" \
        --max-new-tokens 24 $flags > "$T/text.$m.txt" 2> "$T/text.$m.err"
    done
    if cmp -s "$T/text.cpu.txt" "$T/text.f32.txt" && [ -s "$T/text.f32.txt" ]; then
      note "text ${flags:-greedy}: cuda f32 output identical to cpu ok ($(tail -1 "$T/text.f32.err"))"
    else
      note "text ${flags:-greedy}: FAIL cpu [$(head -c 80 "$T/text.cpu.txt")] cuda [$(head -c 80 "$T/text.f32.txt")] $(tail -1 "$T/text.f32.err")"
    fi
  done
fi

echo "== bench (bf16)"
bench() {
  echo "-- $*" >> "$OUT/bench.log"
  timeout 150 "$C/bin/olmrt" bench "$@" --random-weights --iters 3 2>&1 | tee -a "$OUT/bench.log" | tail -4
}
bench "$C/models/twin.bf16.olmx" --batch 1 --prompt-len 128 --gen-len 64
for m in gpt2 llama-3.2-1b; do
  [ -e "$C/models/$m.bf16.olmx" ] || continue
  bench "$C/models/$m.bf16.olmx" --batch 1 --prompt-len 128 --gen-len 128
  bench "$C/models/$m.bf16.olmx" --batch 8 --prompt-len 512 --gen-len 32
done
note "bench: see below"
echo
echo "================ summary"
for s in "${summary[@]}"; do echo "$s"; done
echo "---- bench"
grep -E "^(--|decode|prefill|kernels)" "$OUT/bench.log"
echo "---- kernel timings (bf16)"
grep -E "^(attention llama|matmul [0-9]|rmsnorm 1x)" "$OUT/kernel_check.log"
echo "---- kernel_check table"
sed -n '/^check /,$p' "$OUT/kernel_check.log"
