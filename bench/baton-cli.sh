#!/usr/bin/env bash
# Baton side, CLI flavour: runs scenarios (a)-(c) through `baton run`, each
# under `/usr/bin/time -v`, and prints ONE JSON line per scenario (wall time,
# CPU and max RSS), in the same shape as peer/run-cli.sh. The payload limit is
# off (--max-payload-bytes 0): (c) outputs 1.3 MB, the peer has no limit.
#
#   bash bench/baton-cli.sh [a|b|c ...]     default: a b c
#
# Needs: Go, /usr/bin/time (Debian: apt-get install -y time), Node for the
# large input of (c) (bench/defs/make-inputs.mjs) when it is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
out="${BENCH_OUT:-bench/out}"
TIME="${TIME_BIN:-/usr/bin/time}"
[ -x "$TIME" ] || { echo "missing $TIME: apt-get install -y time" >&2; exit 2; }
mkdir -p "$out"
[ -s "$out/map-100k.input.json" ] || node bench/defs/make-inputs.mjs >&2
go build -o "$out/baton" ./cmd/baton

run_timed() {
  local id="$1" name="$2" def="$3" input="$4"
  local tfile="$out/baton-cli-$id.time" ofile="$out/baton-cli-$id.stdout" rc=0
  "$TIME" -v -o "$tfile" "$out/baton" run --quiet --max-payload-bytes 0 "$def" --input-file "$input" >"$ofile" 2>&1 || rc=$?
  awk -v id="$id" -v name="$name" -v def="$def" -v rc="$rc" -v bytes="$(wc -c <"$ofile")" '
    function secs(s,   n, p, i, t) { n = split(s, p, ":"); t = 0; for (i = 1; i <= n; i++) t = t * 60 + p[i]; return t }
    /Elapsed \(wall clock\) time/ { wall = secs($NF) }
    /User time \(seconds\)/        { user = $NF }
    /System time \(seconds\)/      { sys = $NF }
    /Maximum resident set size/    { rss = $NF }
    END {
      printf "{\"tool\":\"baton\",\"mode\":\"cli\",\"scenario\":\"%s\",\"name\":\"%s\",\"definition\":\"%s\",\"ok\":%s,\"wall_ms\":%.0f,\"user_s\":%s,\"sys_s\":%s,\"max_rss_mb\":%.1f,\"stdout_bytes\":%d}\n",
        id, name, def, (rc == 0 ? "true" : "false"), wall * 1000, user, sys, rss / 1024, bytes
    }' "$tfile"
}

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(a b c)
for s in "${scenarios[@]}"; do
  case "$s" in
    a) run_timed a pass-chain-1000 bench/defs/pass-chain-1000.asl.json bench/defs/pass-chain-1000.input.json ;;
    b) run_timed b choice-loop bench/defs/choice-loop.asl.json bench/defs/choice-loop.input.json ;;
    c) run_timed c map-100k bench/defs/map-100k.asl.json "$out/map-100k.input.json" ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
