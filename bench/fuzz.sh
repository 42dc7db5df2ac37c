#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/ and runs each for a given
# time, then prints executions, speed, coverage and crashes per target.
#
#   bench/fuzz.sh 60                 # 60 s per target, all targets
#   bench/fuzz.sh 600 gzip_fuzz      # only the named targets
#   FUZZ_PARALLEL=2 bench/fuzz.sh 60 # two targets at a time (each is single-threaded)
#
# Each run fuzzes a scratch copy of fuzz/corpus/<target>/ under build-fuzz/fuzz/runs/, so the
# checked-in seeds stay small; crash inputs land in build-fuzz/fuzz/runs/<target>/ and the
# script exits 1 when any target crashed. Reproduce one with: build-fuzz/fuzz/<target> FILE
set -euo pipefail

seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
parallel=${FUZZ_PARALLEL:-1}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(segment_fuzz native_fuzz gzip_fuzz rules_fuzz config_fuzz stream_frame_fuzz
    http_request_fuzz)
fi

# clang and its libFuzzer runtime (a Recommends of clang, so installed explicitly) are
# not among scripts/setup.sh's packages: only this script needs them.
if [ -z "${FUZZ_CXX:-}" ] && ! { command -v clang++ >/dev/null &&
    dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed"; }; then
  echo "fuzz: installing clang libclang-rt-14-dev"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    clang libclang-rt-14-dev >/dev/null
fi

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="${FUZZ_CXX:-clang++}" -DCOHORT_FUZZ=ON \
  -DBUILD_TESTING=OFF -DCOHORT_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${FUZZ_BUILD_JOBS:-2}" --target "${targets[@]}"

run_one() {
  local target=$1 dir=$build/fuzz/runs/$1
  rm -rf "$dir" && mkdir -p "$dir/corpus"
  cp "$root/fuzz/corpus/$target/"* "$dir/corpus/"
  # -timeout: a single input taking 10 s is a hang worth reporting; leaks are reported too.
  "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1 || true
}

summary() {
  local target=$1 dir=$build/fuzz/runs/$1
  local execs speed cov crashes
  execs=$(grep -oP 'stat::number_of_executed_units:\s+\K[0-9]+' "$dir/log" || echo "?")
  speed=$(grep -oP 'stat::average_exec_per_sec:\s+\K[0-9]+' "$dir/log" || echo "?")
  # The last status line holds the final coverage (edges) and features.
  cov=$(grep -oP '#[0-9]+\s+\w+\s+cov: \K[0-9]+ ft: [0-9]+' "$dir/log" | tail -1 || true)
  crashes=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o \
    -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf '%-18s %12s %10s  %-18s %s\n' "$target" "$execs" "$speed" "${cov:-?}" "$crashes"
}

pids=()
for target in "${targets[@]}"; do
  run_one "$target" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$parallel" ]; then
    wait "${pids[0]}"
    pids=("${pids[@]:1}")
  fi
done
wait

printf '%-18s %12s %10s  %-18s %s\n' target execs execs/s "cov (edges) ft" crashes
status=0
for target in "${targets[@]}"; do
  line=$(summary "$target")
  echo "$line"
  [ "$(awk '{print $NF}' <<<"$line")" = 0 ] || status=1
done
for target in "${targets[@]}"; do
  for f in "$build/fuzz/runs/$target"/{crash,leak,timeout,oom}-*; do
    [ -e "$f" ] && echo "artifact: $f"
  done
done
exit $status
