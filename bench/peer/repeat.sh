#!/usr/bin/env bash
# Runs the peer benchmark REPS times (default 5), in-process and CLI interleaved, appending
# the raw JSON lines to bench/out/peer-repeat-{inproc,cli}.jsonl (emptied first), then prints
# a median/min/max summary (summarize.mjs). On a shared 2-core machine single runs vary by up
# to 2x; report the median, and keep the raw lines.
#
#   bash bench/peer/repeat.sh [REPS] [scenario ...]      e.g. bash bench/peer/repeat.sh 5 c
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${BENCH_OUT:-$here/../out}"
reps="${1:-5}"; shift || true
scen=("$@")
mkdir -p "$out"
: >"$out/peer-repeat-inproc.jsonl"
: >"$out/peer-repeat-cli.jsonl"
cli_scen=()
for s in "${scen[@]}"; do [ "$s" = d ] || cli_scen+=("$s"); done
for r in $(seq 1 "$reps"); do
  echo "rep $r/$reps $(date -u +%T) load $(cut -d' ' -f1-4 /proc/loadavg)" >&2
  node "$here/run.mjs" "${scen[@]}" >>"$out/peer-repeat-inproc.jsonl" || true
  if [ ${#scen[@]} -eq 0 ] || [ ${#cli_scen[@]} -gt 0 ]; then
    bash "$here/run-cli.sh" "${cli_scen[@]}" >>"$out/peer-repeat-cli.jsonl" || true
  fi
done
node "$here/summarize.mjs" "$out/peer-repeat-inproc.jsonl" "$out/peer-repeat-cli.jsonl"
