#!/usr/bin/env bash
# Benchmarks of the durable server (issue 3): durable transitions, starts
# through the Step Functions API, dispatch latency, open executions and
# resume after a restart. Raw results land in bench/out/server.txt; the
# figures go to bench/RESULTS.md.
#
#   bash bench/server.sh            (about 3 minutes)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/server"
mkdir -p ../out
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version)"
  date -u
  go test -run '^$' -bench 'DurableTransitions|StepTransitions' -benchtime 3x -count "${COUNT:-3}"
  go test -run '^$' -bench 'StartExecutionAPI|StartExecutionSDK' -benchtime 5000x -count "${COUNT:-3}"
  go test -run '^$' -bench 'DispatchLatency' -benchtime 3000x -count "${COUNT:-3}"
  go test -run '^$' -bench 'PipelineStepLatency' -benchtime 150x -count "${COUNT:-3}"
  go test -run '^$' -bench 'OpenExecutions|ResumeOpen' -benchtime 1x -count 1
} 2>&1 | tee ../out/server.txt
