#!/bin/bash
# Copies what run_gpu_checks.sh needs from the build into gpu-carry/ (git
# ignores it through .git/info/exclude) for the GPU machine's `carry`.
set -eu
B=${1:-build}
C=gpu-carry
rm -rf "$C"; mkdir -p "$C/bin" "$C/lib" "$C/twin" "$C/unit" "$C/models"
cp "$B/bin/olmrt" "$B/tests/gpu/kernel_check" "$B/tests/gpu/make_twin" \
   "$B/tests/unit/test_runtime_cuda" "$C/bin/"
cp "$B/lib/libolmrt_cuda.so" "$C/lib/"
cp "$B"/tests/gpu/twin_*.so "$C/twin/"
cp "$B/tests/unit/runtime_cuda_fixture.so" "$C/unit/"
# Non-system, non-CUDA libraries the binaries load (OpenBLAS and its
# Fortran runtime).
for lib in $(ldd "$C/bin/olmrt" "$C/bin/kernel_check" | awk '/=>/ {print $3}' |
             grep -E "openblas|gfortran|quadmath"); do
  cp -L "$lib" "$C/lib/"
done
echo "$(cd "$B" && pwd)/tests/unit/runtime_cuda_fixture.so unit/runtime_cuda_fixture.so" > "$C/unit/paths.txt"
echo "$(cd "$B" && pwd)/lib/libolmrt_cuda.so lib/libolmrt_cuda.so" >> "$C/unit/paths.txt"
# Compiled models (needs olmc, i.e. MLIR, here): tiny configs for cpu and
# cuda (same weights run on both), real-size configs for bench.
if [ -x "$B/bin/olmc" ]; then
  for m in tiny-llama tiny-gpt2; do
    "$B/bin/olmc" compile configs/$m.yaml --max-seq 128 --max-batch 2 -o "$C/models/$m.cpu.olmx"
    for dt in f32 bf16; do
      "$B/bin/olmc" compile configs/$m.yaml --target cuda --dtype $dt --max-seq 128 --max-batch 2 -o "$C/models/$m.$dt.olmx"
    done
  done
  # Text in, text out (run --tokenizer --prompt: Session::decode per token).
  "$B/bin/olmc" compile tests/tokenizer/Inputs/tiny-llama-1056.yaml --max-seq 64 -o "$C/models/text.cpu.olmx"
  "$B/bin/olmc" compile tests/tokenizer/Inputs/tiny-llama-1056.yaml --target cuda --dtype f32 --max-seq 64 -o "$C/models/text.f32.olmx"
  for m in gpt2 llama-3.2-1b; do
    "$B/bin/olmc" compile configs/$m.yaml --target cuda --dtype bf16 --max-seq 640 --max-batch 8 -o "$C/models/$m.bf16.olmx"
  done
fi
du -sh "$C"
