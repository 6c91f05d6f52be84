#!/usr/bin/env bash
# Builds the libFuzzer targets (if needed) and runs each for SECONDS, one
# after another in one process each (one core), then prints executions and
# coverage per target from libFuzzer's final stats.
#
#   tests/fuzz/run.sh SECONDS [TARGET...]     (default: all five targets)
#
# Build directory: $OLMC_FUZZ_BUILD (default build-fuzz), configured with
# clang ($CC/$CXX, default clang-22/clang++-22) and -DOLMC_FUZZ=ON.
# New inputs go to BUILD/fuzz-corpus/TARGET (tests/fuzz/corpus/TARGET, the
# checked-in seeds, is only read); crashes, leaks and timeouts are written
# to BUILD/fuzz-findings/TARGET/ and full logs to BUILD/fuzz-logs/. Extra
# libFuzzer flags may be given in $OLMC_FUZZ_FLAGS. Exits non-zero when a
# target found something.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 SECONDS [fuzz_yaml|fuzz_safetensors|fuzz_artifact|fuzz_npy|fuzz_tokenizer ...]" >&2
  exit 2
fi
seconds=$1
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] ||
  targets=(fuzz_yaml fuzz_safetensors fuzz_artifact fuzz_npy fuzz_tokenizer)

build=${OLMC_FUZZ_BUILD:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
  # -O1 with line tables: quicker to build than -O3 and stack traces name
  # source lines.
  CC=${CC:-clang-22} CXX=${CXX:-clang++-22} \
    cmake -S . -B "$build" -G Ninja -DOLMC_FUZZ=ON \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" >/dev/null
fi
cmake --build "$build" --target "${targets[@]}"

# Leaks are reported (libFuzzer's -detect_leaks); UBSan findings abort
# (the build uses -fno-sanitize-recover) with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

status=0
summary=()
for t in "${targets[@]}"; do
  corpus=$build/fuzz-corpus/$t
  findings=$build/fuzz-findings/$t
  log=$build/fuzz-logs/$t.log
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  # A unit running over 10 s is a finding, except for fuzz_yaml: an alias
  # bomb that stops at ImportLimits::maxNodesVisited (100,000 nodes) costs
  # 0.3 s in a release build but 4-5 s of CPU in this instrumented one, and
  # took up to 24 s of wall time on a loaded, shared 2-core machine.
  timeout=10
  [ "$t" = fuzz_yaml ] && timeout=60
  flags=(-max_total_time="$seconds" -print_final_stats=1 -timeout="$timeout"
         -rss_limit_mb=2048 -artifact_prefix="$findings/")
  [ -f "tests/fuzz/$t.dict" ] && flags+=(-dict="tests/fuzz/$t.dict")
  echo "== $t: ${seconds}s (log: $log)"
  rc=0
  # shellcheck disable=SC2086
  "$build/tests/fuzz/$t" "${flags[@]}" ${OLMC_FUZZ_FLAGS:-} \
    "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[^ ]+' "$log" | tail -1)
  line="$t: ${execs:-?} executions (${speed:-?}/s), ${cov:-no coverage line}"
  if [ $rc -ne 0 ]; then
    status=1
    found=$(grep -oE '(crash|leak|timeout|oom|slow-unit)-[0-9a-f]+' "$log" |
            tail -1 || true)
    line+=", FAILED (exit $rc${found:+, $findings/$found}); see $log"
    grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:|.*ERROR: libFuzzer)' \
      "$log" || true
  fi
  echo "$line"
  summary+=("$line")
done

echo
echo "== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit $status
