#!/usr/bin/env bash
# The main job: set up, then compile a model described in YAML for the CPU
# and run it: random weights with the model's own names, a prompt,
# KV-cached greedy generation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=build/demo
mkdir -p "$out"
model=${1:-configs/tiny-llama.yaml}
echo "== olmc compile $model -o $out/model.olmx --max-seq 128"
build/bin/olmc compile "$model" -o "$out/model.olmx" --max-seq 128
echo "== olmc inspect $out/model.olmx"
build/bin/olmc inspect "$out/model.olmx"
echo "== olmc init-weights (random weights, the model's own tensor names)"
build/bin/olmc init-weights "$out/model.olmx" -o "$out/weights.safetensors" --seed 0
echo "== olmrt run: prompt 1,2,3,4 -> 16 new tokens (greedy, KV cache)"
build/bin/olmrt run "$out/model.olmx" --weights "$out/weights.safetensors" \
  --tokens 1,2,3,4 --max-new-tokens 16
