#!/usr/bin/env bash
# Pipelines on the server (issue 9 §9): a for_each over 10,000 items
# (`command: ["true"]`, 32 at a time) deployed with `baton deploy` to a
# `baton server` (SQLite, full durability) and run with `baton start --wait`.
# Prints the run's wall time, the number of history events, and the
# server's peak RSS (VmHWM) after the run. Step-to-step latency on the
# server is a Go benchmark: bench/server.sh (BenchmarkPipelineStepLatency).
#
#   bash bench/pipeline/server.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
out="${BENCH_OUT:-bench/out}/pipeline-server"
rm -rf "$out" && mkdir -p "$out/fe10k"
baton="$out/baton"
go build -o "$baton" ./cmd/baton
cat >"$out/fe10k/pipeline.yaml" <<'YAML'
name: fe10k
steps:
  - name: each
    for_each: "{% [1..10000] %}"
    max_concurrency: 32
    command: ["true"]
YAML
port=$((20000 + RANDOM % 20000))
export BATON_SERVER="http://127.0.0.1:$port"
"$baton" server --data-dir "$out/data" --listen "127.0.0.1:$port" >"$out/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$BATON_SERVER/readyz" >/dev/null && break; sleep 0.1; done
"$baton" deploy "$out/fe10k" >/dev/null 2>&1
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1 /proc/loadavg)"
start=$(date +%s.%N)
"$baton" start fe10k --wait -q >"$out/outcome.json" 2>/dev/null || true
end=$(date +%s.%N)
arn=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["executionArn"])' "$out/outcome.json")
status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$out/outcome.json")
events=$("$baton" executions history "$arn" --output json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "for_each 10000 items on the server: $status in $(echo "$end - $start" | bc) s, $events history events, server peak RSS $(grep VmHWM /proc/$pid/status | awk '{print $2/1024 " MB"}')"
