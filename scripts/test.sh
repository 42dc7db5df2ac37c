#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, actor, integration, SDK).
#   scripts/test.sh              -> build/ (RelWithDebInfo)
#   scripts/test.sh --sanitize   -> build-asan/ with AddressSanitizer + UBSan
#   scripts/test.sh --tsan       -> build-tsan/: the actor tests only, under ThreadSanitizer
# Extra arguments after the flags go to ctest (e.g. -L codecs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

build=build
cmake_args=()
build_args=()
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build=build-asan
  # -O0 -g1: the sanitizers' reports keep file and line; -g1 instead of -g builds the tree
  # a fifth faster, -O1 would take twice as long to build as -O0.
  cmake_args+=(-DCOHORT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
elif [ "${1:-}" = "--tsan" ]; then
  # Only cohort_actors (with codecs and config) and tests/test_actors: the actors are what
  # runs on many threads. Debian's libcaf is not TSan-instrumented (TSan cannot see the
  # synchronisation inside it); it has caused no report, so there are no suppressions.
  shift
  build=build-tsan
  cmake_args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOHORT_BENCH=OFF
    "-DCMAKE_CXX_FLAGS=-fsanitize=thread -fno-omit-frame-pointer"
    -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread)
  build_args+=(--target test_actors)
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  set -- -L '^actors$' "$@"
fi

cmake -S . -B "$build" -G Ninja "${cmake_args[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)" "${build_args[@]}"
ctest --test-dir "$build" --output-on-failure "$@"
