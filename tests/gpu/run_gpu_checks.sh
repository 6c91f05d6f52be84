#!/bin/bash
# GPU checks of the CUDA backend, in one go (device time is scarce):
#   tests/gpu/run_gpu_checks.sh [CARRY]      (CARRY: gpu-carry by default)
# CARRY holds what tests/gpu/pack_gpu_carry.sh copied from the build: bin/
# (olmrt, kernel_check, make_twin, test_runtime_cuda), lib/ (libolmrt_cuda.so
# and the non-CUDA libraries the binaries need), twin/ (the twin model's
# code) and unit/ (the cuda test fixture). Logs go to $OUT (or /tmp/gpu-out).
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

echo "== twin model: cpu vs cuda f32 / bf16 through olmrt run"
T=$OUT/twin; mkdir -p "$T"
"$C/bin/make_twin" "$T/cpu.olmx" cpu f32 "$C/twin/twin_cpu.so"
"$C/bin/make_twin" "$T/f32.olmx" cuda f32 "$C/twin/twin_cuda_f32.so"
"$C/bin/make_twin" "$T/bf16.olmx" cuda bf16 "$C/twin/twin_cuda_bf16.so"
"$C/bin/olmrt" init-weights "$T/cpu.olmx" -o "$T/w.safetensors" --seed 3 > /dev/null
python3 -c "import numpy as np; np.save('$T/ids.npy', np.random.default_rng(0).integers(0, 8192, size=(2, 37)))"
for m in cpu f32 bf16; do
  timeout 120 "$C/bin/olmrt" run "$T/$m.olmx" --weights "$T/w.safetensors" \
    --input-ids "$T/ids.npy" --max-new-tokens 20 --logits-out "$T/logits_$m.npy" \
    --output-ids "$T/ids_$m.npy" 2>&1 | tail -2
done
timeout 60 python3 tests/gpu/compare_twin.py "$T" | tee "$OUT/twin.log"
while read -r line; do note "$line"; done < "$OUT/twin.log"
echo "== text-path decode (Session::decode, graph replay per token)"
"$C/bin/olmrt" run "$T/f32.olmx" --weights "$T/w.safetensors" --tokens 5,6,7 --max-new-tokens 6 2>&1 | tail -1
"$C/bin/olmrt" run "$T/cpu.olmx" --weights "$T/w.safetensors" --tokens 5,6,7 --max-new-tokens 6 2>&1 | tail -1

echo "== bench (twin, bf16)"
for args in "--batch 1 --prompt-len 128 --gen-len 64" "--batch 4 --prompt-len 128 --gen-len 64"; do
  timeout 120 "$C/bin/olmrt" bench "$T/bf16.olmx" --random-weights $args --iters 3 2>&1 | tee -a "$OUT/bench.log" | tail -4
done
note "bench: $(grep -E '^(decode|prefill|kernels)' "$OUT/bench.log" | tr '\n' ';')"

echo
echo "================ summary"
for s in "${summary[@]}"; do echo "$s"; done
echo "---- kernel_check table"
sed -n '/^check /,$p' "$OUT/kernel_check.log"
