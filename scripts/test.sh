#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, actor, integration, SDK).
#   scripts/test.sh              -> build/ (RelWithDebInfo)
#   scripts/test.sh --sanitize   -> build-asan/ with AddressSanitizer + UBSan
# Extra arguments after the flags go to ctest (e.g. -L codecs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

build=build
cmake_args=()
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build=build-asan
  cmake_args+=(-DCOHORT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

cmake -S . -B "$build" -G Ninja "${cmake_args[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure "$@"
