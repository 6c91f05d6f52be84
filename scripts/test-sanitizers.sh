#!/usr/bin/env bash
# Builds the project with AddressSanitizer and UndefinedBehaviorSanitizer
# (-DOLMC_SANITIZE=address,undefined, docs/security.md) in build-asan/ and
# runs every test there (lit + unit tests, through ctest). Any sanitizer
# report fails the test that triggered it. Run scripts/setup.sh (or
# scripts/test.sh) first for the packages.
#
#   bash scripts/test-sanitizers.sh
#
# Compiler: clang-22 when it and its sanitizer runtimes (libclang-rt-22-dev)
# are installed, otherwise the default g++ (Debian's GCC 12 ships libasan
# and libubsan). $OLMC_ASAN_BUILD names another build directory;
# OLMC_SKIP_SANITIZERS=1 skips it all (.ci/run calls this script after
# scripts/test.sh; a clean configure, build and run took 17.5 minutes on
# the 2-core development machine, 1 minute of it the tests).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${OLMC_SKIP_SANITIZERS:-0}" = 1 ]; then
  echo "test-sanitizers: skipped (OLMC_SKIP_SANITIZERS=1)"
  exit 0
fi

build=${OLMC_ASAN_BUILD:-build-asan}
if [ ! -f "$build/build.ninja" ]; then
  compilers=()
  asan_rt=$(clang++-22 -print-file-name=libclang_rt.asan-x86_64.a 2>/dev/null ||
            true)
  if [ -f "$asan_rt" ]; then
    compilers=(-DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22)
  fi
  cmake -S . -B "$build" -G Ninja -DOLMC_SANITIZE=address,undefined \
    "${compilers[@]}"
fi
cmake --build "$build"

# ASan's defaults (leak detection included) apply; -fno-sanitize-recover
# makes every UBSan report fatal, with a stack.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
cd "$build"
ctest --output-on-failure -j2
