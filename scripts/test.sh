#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs every test: lit (FileCheck) tests and
# unit tests, through ctest. Ends with ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd build
ctest --output-on-failure -j2
