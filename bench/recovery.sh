#!/usr/bin/env bash
# Recovery benchmark (issue 4: "ready in under 5 s with 1M stored users, lazy activation").
#
#   bench/recovery.sh                  builds, writes (once, cached) the stores of each row,
#                                      starts cohortd on a copy of each RUNS times per
#                                      cache mode and prints the table
#   bench/recovery.sh --fresh          rewrites the cached stores first
#   bench/recovery.sh --smoke          ctest's bench_recovery_smoke: a 1000-user store,
#                                      one start, correctness checks only, no timing verdict
#
# Other flags: --build-dir DIR (default build), --runs N (5), --log-events M (50000),
# --rows "USERS:WAL_MB ..." (default "100000:0 1000000:0 1000000:256 1000000:4000"), --cache
# warm|cold|both (both), --no-build, --jobs J (2), --deadline S (120: longest wait for
# ready, for a profile answer and for the replay to drain).
#
# A row's WAL_MB is how much of the last snapshot writes only the RocksDB WAL holds
# (cohort-make-store --unflushed-mb): 0 = every column family flushed before the log
# tail; 4000 = about the most a crashed cohortd leaves today, because the small `meta`
# family (a checkpoint record every few seconds) keeps every WAL file alive until RocksDB's
# max_total_wal_size (4 GiB with default options) forces a flush; 256 = the most it
# would leave with max_total_wal_size = 256 MiB.
#
# Each run: copy the cached store (SST files hard-linked, the rest copied: cohortd
# rewrites the MANIFEST, replays the WAL and checkpoints on SIGTERM, so a run must not
# touch the cached store), exec cohortd, and time
#   ready          exec -> first 200 from /readyz (polled every 10 ms)
#   first profile  exec -> first 200 from /v1/profiles/<a stored user the tail did not
#                  touch> (revived lazily from its snapshot), and that request's latency
#   drained        exec -> /metrics shows every user of the log tail revived
#                  (cohort_actors_spawned_total > tail users): the replay fully applied
#   RSS            VmRSS right after ready, and once drained
#   stop           SIGTERM -> exit (drain, final checkpoint)
# "cold" evicts the store's files from the page cache before the run (dd iflag=nocache);
# "warm" leaves them cached from the previous run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build
runs=5
readonly default_log_events=50000
log_events=$default_log_events
rows_spec="100000:0 1000000:0 1000000:256 1000000:4000"
cache_modes=both
fresh=0
smoke=0
do_build=1
jobs=2
readonly target_s=5
deadline_s=120

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$2; shift ;;
    --runs) runs=$2; shift ;;
    --log-events) log_events=$2; shift ;;
    --rows) rows_spec=$2; shift ;;
    --cache) cache_modes=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --deadline) deadline_s=$2; shift ;;
    --fresh) fresh=1 ;;
    --smoke) smoke=1 ;;
    --no-build) do_build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "recovery.sh: unknown flag $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
build=$(mkdir -p "$build" && cd "$build" && pwd)
cohortd=$build/cohortd
make_store=$build/bench/cohort-make-store
config=$repo/config/cohort.yaml
bench_dir=$build/bench
pid=

die() { echo "recovery.sh: $*" >&2; exit 1; }

# A cohortd left behind by a failed check would keep its port and data dir.
cleanup() { if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi; return 0; }
trap cleanup EXIT

now_ms() { local t=$EPOCHREALTIME; t=${t//[.,]/}; echo $(( 10#$t / 1000 )); }

build_binaries() {
  # The project default (RelWithDebInfo) unless the build dir was configured otherwise:
  # the figures are for the build users run.
  [ -f "$build/CMakeCache.txt" ] || cmake -S "$repo" -B "$build" -G Ninja >/dev/null
  cmake --build "$build" -j"$jobs" --target cohortd cohort-make-store
}

label_of() {
  local n=$1
  if [ $((n % 1000000)) -eq 0 ]; then echo "$((n / 1000000))m"
  elif [ $((n % 1000)) -eq 0 ]; then echo "$((n / 1000))k"
  else echo "$n"; fi
}

info_value() { sed -n "s/^$2=//p" "$1"; }

# Writes store $2 (+ .info) unless a cached one with the same log tail exists.
ensure_store() {
  local users=$1 dir=$2 wal_mb=$3
  local info=$dir.info
  if [ "$fresh" = 0 ] && [ -f "$info" ] && [ -f "$dir/CURRENT" ] \
     && [ "$(info_value "$info" log_events)" = "$log_events" ] \
     && [ -n "$(info_value "$info" tail_users)" ]; then
    echo "store $(basename "$dir"): cached ($(info_value "$info" built_seconds) s to build)" >&2
    return
  fi
  rm -rf "$dir" "$info"
  echo "store $(basename "$dir"): writing $users users, $log_events log events, ~$wal_mb MB unflushed..." >&2
  "$make_store" --data "$dir" --users "$users" --log-events "$log_events" --config "$config" \
    --unflushed-mb "$wal_mb" > "$info.tmp"
  grep '^cohort-make-store:' "$info.tmp" >&2
  mv "$info.tmp" "$info"
}

# SST files never change once written, so hard links are safe and instant; everything
# else (MANIFEST, CURRENT, OPTIONS, WAL) is copied because cohortd rewrites or deletes it.
copy_store() {
  local from=$1 to=$2 f
  rm -rf "$to"
  mkdir -p "$to"
  for f in "$from"/*; do
    case $f in
      *.sst) ln "$f" "$to/" ;;
      *) cp -p "$f" "$to/" ;;
    esac
  done
}

# Written pages are dirty and would stay cached: sync them, then drop them.
evict_from_page_cache() {
  local f
  sync
  for f in "$1"/*; do dd if="$f" iflag=nocache count=0 status=none; done
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# GET $1 → "<status> <seconds>" with the body in $2.
http_get() {
  curl -s -o "$2" -w '%{http_code} %{time_total}\n' --max-time 30 "$1" || echo "000 0"
}

# Starts cohortd on $1 and fills: port, ready_ms, rss_kb_ready. Fails after the deadline.
start_and_wait_ready() {
  local data=$1 out=$2 t0 line code
  t0=$(now_ms)
  "$cohortd" --data "$data" --listen 127.0.0.1:0 --config "$config" >"$out.stdout" 2>"$out.stderr" &
  pid=$!
  start_ms=$t0
  port=
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$out.stderr" >&2
      die "cohortd exited before it was ready"
    fi
    [ $(( $(now_ms) - t0 )) -lt $((deadline_s * 1000)) ] || die "cohortd not ready after ${deadline_s} s"
    if [ -z "$port" ]; then
      line=$(grep -m1 'cohortd listening on http://' "$out.stdout" 2>/dev/null || true)
      port=${line##*:}
    fi
    if [ -n "$port" ]; then
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz" || true)
      if [ "$code" = 200 ]; then
        ready_ms=$(( $(now_ms) - t0 ))
        rss_kb_ready=$(rss_kb "$pid")
        return
      fi
    fi
    sleep 0.01
  done
}

# Asks for user $1's profile until a 200 (a request stuck behind a long replay times out:
# 503 from cohortd or none within curl's 30 s, then it asks again, up to the deadline);
# checks `events` == $2. Sets profile_ms (since exec) and profile_latency_ms.
check_profile() {
  local user=$1 expected=$2 body=$3 status secs events
  while :; do
    read -r status secs < <(http_get "http://127.0.0.1:$port/v1/profiles/$user" "$body")
    [ "$status" = 503 ] || [ "$status" = 000 ] || break
    [ $(( $(now_ms) - start_ms )) -lt $((deadline_s * 1000)) ] || break
    echo "  profile of $user: HTTP $status after ${secs} s, asking again" >&2
  done
  profile_ms=$(( $(now_ms) - start_ms ))
  profile_latency_ms=$(awk -v s="$secs" 'BEGIN { printf "%.1f", s * 1000 }')
  [ "$status" = 200 ] || die "profile of $user: HTTP $status $(cat "$body" 2>/dev/null)"
  events=$(jq -r .events "$body")
  [ "$events" = "$expected" ] || die "profile of $user: events=$events, expected $expected"
}

# Polls /metrics until at least $1 session actors were spawned; sets drained_ms, rss_kb_drained.
wait_drained() {
  local want=$1 spawned
  while :; do
    spawned=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" \
      | awk '$1 == "cohort_actors_spawned_total" { print $2 }' || true)
    if [ -n "$spawned" ] && [ "${spawned%.*}" -ge "$want" ]; then
      drained_ms=$(( $(now_ms) - start_ms ))
      rss_kb_drained=$(rss_kb "$pid")
      return
    fi
    [ $(( $(now_ms) - start_ms )) -lt $((deadline_s * 1000)) ] || die "replay not drained after ${deadline_s} s ($spawned of $want actors)"
    sleep 0.05
  done
}

# SIGTERM and wait; sets stop_ms. A non-zero exit is a failure (no clean shutdown).
stop_node() {
  local t0 rc=0
  t0=$(now_ms)
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  stop_ms=$(( $(now_ms) - t0 ))
  pid=
  [ "$rc" = 0 ] || die "cohortd exited with $rc after SIGTERM"
}

# One start on a copy of store $1 (info $2); prints
# "ready_ms profile_ms latency_ms rss_kb_ready stop_ms drained_ms rss_kb_drained".
run_once() {
  local store=$1 info=$2 mode=$3 run_dir=$bench_dir/run
  copy_store "$store" "$run_dir/data"
  [ "$mode" = cold ] && evict_from_page_cache "$run_dir/data"
  start_and_wait_ready "$run_dir/data" "$run_dir/cohortd"
  check_profile "$(info_value "$info" sample_stored_user)" "$(info_value "$info" sample_stored_events)" \
    "$run_dir/stored.json"
  local first_profile_ms=$profile_ms first_latency_ms=$profile_latency_ms
  if [ -n "$(info_value "$info" sample_tail_user)" ]; then
    # Replayed exactly once on top of its snapshot.
    check_profile "$(info_value "$info" sample_tail_user)" "$(info_value "$info" sample_tail_events)" \
      "$run_dir/tail.json"
  fi
  # The tail's users plus the stored sample user revived above.
  wait_drained $(( $(info_value "$info" tail_users) + 1 ))
  stop_node
  echo "$ready_ms $first_profile_ms $first_latency_ms $rss_kb_ready $stop_ms $drained_ms $rss_kb_drained"
  rm -rf "$run_dir"
}

# median / min / max of the numbers on stdin.
stats() { sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s %s\n", m, v[1], v[NR] }'; }

smoke() {
  local dir
  dir=$(mktemp -d)
  bench_dir=$dir
  "$make_store" --data "$dir/store" --users 1000 --log-events 300 --config "$config" > "$dir/store.info"
  run_once "$dir/store" "$dir/store.info" warm > "$dir/result"
  read -r r p _ m s d _ < "$dir/result"
  echo "bench_recovery_smoke: ready in $r ms, stored user's profile at $p ms, replay drained at $d ms, RSS $((m / 1024)) MiB, stopped in $s ms"
  rm -rf "$dir"
}

print_header() {
  echo
  echo "Cohort recovery benchmark — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, load average $(cut -d' ' -f1-3 /proc/loadavg) (other builds and tests may share these cores)"
  local build_type
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")
  echo "build: ${build_type:-RelWithDebInfo (project default)}, commit $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo '+local changes')"
  echo "each run: exec cohortd --data <copy of the store> --listen 127.0.0.1:0 --config config/cohort.yaml; $runs runs per row; target: ready < ${target_s} s"
  echo
  printf '%-5s %-8s %-8s %-8s %-5s | %-21s | %-7s | %-7s | %-16s | %-6s | %s\n' \
    users "log tail" "on disk" "WAL" cache "ready med (min-max) s" "profile" "drained" "RSS ready/drained" "stop" "< ${target_s} s"
  printf '%.0s-' {1..117}; echo
}

bench_row() {
  local users=${1%%:*} wal_mb=${1##*:} label store info modes mode i
  label=$(label_of "$users")
  store=$bench_dir/store-$label
  [ "$wal_mb" = 0 ] || store=$store-wal$wal_mb
  [ "$log_events" = "$default_log_events" ] || store=$store-tail$(label_of "$log_events")
  info=$store.info
  ensure_store "$users" "$store" "$wal_mb"
  local disk wal
  disk=$(du -sm "$store" | cut -f1)
  wal=$(( $(info_value "$info" wal_bytes) / 1000000 ))
  modes=$cache_modes
  [ "$modes" = both ] && modes="cold warm"
  for mode in $modes; do
    local results
    results=$bench_dir/results-$(basename "$store")-$mode
    : > "$results"
    for i in $(seq "$runs"); do
      echo "  $label $mode run $i/$runs" >&2
      run_once "$store" "$info" "$mode" >> "$results"
    done
    read -r rmed rmin rmax < <(cut -d' ' -f1 "$results" | stats)
    read -r pmed _ _ < <(cut -d' ' -f2 "$results" | stats)
    read -r mmed _ _ < <(cut -d' ' -f4 "$results" | stats)
    read -r smed _ _ < <(cut -d' ' -f5 "$results" | stats)
    read -r dmed _ _ < <(cut -d' ' -f6 "$results" | stats)
    read -r nmed _ _ < <(cut -d' ' -f7 "$results" | stats)
    local verdict=MISS
    [ "$(awk -v m="$rmax" -v t="$target_s" 'BEGIN { print (m < t * 1000) }')" = 1 ] && verdict=PASS
    rows+=("$(awk -v l="$label" -v t="$log_events" -v d="$disk" -v w="$wal" -v c="$mode" -v rm="$rmed" \
      -v r0="$rmin" -v r1="$rmax" -v p="$pmed" -v dr="$dmed" -v m="$mmed" -v n="$nmed" -v s="$smed" -v v="$verdict" 'BEGIN {
        printf "%-5s %-8s %-8s %-8s %-5s | %5.2f (%5.2f-%5.2f)   | %5.2f s | %5.2f s | %5.0f / %5.0f MiB | %4.1f s | %s",
          l, t, d " MB", w " MB", c, rm / 1000, r0 / 1000, r1 / 1000, p / 1000, dr / 1000, m / 1024, n / 1024, s / 1000, v }')")
  done
}

main() {
  if ! command -v curl >/dev/null || ! command -v jq >/dev/null; then
    die "needs curl and jq (apt-get install curl jq)"
  fi
  [ "$do_build" = 1 ] && build_binaries
  if [ ! -x "$cohortd" ] || [ ! -x "$make_store" ]; then
    die "missing $cohortd or $make_store (build first)"
  fi
  if [ "$smoke" = 1 ]; then
    smoke
    return
  fi
  mkdir -p "$bench_dir"
  rows=()
  local row
  for row in $rows_spec; do bench_row "$row"; done
  print_header
  printf '%s\n' "${rows[@]}"
  echo
  echo "ready: exec -> first 200 from /readyz (RocksDB open incl. WAL replay, log tail read and routed;"
  echo "  no user is loaded eagerly). profile: exec -> 200 from /v1/profiles/<stored user not in the"
  echo "  tail>, revived from its snapshot (it queues behind the revivals the replayed tail causes)."
  echo "  drained: exec -> every tail user revived and live. RSS: VmRSS at ready / once drained."
  echo "  stop: SIGTERM -> exit (final checkpoint of the revived users). Medians over the runs."
  echo "WAL: RocksDB WAL bytes in the store, replayed at open. A PASS needs the slowest run under ${target_s} s."
}

main
