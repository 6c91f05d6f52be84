#!/usr/bin/env bash
# Prepares, on a machine with olmc built (MLIR is needed to compile), what
# tests/gpu/check_transformers.py and bench/gpu_bench.py need on a GPU
# machine that has no MLIR:
#   DIR/bin/olmrt, DIR/lib/libolmrt_cuda.so and the non-system libraries
#   they load (OpenBLAS), DIR/models/<family>.{f32,bf16,f16}.olmx compiled with
#   --target cuda from tests/gpu/configs/<family>/config.json (import-hf),
#   DIR/models/<family>.config.json, and for bench/gpu_bench.py
#   DIR/bench/{gpt2,llama-3.2-1b,qwen2.5-0.5b}.bf16.olmx (configs/, --max-seq
#   640 --max-batch 8; weights are made there with --random-weights; for
#   bench/gpu_ab.sh also DIR/benchnorm/ with --fuse-norm-matmul=all,
#   DIR/benchnone/ with --fuse-norm-matmul=none and
#   DIR/bench32/llama-3.2-1b.bf16.olmx with --max-batch 32), and
#   for tests/gpu/check_numpy.sh DIR/numpy/<model>.{f32,bf16}.olmx (the
#   custom combinators example and the seed's wide-MLP model, checked against
#   tests/e2e/numpy_reference.py, copied beside them).
# Usage: tests/gpu/prepare.sh DIR   (OLMC_BUILD: build directory, default build)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${OLMC_BUILD:-$root/build}
out=${1:?usage: tests/gpu/prepare.sh DIR}
olmc=$build/bin/olmc
mkdir -p "$out/bin" "$out/lib" "$out/models"
cp "$build/bin/olmrt" "$out/bin/"
cp "$build/lib/libolmrt_cuda.so" "$out/lib/"
# Libraries a stock CUDA machine may lack; CUDA's own come from there.
ldd "$build/bin/olmrt" "$build/lib/libolmrt_cuda.so" |
  awk '/=>/ {print $3}' | grep -E 'openblas|gfortran|quadmath' | sort -u |
  while read -r lib; do cp -L "$lib" "$out/lib/"; done
for cfg in "$root"/tests/gpu/configs/*/config.json; do
  family=$(basename "$(dirname "$cfg")")
  "$olmc" import-hf "$cfg" -o "$out/models/$family.yaml"
  for dtype in f32 bf16 f16; do
    "$olmc" compile "$out/models/$family.yaml" --target cuda --dtype $dtype \
      --max-seq 256 --max-batch 2 -o "$out/models/$family.$dtype.olmx"
  done
  cp "$cfg" "$out/models/$family.config.json"
done
mkdir -p "$out/bench" "$out/benchnorm" "$out/benchnone" "$out/bench32"
for model in gpt2 llama-3.2-1b qwen2.5-0.5b; do
  "$olmc" compile "$root/configs/$model.yaml" --target cuda --dtype bf16 \
    --max-seq 640 --max-batch 8 -o "$out/bench/$model.bf16.olmx"
  # bench/gpu_ab.sh's further columns: every norm in its product, none.
  for norms in all:benchnorm none:benchnone; do
    "$olmc" compile "$root/configs/$model.yaml" --target cuda --dtype bf16 \
      --max-seq 640 --max-batch 8 --fuse-norm-matmul=${norms%%:*} \
      -o "$out/${norms#*:}/$model.bf16.olmx"
  done
done
# Llama's batch-32 decode (bench/gpu_ab.sh, bench/NOTES.md).
"$olmc" compile "$root/configs/llama-3.2-1b.yaml" --target cuda --dtype bf16 \
  --max-seq 640 --max-batch 32 -o "$out/bench32/llama-3.2-1b.bf16.olmx"
mkdir -p "$out/numpy"
cp "$root/tests/e2e/numpy_reference.py" "$root/tests/gpu/check_numpy.sh" "$out/numpy/"
# gated-plugin: the C++ dialect plugin of examples/plugins/gated_residual.
for triple in custom-combinators:examples/combinators/custom-model.yaml: \
              tiny-wide-mlp:configs/tiny-wide-mlp.yaml: \
              gated-plugin:examples/plugins/gated_residual/model.yaml:--load-dialect-plugin=$build/lib/libGatedResidual.so; do
  IFS=: read -r model yaml plugin <<<"$triple"
  for dtype in f32 bf16; do
    "$olmc" compile "$root/$yaml" ${plugin:+"$plugin"} --target cuda \
      --dtype $dtype --max-seq 16 --max-batch 2 \
      -o "$out/numpy/$model.$dtype.olmx"
  done
done
du -sh "$out"
