#!/usr/bin/env bash
# A local 3-node Cohort cluster on librdkafka's mock Kafka broker, with the demo shoppers
# sending to the first node (docs/cluster.md). Installs what is missing and builds like
# scripts/demo.sh, then prints each node's console URL. Ctrl-C stops everything.
#   scripts/cluster.sh [NODES]        (default 3)
# The mock broker keeps everything in memory: a restart starts an empty cluster. Point
# nodes at a real Kafka with `--kafka host:9092` (or cluster.kafka.bootstrap) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-3}
scripts/setup.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j"$(nproc)" --target cohortd cohortctl cohort-kafka-mock

work=$(mktemp -d "${TMPDIR:-/tmp}/cohort-cluster-XXXXXX")
prefix=demo
partitions=16
pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "cluster: stopping the nodes (each hands its partitions over), then the broker"
  for pid in "${pids[@]:1}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]:1}"; do wait "$pid" 2>/dev/null || true; done
  kill -TERM "${pids[0]}" 2>/dev/null || true
  wait "${pids[0]}" 2>/dev/null || true
  echo "cluster: logs and data were in $work"
}
trap stop INT TERM EXIT

# The mock broker reads fault commands from stdin; a fifo held open keeps it running. It
# runs in a session of its own, so that Ctrl-C (the terminal's SIGINT to this process
# group) reaches the nodes only: they leave the group through it before it stops.
mkfifo "$work/mock.in"
exec 3<>"$work/mock.in"
setsid build/cohort-kafka-mock --brokers 3 --topic-prefix "$prefix" --partitions "$partitions" \
  <&3 >"$work/mock.out" 2>"$work/mock.err" &
pids+=($!)

# Waits (bounded) for `pattern` in `file`; prints the matching line.
wait_line() {
  local file=$1 pattern=$2 deadline=$((SECONDS + 30))
  until grep -m1 -E "$pattern" "$file" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      echo "cluster: no '$pattern' in $file after 30 s:" >&2
      cat "${file%.out}.err" >&2 || true
      exit 1
    fi
    sleep 0.2  # polling a log file, with the deadline above
  done
}
bootstrap=$(wait_line "$work/mock.out" '^cohort-kafka-mock bootstrap ' | awk '{print $3}')

cat >"$work/cohort.yaml" <<YAML
ingest: {write_keys: [demo-key], checkpoint_interval: 5s}
cluster: {kafka: {topic_prefix: $prefix, partitions: $partitions, session_timeout: 6s}}
YAML
# The shipped rules, scores and placements, with the cluster settings above.
sed -n '/^sessions:/,$p' config/cohort.yaml >>"$work/cohort.yaml"

for i in $(seq 1 "$nodes"); do
  demo=()
  [ "$i" -eq 1 ] && demo=(--demo)
  build/cohortd --config "$work/cohort.yaml" --listen 127.0.0.1:0 --data "$work/n$i" \
    --node-id "n$i" --kafka "$bootstrap" --cluster-listen 127.0.0.1:0 "${demo[@]}" \
    >"$work/n$i.out" 2>"$work/n$i.err" &
  pids+=($!)
done
echo "cluster: mock Kafka at $bootstrap (topics $prefix.*, $partitions partitions)"
for i in $(seq 1 "$nodes"); do
  url=$(wait_line "$work/n$i.out" '^cohortd listening on ' | awk '{print $4}')
  echo "  node n$i  console $url/console   (cohortctl --server $url nodes)"
done
echo "cluster: partitions are served ~10 s after start; the demo shoppers send to n1."
echo "cluster: Ctrl-C stops all nodes and the broker."
wait "${pids[0]}"
