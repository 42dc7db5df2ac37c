#!/usr/bin/env bash
# Throughput and latency benchmark (issue 6).
#
#   bench/run.sh            builds (RelWithDebInfo), starts cohortd with bench/cohort-bench.yaml
#                           (durability os, write key bench-key), runs cohort-load at each
#                           offered load for DURATION s after WARMUP s, then the baselines at
#                           the same settings, prints one table with ratios Cohort / baseline
#                           and writes bench/results/<UTC date-time>/ (results.md, the plot
#                           throughput_latency.png and the raw outputs):
#                             1. bare CAF delivery of as many events to per-user actors;
#                             2. Debian's redis-server running bench/baseline/cohort_update.lua
#                                per event, fed the same events by cohort-baseline-redis;
#                             3. bench/baseline/node_service (Node.js + that script in Redis),
#                                driven by cohort-load over HTTP at the same offered loads.
#   bench/run.sh --quick    the same with 5 s runs (figures are indicative only)
#   bench/run.sh --smoke    ctest's bench_load_smoke: a few hundred events with the push probe,
#                           then every acknowledged event must show in the profiles
#
# Beside each offered-load run of Cohort, cohort-wakeup-probe measures how late the machine
# wakes a sleeping thread (the floor under the run's tails), and cohort-load's --timeline
# keeps each second's worst ack and push latency in the raw output.
#
# Then memory: for each of --memory-users (default "100000 1000000"), a fresh cohortd gets
# --memory-events (5) events per user on average, at 50,000 events/s over that many users,
# and once idle for a checkpoint interval and a half (snapshots written, recent events let
# go) its RSS growth over the idle node is divided by its live session actors
# (each actor with its state, directory entry and share of RocksDB's memtables and of
# allocator overhead); whole-process RSS per actor, and the growth read right after the
# load (before a checkpoint), are shown beside it.
#
# Other flags: --build-dir DIR (default build), --loads "5000 10000 20000 50000 0" (events/s
# offered; 0 = as fast as acks come back), --duration S (30), --warmup S (5), --users U
# (100000), --connections N (32), --batch B (100, also baseline 2's pipeline depth),
# --push-users N (50), --push-rate R (200), --no-baselines, --no-memory, --results-dir DIR,
# --no-workloads (skip the YOOCHOOSE replay and the browser-shaped run), --shared-data DIR
# (../shared/data, where the YOOCHOOSE files are), --profile (one more max-rate run under
# perf: cohortd's self time by stage and the load generator's CPU share, in profile.txt),
# --allocations (one more node with build/bench/libcohort-alloc-count.so preloaded: heap
# allocations and bytes per acknowledged event by thread, checkpoints off, in
# allocations.txt), --no-build, --jobs J (2). Baselines need redis-server, node and npm (scripts/setup.sh); the plot
# needs gnuplot (skipped with a note when missing).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build
loads="5000 10000 20000 50000 0"
duration=30
warmup=5
users=100000
connections=32
batch=100
push_users=50
push_rate=200
smoke=0
do_build=1
baselines=1
memory_users="100000 1000000"
memory_events=5
memory_rate=50000
checkpoint_wait=45
results=
jobs=2
workloads=1
profile=0
allocations=0
browser_connections=256
shared_data=$repo/../shared/data
pid=
redis_pid=
node_pid=
work=

# The flags as given, for results.md's reproduce line.
cmdline=
if [ $# -gt 0 ]; then cmdline=$(printf ' %q' "$@"); fi

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
    --no-baselines) baselines=0 ;;
    --no-memory) memory_users= ;;
    --no-workloads) workloads=0 ;;
    --profile) profile=1 ;;
    --allocations) allocations=1 ;;
    --shared-data) shared_data=$2; shift ;;
    --memory-users) memory_users=$2; shift ;;
    --memory-events) memory_events=$2; shift ;;
    --results-dir) results=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown flag $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
build=$(mkdir -p "$build" && cd "$build" && pwd)
cohortd=$build/cohortd
load=$build/bench/cohort-load
baseline=$build/bench/cohort-baseline-caf
wakeup_probe=$build/bench/cohort-wakeup-probe
baseline_redis=$build/bench/cohort-baseline-redis
lua_script=$repo/bench/baseline/cohort_update.lua
node_service=$repo/bench/baseline/node_service
config=$repo/bench/cohort-bench.yaml

die() { echo "run.sh: $*" >&2; exit 1; }

# A cohortd, redis-server or node left behind by a failed step would keep its port and
# data dir.
cleanup() {
  local p
  for p in "$pid" "$node_pid" "$redis_pid"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then kill -KILL "$p"; fi
  done
  if [ -n "$work" ]; then rm -rf "$work"; fi
  return 0
}
trap cleanup EXIT

build_binaries() {
  [ -f "$build/CMakeCache.txt" ] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  local targets=(cohortd cohort-load cohort-baseline-caf cohort-wakeup-probe)
  [ "$smoke" = 1 ] || targets+=(cohort-baseline-redis)
  [ "$allocations" = 0 ] || targets+=(cohort-alloc-count)
  cmake --build "$build" -j"$jobs" --target "${targets[@]}"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# A /metrics value; empty when cohortd does not answer within 15 s (busy after an overload).
metric() { { curl -s --max-time 15 "http://127.0.0.1:$port/metrics" || true; } | awk -v m="$1" '$1 == m { print $2 }'; }

# Starts cohortd on a fresh data dir with config $1 (default $config) and the environment
# node_env adds; sets pid and port once /readyz answers 200.
node_env=()
start_node() {
  env "${node_env[@]}" "$cohortd" --config "${1:-$config}" --listen 127.0.0.1:0 --data "$work/data" >"$work/cohortd.out" 2>"$work/cohortd.err" &
  pid=$!
  port=
  local _ line
  for _ in $(seq 3000); do
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
    --duration 1 --warmup 0 --push-users 5 --push-rate 50 --verify --timeline | tee "$work/smoke.out"
  local result
  result=$(grep '^RESULT ' "$work/smoke.out")
  [ "$(field "$result" acked)" -gt 0 ] || die "no events acknowledged"
  [ "$(field "$result" push_n)" -gt 0 ] || die "no segment_change pushed for the probe users"
  [ "$(field "$result" errors)" = 0 ] || die "network errors"
  grep -q '^TIMELINE .* requests=[1-9]' "$work/smoke.out" || die "no second of acknowledgements in --timeline"
  result=$("$wakeup_probe" --seconds 0.2 | grep '^RESULT ')
  [ "$(field "$result" wakeups)" -gt 0 ] || die "cohort-wakeup-probe recorded no wake-up"
  stop_node
  echo "bench_load_smoke: ok"
}

# A TCP port on 127.0.0.1 that nothing listens on now (redis-server cannot pick its own).
free_port() {
  local p _
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  die "no free port found"
}

# redis-server without persistence on a free port; sets redis_pid and redis_port.
start_redis() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || die "needs redis-server and redis-cli (scripts/setup.sh)"
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    --logfile "$work/redis.log" --daemonize no &
  redis_pid=$!
  local _
  for _ in $(seq 500); do
    kill -0 "$redis_pid" 2>/dev/null || { cat "$work/redis.log" >&2; die "redis-server exited at start"; }
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && return
    sleep 0.02
  done
  die "redis-server not answering after 10 s"
}

stop_redis() {
  local rc=0
  kill -TERM "$redis_pid"
  wait "$redis_pid" || rc=$?
  redis_pid=
  [ "$rc" = 0 ] || die "redis-server exited with $rc after SIGTERM"
}

# The Node.js service on a free port in front of redis; sets node_pid and node_port.
start_node_service() {
  command -v node >/dev/null && command -v npm >/dev/null || die "needs node and npm (scripts/setup.sh)"
  if [ ! -d "$node_service/node_modules" ]; then
    (cd "$node_service" && npm ci --silent --no-audit --no-fund) || die "npm ci failed in $node_service"
  fi
  node "$node_service/server.js" --redis-port "$redis_port" --write-key bench-key \
    >"$work/node.log" 2>"$work/node.err" &
  node_pid=$!
  node_port=
  local _ line
  for _ in $(seq 500); do
    kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.err" >&2; die "node service exited at start"; }
    line=$(grep -m1 'node_service listening on http://' "$work/node.log" 2>/dev/null || true)
    if [ -n "$line" ]; then node_port=${line##*:}; return; fi
    sleep 0.02
  done
  die "node service not listening after 10 s"
}

stop_node_service() {
  local rc=0
  kill -TERM "$node_pid"
  wait "$node_pid" || rc=$?
  node_pid=
  [ "$rc" = 0 ] || die "node service exited with $rc after SIGTERM"
}

# cohort-load against base URL $1 at offered rate $2 with $3 push-probe users, output
# kept in $4; prints the RESULT line.
load_run() {
  "$load" --url "$1" --users "$users" --connections "$connections" --batch "$batch" \
    --rate "$2" --duration "$duration" --warmup "$warmup" --push-users "$3" \
    --push-rate "$push_rate" --timeline > "$4" || die "cohort-load failed at rate $2 against $1: $(tail -5 "$4")"
  echo "  $1 offered ${2/#0/max}: $(grep '^offered' "$4" | head -1)" >&2
  grep '^RESULT ' "$4"
}

# One row of the table, tab-separated: system offered achieved p50 p99 p999 push_p50
# push_p99 non200 rss_mib kib_per_actor; "-" where a column does not apply.
add_row() { local IFS=$'\t'; echo "$*" >> "$work/rows.tsv"; }

# Clock ticks of CPU a process has used (utime + stime).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Waits (at most 30 s) until cohortd uses under 5 % of a core for a whole second, so the
# backlog an overloaded run leaves behind is not measured against the next load.
settle() {
  local hz before after waited
  hz=$(getconf CLK_TCK)
  for waited in $(seq 30); do
    before=$(cpu_ticks "$pid")
    sleep 1
    after=$(cpu_ticks "$pid")
    if [ $((after - before)) -le $((hz / 20)) ]; then
      [ "$waited" = 1 ] || echo "  cohortd idle after ${waited} s" >&2
      return
    fi
  done
  echo "  cohortd still busy after 30 s; measuring the next load anyway" >&2
}

# One offered load against cohortd; once it is idle again, adds a row (with RSS and live
# actors) and records the max-rate run's acknowledged events for baseline 1.
bench_load() {
  local rate=$1 result rss live probe=
  if [ "$rate" != 0 ]; then
    # How late the machine wakes any sleeping thread over the measured window: the floor
    # under this run's tails (bench/wakeup_probe.cpp). Started after the warm-up.
    (sleep "$warmup" && exec "$wakeup_probe" --seconds "$duration") > "$work/wakeup-$rate.out" &
    probe=$!
  fi
  result=$(load_run "http://127.0.0.1:$port" "$rate" "$push_users" "$work/cohort-load-$rate.out")
  [ -z "$probe" ] || wait "$probe" || die "cohort-wakeup-probe failed at rate $rate"
  settle
  rss=$(rss_kb "$pid")
  live=$(metric cohort_actors_live)
  live=${live%.*}
  add_row Cohort "${rate/#0/max}" "$(field "$result" achieved)" "$(field "$result" ack_p50_ms)" \
    "$(field "$result" ack_p99_ms)" "$(field "$result" ack_p999_ms)" "$(field "$result" push_p50_ms)" \
    "$(field "$result" push_p99_ms)" "$(field "$result" non200)" \
    "$(awk -v m="$rss" 'BEGIN { printf "%.0f", m / 1024 }')" \
    "$(awk -v m="$rss" -v l="${live:-0}" 'BEGIN { print (l > 0 ? sprintf("%.1f", m / l) : "-") }')"
  if [ "$rate" = 0 ]; then max_acked=$(field "$result" acked); fi
}

# Memory at $1 live users: a fresh node fed memory_events per user over $1 users; once
# idle, the RSS it grew by, per live session actor, as a node holds its users between
# checkpoints (read after a checkpoint interval and a half: snapshots written, recent
# events let go), and beside it as read right after the load. Adds a line to memory.tsv.
bench_memory() {
  local n=$1 secs rss0 rss1 rss_loaded live result
  secs=$(awk -v n="$n" -v e="$memory_events" -v r="$memory_rate" 'BEGIN { printf "%.1f", n * e / r }')
  rm -rf "$work/data"
  start_node
  settle
  rss0=$(rss_kb "$pid")
  "$load" --url "http://127.0.0.1:$port" --users "$n" --connections "$connections" --batch "$batch" \
    --rate "$memory_rate" --duration "$secs" --warmup 0 --user-prefix m > "$work/memory-$n.out" \
    || die "cohort-load failed in the memory run over $n users: $(tail -5 "$work/memory-$n.out")"
  result=$(grep '^RESULT ' "$work/memory-$n.out")
  settle
  rss_loaded=$(rss_kb "$pid")
  sleep "$checkpoint_wait"  # bench/cohort-bench.yaml: checkpoint_interval 30s
  settle
  rss1=$(rss_kb "$pid")
  live=$(metric cohort_actors_live)
  live=${live%.*}
  stop_node
  [ "${live:-0}" -gt 0 ] || die "no live actors after the memory run over $n users"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$live" "$(field "$result" acked)" \
    "$((rss0 / 1024))" "$((rss1 / 1024))" \
    "$(awk -v a="$rss0" -v b="$rss1" -v c="$rss_loaded" -v l="$live" 'BEGIN { printf "%.2f\t%.2f\t%.2f", (b - a) / l, b / l, (c - a) / l }')" \
    >> "$work/memory.tsv"
  echo "  memory: $n users, $live live actors, RSS $((rss0 / 1024)) -> $((rss1 / 1024)) MiB" >&2
}

# The wake-up probe's figures for each offered load, as text ($1 = text) or Markdown ($1 = md).
format_wakeups() {
  local rate r
  if [ "$1" = md ]; then
    echo "| offered events/s | wake-ups | late p50 ms | late p99 ms | late p99.9 ms | late max ms |"
    echo "|---:|---:|---:|---:|---:|---:|"
  else
    printf "%-16s | %-8s | %-11s | %-11s | %-13s | %s\n" "offered events/s" "wake-ups" "late p50 ms" "late p99 ms" "late p99.9 ms" "late max ms"
  fi
  for rate in $loads; do
    [ -s "$work/wakeup-$rate.out" ] || continue
    r=$(grep '^RESULT ' "$work/wakeup-$rate.out")
    if [ "$1" = md ]; then
      echo "| $rate | $(field "$r" wakeups) | $(field "$r" p50_ms) | $(field "$r" p99_ms) | $(field "$r" p999_ms) | $(field "$r" max_ms) |"
    else
      printf "%16s | %8s | %11s | %11s | %13s | %s\n" "$rate" "$(field "$r" wakeups)" "$(field "$r" p50_ms)" "$(field "$r" p99_ms)" "$(field "$r" p999_ms)" "$(field "$r" max_ms)"
    fi
  done
}

# The memory table, as text ($1 = text) or Markdown ($1 = md).
format_memory() {
  [ -s "$work/memory.tsv" ] || return 0
  awk -F'\t' -v fmt="$1" '
    BEGIN {
      if (fmt == "md") {
        print "| users | live actors | events applied | events/actor | RSS idle -> loaded MiB | KiB per actor (growth) | KiB per actor (whole process) | growth before a checkpoint |"
        print "|---:|---:|---:|---:|---|---:|---:|---:|"
      } else {
        printf "%-9s | %-11s | %-14s | %-12s | %-22s | %-22s | %-29s | %s\n", "users", "live actors", "events applied", "events/actor", "RSS idle -> loaded MiB", "KiB per actor (growth)", "KiB per actor (whole process)", "growth before a checkpoint"
      }
    }
    {
      if (fmt == "md")
        printf "| %s | %s | %s | %.1f | %s -> %s | %s | %s | %s |\n", $1, $2, $3, $3 / $2, $4, $5, $6, $7, $8
      else
        printf "%9s | %11s | %14s | %12.1f | %9s -> %-9s | %22s | %29s | %s\n", $1, $2, $3, $3 / $2, $4, $5, $6, $7, $8
    }' "$work/memory.tsv"
}

# With --profile: one more max-rate run with `perf record` attached to cohortd over the
# measured window; its self time folded into stages (bench/perf_stages.awk) and the
# CPU each process used, cohortd beside the load generator, go to profile.txt.
profile_max() {
  command -v perf >/dev/null || die "--profile needs perf (linux-perf)"
  local hz loader before_c before_l after_c after_l
  hz=$(getconf CLK_TCK)
  # The load outlasts the perf window by 2 s, so both processes are measured over it.
  "$load" --url "http://127.0.0.1:$port" --users "$users" --connections "$connections" \
    --batch "$batch" --duration $((duration + 2)) --warmup "$warmup" > "$work/profile-load.out" &
  loader=$!
  sleep "$warmup"
  before_c=$(cpu_ticks "$pid"); before_l=$(cpu_ticks "$loader")
  perf record -F 499 -g -p "$pid" -o "$work/perf.data" -- sleep "$duration" 2> "$work/perf.err" \
    || die "perf record failed: $(tail -3 "$work/perf.err")"
  after_c=$(cpu_ticks "$pid"); after_l=$(cpu_ticks "$loader")
  wait "$loader" || die "cohort-load failed in the profile run: $(tail -5 "$work/profile-load.out")"
  {
    echo "cohortd at max under perf: $(grep '^offered' "$work/profile-load.out")"
    awk -v c=$((after_c - before_c)) -v l=$((after_l - before_l)) -v hz="$hz" -v d="$duration" \
      'BEGIN { printf "CPU over the %s s window: cohortd %.2f cores, cohort-load %.2f cores (%.0f%% of the two)\n", d, c / hz / d, l / hz / d, 100 * l / (c + l) }'
    echo "cohortd self time by stage (% of its samples):"
    perf report -i "$work/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null \
      | awk -f "$repo/bench/perf_stages.awk"
    echo "cohortd's 30 hottest symbols (self %):"
    perf report -i "$work/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null \
      | awk '/^ *[0-9.]+%/ && n++ < 30 { print }'
  } > "$work/profile.txt"
  cat "$work/profile.txt" >&2
  settle
}

# With --allocations: heap allocations per acknowledged event, by thread (issue 18). A fresh
# cohortd with libcohort-alloc-count.so preloaded and checkpoints off (a checkpoint's
# snapshot writes are not per event) first gets 400k events over the users so that their
# session actors are live, then is counted, idle to idle, over one run at 20k events/s.
bench_allocations() {
  local lib=$build/bench/libcohort-alloc-count.so counts=$work/alloc-counts result acked _
  local duration=20 warmup=0  # for load_run: 400k events each at 20k events/s
  [ -f "$lib" ] || die "missing $lib (build first)"
  sed 's/^\( *checkpoint_interval:\).*/\1 1h/' "$config" > "$work/alloc.yaml"
  rm -rf "$work/data"
  : > "$counts"
  node_env=(LD_PRELOAD="$lib" COHORT_ALLOC_COUNT_FILE="$counts")
  start_node "$work/alloc.yaml"
  node_env=()
  load_run "http://127.0.0.1:$port" 20000 0 "$work/alloc-warmup.out" > /dev/null
  settle
  kill -USR2 "$pid"
  result=$(load_run "http://127.0.0.1:$port" 20000 0 "$work/alloc-load.out")
  settle
  kill -USR2 "$pid"
  for _ in $(seq 500); do
    [ "$(grep -c '^end$' "$counts")" -ge 2 ] && break
    sleep 0.02
  done
  [ "$(grep -c '^end$' "$counts")" -ge 2 ] || die "no allocation counts from cohortd after 10 s"
  stop_node
  acked=$(field "$result" acked)
  [ "${acked:-0}" -gt 0 ] || die "no events acknowledged in the counted run"
  # Per thread: the second dump minus the first, summed by thread name, most first.
  {
    echo "heap allocations per acknowledged event, $acked events at 20,000 events/s over $users users (checkpoints off), by thread:"
    printf '%-16s %12s %12s\n' thread allocations bytes
    awk -v acked="$acked" '
      /^end$/ { dump++; next }
      dump == 0 { a0[$1] = $3; b0[$1] = $4; next }
      dump == 1 { name[$1] = $2; a1[$1] = $3; b1[$1] = $4 }
      END {
        for (t in a1) { da[name[t]] += a1[t] - a0[t]; db[name[t]] += b1[t] - b0[t] }
        for (n in da) {
          ta += da[n]; tb += db[n]
          if (da[n] / acked >= 0.005) printf "%-16s %12.2f %12.0f\n", n, da[n] / acked, db[n] / acked
        }
        printf "%-16s %12.2f %12.0f\n", "~total", ta / acked, tb / acked
      }' "$counts" | sort -k2,2nr | awk '/^~total/ { sub(/^~total/, "total "); total = $0; next } { print } END { print total }'
    echo "cohort.http: HTTP read, parse, decode, validate; caf.actor: detached actors (ingest:"
    echo "identity, log write, routing); caf.multiplexer: CAF 0.17.6's name for its scheduler"
    echo "workers (directory shards, sessions, publisher); rocksdb: its flush and compaction threads."
  } > "$work/allocations.txt"
  cat "$work/allocations.txt" >&2
}

# Workloads a real site has, beside the random-user runs (issue 18): the YOOCHOOSE sessions
# of ../shared/data replayed as fast as acks come back (a session's clicks arrive close
# together: per-user locality), and browser-shaped traffic (each request one user's few
# events, as an SDK sends them, over many connections).
bench_workloads() {
  local r files
  files=$(ls "$shared_data"/yoochoose-clicks-*.txt 2>/dev/null | paste -sd, -)
  if [ -n "$files" ]; then
    "$load" --url "http://127.0.0.1:$port" --replay "$files" --speedup 0 --connections "$connections" \
      --batch "$batch" --warmup 0 --duration 600 > "$work/yoochoose.out" \
      || die "cohort-load failed replaying YOOCHOOSE: $(tail -5 "$work/yoochoose.out")"
    r=$(grep '^RESULT ' "$work/yoochoose.out")
    add_row "Cohort: YOOCHOOSE replay" max "$(field "$r" achieved)" "$(field "$r" ack_p50_ms)" \
      "$(field "$r" ack_p99_ms)" "$(field "$r" ack_p999_ms)" - - "$(field "$r" non200)" - -
    settle
  else
    echo "  no YOOCHOOSE files in $shared_data: replay skipped" >&2
  fi
  "$load" --url "http://127.0.0.1:$port" --users "$users" --connections "$browser_connections" \
    --batch 3 --per-user --duration "$duration" --warmup "$warmup" > "$work/browser.out" \
    || die "cohort-load failed with browser-shaped traffic: $(tail -5 "$work/browser.out")"
  r=$(grep '^RESULT ' "$work/browser.out")
  add_row "Cohort: browser-shaped, 3 events/request" max "$(field "$r" achieved)" \
    "$(field "$r" ack_p50_ms)" "$(field "$r" ack_p99_ms)" "$(field "$r" ack_p999_ms)" - - \
    "$(field "$r" non200)" - -
  settle
}

# The median events/s of three runs of the bare-CAF baseline with arguments "$@" (each run's
# output appended to $out): one run lasts a few seconds, and on a shared VM one run's
# figure swings by half between runs minutes apart.
baseline_caf_median() {
  local out=$1 rates=() i r
  shift
  : > "$out"
  for i in 1 2 3; do
    r=$("$baseline" "$@" | tee -a "$out" | grep '^RESULT ')
    rates+=("$(field "$r" events_per_s)")
  done
  printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p
}

# Baseline 1: as many events as the max-rate run acknowledged (at least 1M), same users.
baseline_caf() {
  local events=${max_acked:-1000000}
  [ "$events" -ge 1000000 ] || events=1000000
  add_row "baseline 1: bare CAF, 1 event/msg" max "$(baseline_caf_median "$work/baseline1-single.out" \
    --events "$events" --users "$users" --policy sharing)" - - - - - - - -
  add_row "baseline 1: bare CAF, 16 events/msg" max "$(baseline_caf_median "$work/baseline1-batched.out" \
    --events "$events" --users "$users" --policy sharing --per-actor-batch 16)" - - - - - - - -
}

# Baselines 2 and 3 share one redis-server, flushed in between.
baselines_redis() {
  local r rate
  start_redis
  "$baseline_redis" --script "$lua_script" --port "$redis_port" --users "$users" \
    --connections "$connections" --batch "$batch" --duration "$duration" --warmup "$warmup" \
    > "$work/baseline2.out" || die "cohort-baseline-redis failed: $(tail -5 "$work/baseline2.out")"
  r=$(grep '^RESULT ' "$work/baseline2.out")
  echo "  $(head -1 "$work/baseline2.out")" >&2
  add_row "baseline 2: Redis Lua, C++ pipelined" max "$(field "$r" achieved)" "$(field "$r" ack_p50_ms)" \
    "$(field "$r" ack_p99_ms)" "$(field "$r" ack_p999_ms)" - - - - -
  redis-cli -p "$redis_port" flushall >/dev/null
  start_node_service
  for rate in $loads; do
    r=$(load_run "http://127.0.0.1:$node_port" "$rate" 0 "$work/node-load-$rate.out")
    add_row "baseline 3: Node.js + Redis Lua" "${rate/#0/max}" "$(field "$r" achieved)" "$(field "$r" ack_p50_ms)" \
      "$(field "$r" ack_p99_ms)" "$(field "$r" ack_p999_ms)" - - "$(field "$r" non200)" - -
  done
  stop_node_service
  stop_redis
}

# The commit the scripts run from, or a note when $repo is not a git checkout.
revision() {
  local head
  head=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null) || { echo "not a git checkout"; return; }
  git -C "$repo" diff --quiet 2>/dev/null && echo "commit $head" || echo "commit $head + local changes"
}

machine_line() {
  echo "$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
}

# The table, as text ($1 = text) or Markdown ($1 = md), with the ratio Cohort at max /
# this row on every max-rate baseline row.
format_rows() {
  awk -F'\t' -v fmt="$1" '
    function num(v, d) { return v == "-" || v == "" ? "-" : sprintf("%." d "f", v) }
    { row[NR] = $0; if ($1 == "Cohort" && $2 == "max") cmax = $3 }
    END {
      if (fmt == "md") {
        print "| system | offered | events/s | ack p50 / p99 / p999 ms | push p50 / p99 ms | non-200 | RSS MiB | KiB/actor | Cohort / this |"
        print "|---|---:|---:|---|---|---|---:|---:|---:|"
      } else {
        printf "%-37s | %-7s | %9s | %-26s | %-17s | %-8s | %-7s | %-9s | %s\n", "system", "offered", "events/s", "ack p50 / p99 / p999 ms", "push p50 / p99 ms", "non-200", "RSS MiB", "KiB/actor", "Cohort/this"
        s = ""; for (i = 0; i < 150; i++) s = s "-"; print s
      }
      for (i = 1; i <= NR; i++) {
        split(row[i], f, "\t")
        ack = f[4] == "-" ? "-" : sprintf("%s / %s / %s", num(f[4], 1), num(f[5], 1), num(f[6], 1))
        push = f[7] == "-" ? "-" : sprintf("%s / %s", num(f[7], 1), num(f[8], 1))
        ratio = (f[1] ~ /^baseline/ && f[2] == "max" && cmax > 0 && f[3] > 0) ? sprintf("%.3g", cmax / f[3]) : "-"
        if (fmt == "md")
          printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], num(f[3], 0), ack, push, f[9], f[10], f[11], ratio
        else
          printf "%-37s | %7s | %9s | %-26s | %-17s | %-8s | %7s | %9s | %s\n", f[1], f[2], num(f[3], 0), ack, push, f[9], f[10], f[11], ratio
      }
    }' "$work/rows.tsv"
}

notes() {
  cat <<EOF
cohortd --config bench/cohort-bench.yaml (durability os); cohort-load: $users users, $connections connections, batch $batch, ${duration} s measured after ${warmup} s warm-up at each offered load; push probe (Cohort only): $push_users users at $push_rate events/s.
ack: HTTP POST /v1/batch due time (open-loop slot) -> 200, so queueing in front of a slow server counts; at "max" each connection sends its next batch when the last one is acknowledged.
push: probe event written -> its segment_change received on /v1/stream. RSS: cohortd VmRSS after the run; KiB/actor = RSS / live session actors (whole process).
baseline 1: bare CAF 0.17 (scheduler sharing) delivering as many events as Cohort's max run acknowledged (at least 1M) to $users per-user actors from one sender; no HTTP, JSON, storage or rules; the median of three runs.
baseline 2: redis-server (no persistence) running bench/baseline/cohort_update.lua per event, fed the same event stream by cohort-baseline-redis: $connections connections, pipelines of $batch EVALSHA; latency = whole pipeline, closed loop.
baseline 3: bench/baseline/node_service (one Node.js process, ioredis, one pipeline of that script per request) behind cohort-load over HTTP at the same settings as Cohort.
Cohort: YOOCHOOSE replay: the ../shared/data click files as product views of their sessions, sent as fast as acks come back ($connections connections, batch $batch); Cohort: browser-shaped: every request 3 events of one random user over $browser_connections connections.
Cohort / this: Cohort's max-rate events/s divided by the baseline's. Every process (cohortd, the clients, redis-server, node) shares this machine's cores.
EOF
}

# results.md, the plot and the raw outputs in $1.
write_results() {
  local dir=$1 plot_note
  mkdir -p "$dir"
  cp "$work"/*.out "$work/rows.tsv" "$dir/"
  if [ -s "$work/profile.txt" ]; then cp "$work/profile.txt" "$dir/"; fi
  if [ -s "$work/allocations.txt" ]; then cp "$work/allocations.txt" "$dir/"; fi
  if [ -s "$work/memory.tsv" ]; then cp "$work/memory.tsv" "$dir/"; fi
  awk -F'\t' '$1 == "Cohort" && $2 != "max" { print $2, $3, $4, $5, $6 }' "$work/rows.tsv" > "$dir/cohort.dat"
  awk -F'\t' '$1 ~ /^baseline 3/ && $2 != "max" { print $2, $3, $4, $5, $6 }' "$work/rows.tsv" > "$dir/node.dat"
  if [ ! -s "$dir/cohort.dat" ]; then
    plot_note="(no plot: no offered-load runs)"
  elif command -v gnuplot >/dev/null; then
    local cmax nmax
    cmax=$(awk -F'\t' '$1 == "Cohort" && $2 == "max" { print $3 + 0 }' "$work/rows.tsv")
    nmax=$(awk -F'\t' '$1 ~ /^baseline 3/ && $2 == "max" { print $3 + 0 }' "$work/rows.tsv")
    gnuplot -e "dir='$dir'; cohort_max=${cmax:-0}; node_max=${nmax:-0}; title_text='Cohort and baseline 3 against offered load: $users users, batch $batch, durability os, $(nproc) cores, $(date -u +%Y-%m-%d)'" \
      "$repo/bench/plot.gnuplot" || die "gnuplot failed"
    plot_note="![throughput and ack p99 against offered load](throughput_latency.png)"
  else
    plot_note="(no plot: gnuplot is missing; scripts/setup.sh installs it)"
  fi
  {
    echo "# Cohort benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "- machine: $(machine_line)"
    echo "- scripts: $(revision); binaries: $build"
    echo "- command: \`bench/run.sh$cmdline\`"
    echo
    format_rows md
    echo
    notes | sed 's/^/- /'
    if ls "$work"/wakeup-*.out >/dev/null 2>&1; then
      echo
      echo "How late a sleeping thread woke during each Cohort run (cohort-wakeup-probe, 1 ms sleeps over the measured window): no hop through cohortd waits less than the machine gives any thread."
      echo
      format_wakeups md
    fi
    if [ -s "$work/memory.tsv" ]; then
      echo
      echo "Memory per live session actor (cohortd fed $memory_events events per user at $memory_rate events/s, then idle for a checkpoint interval and a half):"
      echo
      format_memory md
    fi
    local extra
    for extra in profile.txt allocations.txt; do
      if [ -s "$work/$extra" ]; then
        echo
        echo '```'
        cat "$work/$extra"
        echo '```'
      fi
    done
    echo
    echo "$plot_note"
  } > "$dir/results.md"
}

main() {
  command -v curl >/dev/null || die "needs curl"
  [ "$do_build" = 1 ] && build_binaries
  [ -x "$cohortd" ] && [ -x "$load" ] && [ -x "$baseline" ] && [ -x "$wakeup_probe" ] \
    || die "missing binaries in $build (build first)"
  work=$(mktemp -d)
  if [ "$smoke" = 1 ]; then
    smoke
    return
  fi
  [ "$baselines" = 0 ] || [ -x "$baseline_redis" ] || die "missing $baseline_redis (build first)"
  local started=$SECONDS rate
  : > "$work/rows.tsv"
  max_acked=
  start_node
  for rate in $loads; do bench_load "$rate"; done
  [ "$workloads" = 0 ] || bench_workloads
  [ "$profile" = 0 ] || profile_max
  stop_node
  [ "$allocations" = 0 ] || bench_allocations
  if [ "$baselines" = 1 ]; then
    baseline_caf
    baselines_redis
  fi
  : > "$work/memory.tsv"
  for n in $memory_users; do bench_memory "$n"; done

  [ -n "$results" ] || results=$repo/bench/results/$(date -u +%Y-%m-%dT%H%MZ)
  write_results "$results"
  echo
  echo "Cohort throughput and latency benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $((SECONDS - started)) s of runs"
  echo "machine: $(machine_line) (other builds and tests may share these cores; the clients run on the same machine)"
  echo "build: $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" | sed 's/^$/RelWithDebInfo (project default)/') in $build; scripts: $(revision)"
  echo
  format_rows text
  echo
  notes
  echo
  if ls "$work"/wakeup-*.out >/dev/null 2>&1; then
    echo "how late a sleeping thread woke during each Cohort run (cohort-wakeup-probe):"
    format_wakeups text
    echo
  fi
  if [ -s "$work/memory.tsv" ]; then
    echo "memory per live session actor (cohortd fed $memory_events events per user at $memory_rate events/s, then idle for a checkpoint interval and a half):"
    format_memory text
    echo
  fi
  echo "results: $results (results.md, throughput_latency.png, raw outputs)"
}

main
