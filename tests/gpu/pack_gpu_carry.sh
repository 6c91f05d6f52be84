#!/bin/bash
# Copies what run_gpu_checks.sh needs from the build into gpu-carry/ (git
# ignores it through .git/info/exclude) for the GPU machine's `carry`.
set -eu
B=${1:-build}
C=gpu-carry
rm -rf "$C"; mkdir -p "$C/bin" "$C/lib" "$C/twin" "$C/unit"
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
du -sh "$C"
