#!/usr/bin/env bash
# Runs the whole comparison in one go, on this machine: Baton's Go benchmarks
# (in process), Baton's CLI, then the peer (aws-local-stepfunctions) in
# process and through its CLI. Raw results land in bench/out/; copy the
# figures into bench/RESULTS.md.
#
#   bash bench/run.sh            (about 3 minutes)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
out=bench/out
mkdir -p "$out"
command -v /usr/bin/time >/dev/null || { echo "installing time"; apt-get install -y time >/dev/null; }
(cd bench/peer && [ -d node_modules ] || npm ci --no-audit --no-fund)
[ -s "$out/map-100k.input.json" ] || node bench/defs/make-inputs.mjs

{ echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version), node $(node --version)"; date -u; } | tee "$out/machine.txt"

# One core (GOMAXPROCS=1, -cpu 1), as the targets are stated per core.
echo "== Baton, in process (go test -bench, one core)"
# The parallel variant of (d) runs on both cores.
(cd bench &&
  go test -cpu 1 -run '^$' -bench 'PassChain|SmallExecutions$' -benchtime "${BENCHTIME:-2s}" -count "${COUNT:-3}" -benchmem &&
  go test -cpu 1 -run '^$' -bench 'ChoiceLoop|Map100k' -benchtime "${BENCHTIME_LONG:-10x}" -count "${COUNT:-3}" -benchmem &&
  go test -cpu 2 -run '^$' -bench 'SmallExecutionsParallel' -benchtime "${BENCHTIME:-2s}" -count "${COUNT:-3}" -benchmem
) | tee "$out/baton-go-bench.txt"

echo "== Baton, CLI"
bash bench/baton-cli.sh | tee "$out/baton-cli.jsonl"

echo "== Peer, in process"
node bench/peer/run.mjs | tee "$out/peer-inproc.jsonl"

echo "== Peer, CLI"
bash bench/peer/run-cli.sh | tee "$out/peer-cli.jsonl"
