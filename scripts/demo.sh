#!/usr/bin/env bash
# The main job: set up, then compile a model described in YAML and show
# the result.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== olmc compile configs/tiny-llama.yaml --emit=olm"
build/bin/olmc compile configs/tiny-llama.yaml --emit=olm
