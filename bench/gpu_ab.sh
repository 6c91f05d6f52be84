#!/usr/bin/env bash
# A/B of two CUDA runtimes on the same artifacts, in one call on the GPU
# machine: batch-1 decode of GPT-2, Llama-3.2-1B and Qwen2.5-0.5B, Llama's
# batch 8 and 32 decode, and the 8x512 prefills; each runtime by
# OLMRT_CUDA_LIB, alternated per row so that clock drift hits both.
#
# Usage (on the GPU machine): bench/gpu_ab.sh DIR BASE_LIB [NEW_LIB]
#   DIR       prepared by tests/gpu/prepare.sh (bin/olmrt, lib/, bench/),
#             optionally with DIR/bench32/llama-3.2-1b.bf16.olmx
#             (--max-batch 32), DIR/benchnorm/*.bf16.olmx and
#             DIR/benchnone/*.bf16.olmx (artifacts compiled with
#             --fuse-norm-matmul=all and =none: further columns, NEW_LIB)
#   BASE_LIB  the libolmrt_cuda.so to compare against
#   NEW_LIB   default DIR/lib/libolmrt_cuda.so
# Prints one line a measurement: what, base, new[, new on benchnorm,
# benchnone].
# Device time: ~10 s a row.
set -u
dir=$(cd "${1:?usage: bench/gpu_ab.sh DIR BASE_LIB [NEW_LIB]}" && pwd)
base=${2:?usage: bench/gpu_ab.sh DIR BASE_LIB [NEW_LIB]}
new=${3:-$dir/lib/libolmrt_cuda.so}
olmrt=$dir/bin/olmrt
export LD_LIBRARY_PATH=$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit \
  --format=csv,noheader

# measure LIB ARTIFACT BATCH PROMPT MODE -> decode tok/s (MODE decode, 128
# steps) or prefill ms (MODE prefill); the kernels a decode step to stderr.
measure() {
  local out gen=128
  [ "$5" = prefill ] && gen=1
  out=$(OLMRT_CUDA_LIB=$1 timeout 120 "$olmrt" bench "$2" --random-weights \
    --batch "$3" --prompt-len "$4" --gen-len $gen 2>&1)
  if [ "$5" = decode ]; then
    grep -oE '[0-9.e+]+ tokens/s median' <<<"$out" | awk '{print $1}'
  else
    grep -oE 'prefill: [0-9.e+]+ ms median' <<<"$out" | awk '{print $2}'
  fi
  grep -oE 'kernels: [0-9]+ per decode step' <<<"$out" | awk '{print $2}' >&2
}

kernels=$(mktemp)
trap 'rm -f "$kernels"' EXIT

row() { # label artifact batch prompt mode
  local b n k
  b=$(measure "$base" "$2" "$3" "$4" "$5" 2>/dev/null)
  n=$(measure "$new" "$2" "$3" "$4" "$5" 2>"$kernels")
  k=$(cat "$kernels")
  local extra="" alt v
  for alt in benchnorm:norms-all benchnone:norms-none; do
    local other=$dir/${alt%%:*}/$(basename "$2")
    if [ -f "$other" ]; then
      v=$(measure "$new" "$other" "$3" "$4" "$5" 2>"$kernels")
      extra="$extra | ${alt#*:} $v ($(cat "$kernels") kernels)"
    fi
  done
  printf '%-34s | base %-9s | new %-9s (%s kernels)%s\n' "$1" "$b" "$n" "$k" \
    "$extra"
}

for m in gpt2 llama-3.2-1b qwen2.5-0.5b; do
  row "$m decode b1 (tok/s)" "$dir/bench/$m.bf16.olmx" 1 128 decode
done
big=$dir/bench32/llama-3.2-1b.bf16.olmx
[ -f "$big" ] || big=$dir/bench/llama-3.2-1b.bf16.olmx
row "llama decode b8 (tok/s)" "$big" 8 128 decode
[ -f "$dir/bench32/llama-3.2-1b.bf16.olmx" ] &&
  row "llama decode b32 (tok/s)" "$big" 32 128 decode
for m in gpt2 llama-3.2-1b; do
  row "$m prefill 8x512 (ms)" "$dir/bench/$m.bf16.olmx" 8 512 prefill
done
