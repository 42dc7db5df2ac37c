#!/usr/bin/env bash
# Throughput and latency benchmark (issue 6).
#
#   bench/run.sh            builds (RelWithDebInfo), starts cohortd with bench/cohort-bench.yaml
#                           (durability os, write key bench-key), runs cohort-load at each
#                           offered load for DURATION s after WARMUP s, then baseline 1 (bare
#                           CAF delivery of as many events to per-user actors) and prints a table
#   bench/run.sh --quick    the same with 5 s runs (figures are indicative only)
#   bench/run.sh --smoke    ctest's bench_load_smoke: a few hundred events with the push probe,
#                           then every acknowledged event must show in the profiles
#
# Other flags: --build-dir DIR (default build), --loads "10000 50000 0" (events/s offered;
# 0 = as fast as acks come back), --duration S (30), --warmup S (5), --users U (100000),
# --connections N (32), --batch B (100), --push-users N (50), --push-rate R (200),
# --no-build, --jobs J (2).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build
loads="10000 50000 0"
duration=30
warmup=5
users=100000
connections=32
batch=100
push_users=50
push_rate=200
smoke=0
do_build=1
jobs=2
pid=
work=

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$2; shift ;;
    --loads) loads=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --users) users=$2; shift ;;
    --connections) connections=$2; shift ;;
    --batch) batch=$2; shift ;;
    --push-users) push_users=$2; shift ;;
    --push-rate) push_rate=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --quick) duration=5; warmup=2 ;;
    --smoke) smoke=1 ;;
    --no-build) do_build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown flag $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
build=$(mkdir -p "$build" && cd "$build" && pwd)
cohortd=$build/cohortd
load=$build/bench/cohort-load
baseline=$build/bench/cohort-baseline-caf
config=$repo/bench/cohort-bench.yaml

die() { echo "run.sh: $*" >&2; exit 1; }

# A cohortd left behind by a failed step would keep its port and data dir.
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
  return 0
}
trap cleanup EXIT

build_binaries() {
  [ -f "$build/CMakeCache.txt" ] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$jobs" --target cohortd cohort-load cohort-baseline-caf
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

metric() { curl -s --max-time 5 "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

# Starts cohortd on a fresh data dir; sets pid and port once /readyz answers 200.
start_node() {
  "$cohortd" --config "$config" --listen 127.0.0.1:0 --data "$work/data" >"$work/cohortd.out" 2>"$work/cohortd.err" &
  pid=$!
  port=
  local i line
  for i in $(seq 3000); do
    kill -0 "$pid" 2>/dev/null || { cat "$work/cohortd.err" >&2; die "cohortd exited at start"; }
    if [ -z "$port" ]; then
      line=$(grep -m1 'cohortd listening on http://' "$work/cohortd.out" 2>/dev/null || true)
      port=${line##*:}
    fi
    if [ -n "$port" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz" || true)" = 200 ]; then
      return
    fi
    sleep 0.02
  done
  die "cohortd not ready after 60 s"
}

stop_node() {
  local rc=0
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  pid=
  [ "$rc" = 0 ] || die "cohortd exited with $rc after SIGTERM"
}

# value of key $2 in a RESULT line $1
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

smoke() {
  start_node
  "$load" --url "http://127.0.0.1:$port" --users 50 --connections 4 --batch 20 --rate 400 \
    --duration 1 --warmup 0 --push-users 5 --push-rate 50 --verify | tee "$work/smoke.out"
  local result
  result=$(grep '^RESULT ' "$work/smoke.out")
  [ "$(field "$result" acked)" -gt 0 ] || die "no events acknowledged"
  [ "$(field "$result" push_n)" -gt 0 ] || die "no segment_change pushed for the probe users"
  [ "$(field "$result" errors)" = 0 ] || die "network errors"
  stop_node
  echo "bench_load_smoke: ok"
}

print_header() {
  echo
  echo "Cohort throughput and latency benchmark — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, load average $(cut -d' ' -f1-3 /proc/loadavg) (other builds and tests may share these cores; cohort-load runs on the same machine)"
  echo "build: $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" | sed 's/^$/RelWithDebInfo (project default)/'), commit $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo '+local changes')"
  echo "cohortd --config bench/cohort-bench.yaml (durability os); cohort-load: $users users, $connections connections, batch $batch, ${duration} s measured after ${warmup} s warm-up; push probe: $push_users users at $push_rate events/s"
  echo
  printf '%-9s | %-10s | %-26s | %-17s | %-8s | %-11s | %-9s | %s\n' \
    offered achieved "ack p50 / p99 / p999 ms" "push p50 / p99 ms" "non-200" "live actors" "RSS MiB" "KiB/actor"
  printf '%.0s-' {1..120}; echo
}

# One offered load; appends a table row and records the achieved rate.
bench_load() {
  local rate=$1 out=$work/load-$1.out result rss live
  "$load" --url "http://127.0.0.1:$port" --users "$users" --connections "$connections" --batch "$batch" \
    --rate "$rate" --duration "$duration" --warmup "$warmup" --push-users "$push_users" \
    --push-rate "$push_rate" > "$out" || die "cohort-load failed at rate $rate: $(tail -5 "$out")"
  result=$(grep '^RESULT ' "$out")
  rss=$(rss_kb "$pid")
  live=$(metric cohort_actors_live)
  live=${live%.*}
  rows+=("$(awk -v r="$rate" -v a="$(field "$result" achieved)" -v p50="$(field "$result" ack_p50_ms)" \
    -v p99="$(field "$result" ack_p99_ms)" -v p999="$(field "$result" ack_p999_ms)" \
    -v q50="$(field "$result" push_p50_ms)" -v q99="$(field "$result" push_p99_ms)" \
    -v n="$(field "$result" non200)" -v l="${live:-0}" -v m="$rss" 'BEGIN {
      printf "%-9s | %10.0f | %7.1f / %7.1f / %7.1f | %7.1f / %7.1f | %-8s | %11d | %9.0f | %s",
        (r == 0 ? "max" : r), a, p50, p99, p999, q50, q99, n, l, m / 1024, (l > 0 ? sprintf("%.1f", m / l) : "-") }')")
  echo "  offered ${rate/#0/max}: $(grep '^achieved\|^offered' "$out" | head -1)" >&2
  if [ "$rate" = 0 ]; then max_achieved=$(field "$result" achieved); max_acked=$(field "$result" acked); fi
}

main() {
  command -v curl >/dev/null || die "needs curl"
  [ "$do_build" = 1 ] && build_binaries
  [ -x "$cohortd" ] && [ -x "$load" ] && [ -x "$baseline" ] || die "missing binaries in $build (build first)"
  work=$(mktemp -d)
  if [ "$smoke" = 1 ]; then
    smoke
    return
  fi
  rows=()
  max_achieved=
  max_acked=
  start_node
  local rate
  for rate in $loads; do bench_load "$rate"; done
  stop_node

  # Baseline 1: as many events as the max-rate run acknowledged (at least 1M), same users.
  local events=${max_acked:-1000000}
  [ "$events" -ge 1000000 ] || events=1000000
  local base_single base_batched
  base_single=$("$baseline" --events "$events" --users "$users" --policy sharing | grep '^RESULT ')
  base_batched=$("$baseline" --events "$events" --users "$users" --policy sharing --per-actor-batch 16 | grep '^RESULT ')

  print_header
  printf '%s\n' "${rows[@]}"
  echo
  echo "ack: HTTP POST /v1/batch due time (open-loop slot) -> 200, so queueing in front of a slow"
  echo "  server counts. push: probe event written -> its segment_change received on /v1/stream."
  echo "  RSS: cohortd VmRSS after the run; KiB/actor = RSS / live session actors (whole process)."
  echo
  echo "baseline 1 (bare CAF 0.17, scheduler sharing, $users per-user actors, $events events, one sender):"
  echo "  one message per event:      $(field "$base_single" events_per_s) events/s"
  echo "  16 events per message:      $(field "$base_batched" events_per_s) events/s"
  if [ -n "$max_achieved" ]; then
    awk -v c="$max_achieved" -v b="$(field "$base_single" events_per_s)" \
      'BEGIN { printf "cohortd at max load / baseline 1 (one message per event): %.3f\n", c / b }'
  fi
}

main
