#!/usr/bin/env bash
# Cluster benchmark (issue 15): 1, 2 and 3 nodes on librdkafka's mock broker against the
# embedded single node, on this machine's cores.
#
#   bench/cluster.sh             builds, then for each node count N:
#                                  - max: one cohort-load per node (rate 0, its own users),
#                                    events/s summed, ack p99 of the slowest loader, and the
#                                    CPU every server process (nodes + broker) spent per event;
#                                  - at --push-load events/s in total (default 20000), split over
#                                    the nodes, with the push probe subscribed on node 1 to users
#                                    owned by every node: ack p99 and push p99 across nodes;
#                                then, with N = the largest count, kill -9 of the last node: the
#                                time until the survivors serve every partition, and each
#                                restore's profiles/s (from the nodes' "restored" lines);
#                                and the embedded single node's max with one loader, for the
#                                cost per event of the Kafka path.
#   bench/cluster.sh --quick     5 s runs
# Flags: --nodes "1 2 3", --duration S (20), --warmup S (5), --users U per node (30000),
# --partitions P (64), --push-load R (20000), --connections N per loader (16), --batch B
# (100), --no-build, --results-dir DIR. 64 partitions by default: the mock keeps ~5 MiB per
# partition, and the state topic must hold every profile's snapshot for the restores. Writes bench/results/<UTC date-time>-cluster/.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build
node_counts="1 2 3"
duration=20
warmup=5
users=30000
partitions=64
push_load=20000
connections=16
batch=100
do_build=1
results=

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while [ $# -gt 0 ]; do
  case $1 in
    --nodes) node_counts=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --push-load) push_load=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --results-dir) results=$2; shift 2 ;;
    --quick) duration=5; warmup=2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "cluster bench: unknown flag $1" >&2; usage >&2; exit 2 ;;
  esac
done

die() { echo "cluster bench: $*" >&2; exit 1; }
[ -n "$results" ] || results=$repo/bench/results/$(date -u +%Y-%m-%dT%H%MZ)-cluster
mkdir -p "$results"
work=$(mktemp -d "${TMPDIR:-/tmp}/cohort-cluster-bench-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

if [ "$do_build" = 1 ]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target cohortd cohort-load cohort-kafka-mock
fi
load=$build/bench/cohort-load
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
sum_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }

# Waits (bounded) for `pattern` in file $1; prints the first matching line.
wait_line() {
  local deadline=$((SECONDS + 30))
  until grep -m1 -E "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || die "no '$2' in $1 after 30 s: $(tail -3 "$1")"
    sleep 0.2  # polling a log, with a deadline
  done
}

# Polls /admin/api/nodes of $1 until every partition is served by exactly $2 nodes;
# prints the seconds it took.
wait_serving() {
  local url=$1 want=$2 start=$SECONDS
  until curl -s --max-time 2 "$url/admin/api/nodes" | jq -e --argjson n "$want" --argjson p "$partitions" \
      '(.nodes | length) == $n and ([.nodes[].partitions[] | select(.state == "serving")] | length) == $p' \
      >/dev/null 2>&1; do
    ((SECONDS - start < 60)) || die "partitions not served by $want nodes within 60 s"
    sleep 0.2  # polling, with the deadline above
  done
  echo $((SECONDS - start))
}

rows=$work/rows.tsv
: >"$rows"
add_row() { local IFS=$'\t'; echo "$*" >>"$rows"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2" | head -1; }

# cohort-load against $1 at rate $2 with $3 push users and user prefix $4 into file $5.
loader() {
  "$load" --url "$1" --users "$users" --connections "$connections" --batch "$batch" \
    --rate "$2" --duration "$duration" --warmup "$warmup" --push-users "$3" \
    --user-prefix "$4" --write-key bench-key >"$5" 2>&1
}

start_cluster() {  # $1 = nodes; sets urls[] and server_pids[]
  local n=$1 i
  local prefix=bench$n
  mkfifo "$work/mock$n.in"
  exec 4<>"$work/mock$n.in"
  setsid "$build/cohort-kafka-mock" --brokers 3 --topic-prefix "$prefix" --partitions "$partitions" \
    <&4 >"$work/mock$n.out" 2>"$work/mock$n.err" &
  mock_pid=$!
  pids+=("$mock_pid")
  local bootstrap
  bootstrap=$(wait_line "$work/mock$n.out" '^cohort-kafka-mock bootstrap ' | awk '{print $3}')
  # Checkpoints every 10 s, so that the state topic holds most profiles when a node dies.
  { sed 's/checkpoint_interval: 30s/checkpoint_interval: 10s/' "$repo/bench/cohort-bench.yaml"
    # The mock answers a fetch only when fetch.wait.max.ms has passed (a real broker answers
    # as soon as records arrive), so each consuming hop costs up to that: 10 ms here.
    echo "cluster: {kafka: {topic_prefix: $prefix, partitions: $partitions, session_timeout: 6s,"
    echo "  properties: {fetch.wait.max.ms: \"10\"}}}"
  } >"$work/cluster$n.yaml"
  urls=()
  server_pids=("$mock_pid")
  node_pids=()
  for i in $(seq 1 "$n"); do
    "$build/cohortd" --config "$work/cluster$n.yaml" --listen 127.0.0.1:0 --data "$work/c$n-n$i" \
      --node-id "n$i" --kafka "$bootstrap" --cluster-listen 127.0.0.1:0 \
      >"$work/c$n-n$i.out" 2>>"$work/c$n-n$i.err" &  # appended: the kill mark goes in too
    pids+=($!)
    server_pids+=($!)
    node_pids+=($!)
  done
  for i in $(seq 1 "$n"); do
    urls+=("$(wait_line "$work/c$n-n$i.out" '^cohortd listening on ' | awk '{print $4}')")
  done
  echo "  $n node(s): all $partitions partitions served after $(wait_serving "${urls[0]}" "$n") s" >&2
}

stop_cluster() {
  local p
  for p in "${node_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${node_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  kill -TERM "$mock_pid" 2>/dev/null || true
  wait "$mock_pid" 2>/dev/null || true
}

# Runs one loader per URL at $1 events/s in total (0 = max), push users $2 on the first;
# adds a row "$3".
run_loaders() {
  local total=$1 push=$2 label=$3 n=${#urls[@]} i rate lpids=() before after acked=0 achieved=0 p99=0 push99=-
  rate=0
  [ "$total" = 0 ] || rate=$((total / n))
  before=$(sum_ticks "${server_pids[@]}")
  for i in $(seq 0 $((n - 1))); do
    local probe=0
    [ "$i" = 0 ] && probe=$push
    loader "${urls[$i]}" "$rate" "$probe" "l$i-" "$work/$label-$i.out" &
    lpids+=($!)
  done
  for p in "${lpids[@]}"; do wait "$p" || die "cohort-load failed: $(tail -3 "$work/$label"-*.out)"; done
  after=$(sum_ticks "${server_pids[@]}")
  for i in $(seq 0 $((n - 1))); do
    local f=$work/$label-$i.out
    achieved=$(awk -v a="$achieved" -v b="$(field achieved "$f")" 'BEGIN { print a + b }')
    acked=$((acked + $(field acked "$f")))
    p99=$(awk -v a="$p99" -v b="$(field ack_p99_ms "$f")" 'BEGIN { print (b > a ? b : a) }')
  done
  [ "$push" = 0 ] || push99=$(field push_p99_ms "$work/$label-0.out")
  # CPU of every server process over the whole run (warm-up included) per event acked.
  local us
  us=$(awk -v t=$((after - before)) -v hz="$hz" -v e="$acked" 'BEGIN { printf "%.1f", (e > 0 ? t / hz * 1e6 / e : 0) }')
  add_row "$label" "${total/#0/max}" "$(printf %.0f "$achieved")" "$p99" "$push99" "$us"
  echo "  $label: $(printf %.0f "$achieved") events/s, ack p99 $p99 ms, push p99 $push99 ms, $us µs CPU/event" >&2
}

echo "cluster bench: $partitions partitions, ${duration} s runs after ${warmup} s warm-up, $users users per loader" >&2
largest=$(echo "$node_counts" | tr ' ' '\n' | sort -n | tail -1)
failover="-"
restore="-"
for n in $node_counts; do
  start_cluster "$n"
  run_loaders 0 0 "cluster-$n-max"
  run_loaders "$push_load" 50 "cluster-$n-at-$push_load"
  if [ "$n" = "$largest" ] && [ "$n" -gt 1 ]; then
    victim=${node_pids[$((n - 1))]}
    for f in "$work"/c$n-n*.err; do echo "SIGKILL-MARK" >>"$f"; done
    kill -KILL "$victim"
    failover=$(wait_serving "${urls[0]}" $((n - 1)))
    node_pids=("${node_pids[@]:0:$((n - 1))}")
    # Each line: "partition P restored: N profiles in T ms ...".
    # The partitions of the dead node are restored at once, each on its own thread: the
    # rate is their profiles over the longest of them. Only restores after the kill count.
    restore=$(awk 'FNR == 1 { seen = 0 } /restored:/ && seen { print } /SIGKILL-MARK/ { seen = 1 }' "$work"/c$n-n*.err \
      | sed -n 's/.*restored: \([0-9]*\) profiles in \([0-9]*\) ms.*/\1 \2/p' \
      | awk '{ p += $1; if ($2 > t) t = $2; n++ }
             END { if (t > 0) printf "%.0f profiles/s (%d partitions, %d profiles, longest %d ms)", p / t * 1000, n, p, t; else print "-" }')
    echo "  kill -9 of n$n: every partition served again after $failover s; restores: $restore" >&2
  fi
  stop_cluster
done

# The embedded log: one node, no Kafka.
"$build/cohortd" --config "$repo/bench/cohort-bench.yaml" --listen 127.0.0.1:0 --data "$work/single" \
  >"$work/single.out" 2>"$work/single.err" &
single=$!
pids+=("$single")
urls=("$(wait_line "$work/single.out" '^cohortd listening on ' | awk '{print $4}')")
server_pids=("$single")
run_loaders 0 0 "single-max"
kill -TERM "$single"; wait "$single" || true

{
  echo "# Cluster benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$(git -C "$repo" rev-parse --short HEAD), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); every node, the broker and the loaders share these cores."
  echo "$partitions partitions, ${duration} s measured after ${warmup} s, $users users and $connections connections per loader, batch $batch."
  echo
  echo "| run | offered events/s | achieved events/s | ack p99 ms | push p99 ms | server CPU µs/event |"
  echo "|---|---|---|---|---|---|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$rows"
  echo
  echo "kill -9 of the last of $largest nodes: every partition served again after $failover s (target 15 s)."
  echo "Restores during that failover: $restore (target 50,000 profiles/s)."
} | tee "$results/results.md"
cp "$work"/*.out "$work"/*.err "$results/" 2>/dev/null || true
