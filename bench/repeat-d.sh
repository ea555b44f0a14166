#!/usr/bin/env bash
# Scenario (d) is noisy on a shared VM: run Baton and the peer alternately N
# times and print each pair, so that the ratio is taken on runs that saw the
# same machine load.   bash bench/repeat-d.sh [N]   (default 5, ~40 s a pair)
set -euo pipefail
cd "$(dirname "$0")/.."
for i in $(seq "${1:-5}"); do
  b=$(cd bench && go test -cpu 1 -run '^$' -bench 'SmallExecutions/history' -benchtime 2s -count 1 | awk '/executions\/s/ {for (i=1;i<=NF;i++) if ($i=="executions/s") print $(i-1)}')
  p=$(node bench/peer/run.mjs d | grep -o '"executions_per_s":[0-9]*' | cut -d: -f2)
  awk -v b="$b" -v p="$p" -v i="$i" 'BEGIN { printf "pair %d: baton %.0f executions/s, peer %.0f executions/s, ratio %.1f\n", i, b, p, b / p }'
done
