#!/usr/bin/env bash
# On a GPU machine, in DIR/numpy of tests/gpu/prepare.sh DIR: the custom
# combinators example, the C++ plugin's gated residual (gated residual, per-channel scaled residual,
# softmax-weighted mix of branches: fused into generated device kernels)
# and the seed's wide-MLP model, compiled for cuda, against the independent
# numpy references of tests/e2e/numpy_reference.py (float32): f32 within
# 1e-4, bf16 within 5e-2 (relative, ||out - ref|| / ||ref||). The bf16 bound
# is against a float32 reference: rounding every weight and activation to
# bf16 (8 bits of mantissa) alone moves these random models' logits by
# 1-2e-2; the f32 run is the exact check.
# Usage: DIR/numpy/check_numpy.sh DIR
set -euo pipefail
dir=$(cd "${1:?usage: check_numpy.sh DIR}" && pwd)
export LD_LIBRARY_PATH=$dir/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
work=$(mktemp -d)
status=0
for model in custom-combinators gated-plugin tiny-wide-mlp; do
  mkdir -p "$work/$model"
  python3 "$dir/numpy/numpy_reference.py" make $model "$work/$model" --seed 7
  for dtype in f32 bf16; do
    tol=1e-4; [ $dtype = bf16 ] && tol=5e-2
    "$dir/bin/olmrt" run "$dir/numpy/$model.$dtype.olmx" \
      --weights "$work/$model/weights.safetensors" \
      --input-ids "$work/$model/ids.npy" --logits-out "$work/$model/$dtype.npy"
    echo -n "cuda $dtype: "
    python3 "$dir/numpy/numpy_reference.py" check $model "$work/$model" \
      "$work/$model/$dtype.npy" --rtol $tol || status=1
  done
done
exit $status
