#!/usr/bin/env bash
# Peer side of the Baton benchmark, CLI flavour: runs scenarios (a)-(c) through the
# `local-sfn` CLI of aws-local-stepfunctions, each under `/usr/bin/time -v`, and
# prints ONE JSON line per scenario on stdout (wall time and max RSS from time -v).
#
#   bash bench/peer/run-cli.sh [a|b|c|baseline ...]     default: baseline a b c
#
# Needs: `npm ci` done in bench/peer, /usr/bin/time (Debian: apt-get install -y time).
# The large input of (c) is made by bench/defs/make-inputs.mjs if missing.
#
# The CLI reads its input from stdin whenever stdin is not a terminal, so each input is
# redirected from a file (one JSON value on one line = one execution). The CLI prints
# each result with console.log (node's inspect format, arrays cut after 100 entries);
# stdout and the full time -v report are kept in bench/out/cli-<scenario>.{stdout,time}.
#
# "baseline" is `node -e 0` under time -v: what node alone costs in time and RSS.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."            # repository root: paths below (and in the JSON) are relative to it
defs=bench/defs
out="${BENCH_OUT:-bench/out}"
cli=bench/peer/node_modules/.bin/local-sfn
TIME="${TIME_BIN:-/usr/bin/time}"

[ -x "$TIME" ] || { echo "missing $TIME: apt-get install -y time" >&2; exit 2; }
[ -x "$cli" ] || { echo "missing $cli: run 'npm ci' in bench/peer" >&2; exit 2; }
mkdir -p "$out"
if [ ! -s "$out/map-100k.input.json" ]; then
  node "$defs/make-inputs.mjs" >&2
fi

version="$(node -p "require('./bench/peer/node_modules/aws-local-stepfunctions/package.json').version")"

# run_timed ID NAME DEFINITION INPUT-FILE CMD...   (CMD reads INPUT-FILE on stdin)
run_timed() {
  local id="$1" name="$2" def="$3" input="$4"; shift 4
  local tfile="$out/cli-$id.time" ofile="$out/cli-$id.stdout" rc=0 load0 load1
  load0="$(cut -d' ' -f1 /proc/loadavg)"
  "$TIME" -v -o "$tfile" "$@" <"$input" >"$ofile" 2>&1 || rc=$?
  load1="$(cut -d' ' -f1 /proc/loadavg)"
  awk -v load0="$load0" -v load1="$load1" -v id="$id" -v name="$name" -v def="$def" -v input="$input" -v rc="$rc" -v ver="$version" \
      -v cmd="$*" -v stdout_bytes="$(wc -c <"$ofile")" '
    function secs(s,   n, p, i, t) {  # h:mm:ss or m:ss.ss
      n = split(s, p, ":"); t = 0
      for (i = 1; i <= n; i++) t = t * 60 + p[i]
      return t
    }
    /Elapsed \(wall clock\) time/ { v = $NF; wall = secs(v) }
    /User time \(seconds\)/        { user = $NF }
    /System time \(seconds\)/      { sys = $NF }
    /Maximum resident set size/    { rss = $NF }
    /Percent of CPU this job got/  { cpu = $NF }
    /Exit status/                  { status = $NF }
    END {
      gsub(/"/, "\\\"", cmd)
      printf "{\"tool\":\"aws-local-stepfunctions\",\"tool_version\":\"%s\",\"mode\":\"cli\",\"scenario\":\"%s\",\"name\":\"%s\",\"definition\":\"%s\",\"input\":\"%s\",\"ok\":%s,\"exit_status\":%s,\"wall_ms\":%.0f,\"user_s\":%s,\"sys_s\":%s,\"cpu_percent\":\"%s\",\"max_rss_mb\":%.1f,\"max_rss_kb\":%d,\"stdout_bytes\":%d,\"loadavg_1m_before\":%s,\"loadavg_1m_after\":%s,\"command\":\"%s\"}\n",
        ver, id, name, def, input, (rc == 0 ? "true" : "false"), (status == "" ? rc : status),
        wall * 1000, user, sys, cpu, rss / 1024, rss, stdout_bytes, load0, load1, cmd
    }' "$tfile"
}


scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(baseline a b c)
status=0
for s in "${scenarios[@]}"; do
  case "$s" in
    baseline)
      run_timed baseline node-startup "-" /dev/null node -e 0 ;;
    a)
      run_timed a pass-chain-1000 "$defs/pass-chain-1000.asl.json" "$defs/pass-chain-1000.input.json" \
        "$cli" -f "$defs/pass-chain-1000.asl.json" ;;
    b)
      run_timed b choice-loop "$defs/choice-loop.asl.json" "$defs/choice-loop.input.json" \
        "$cli" -f "$defs/choice-loop.asl.json" ;;
    c)
      run_timed c map-100k "$defs/map-100k.asl.json" "$out/map-100k.input.json" \
        "$cli" -f "$defs/map-100k.asl.json" ;;
    *) echo "unknown scenario $s (use baseline, a, b, c)" >&2; status=64 ;;
  esac
done
exit $status
