#!/usr/bin/env bash
# Pipelines: `baton run` of pipeline.yaml projects against Dagu's one-shot
# `dagu start FILE`, on the shapes of issue 9 §9, with every step
# `command: "true"`:
#
#   seq10     10 steps, each depending on the one before
#   seq100    100 steps, likewise
#   fan50     one step, then 50 in parallel, then one after all of them
#
# and `baton validate` of a generated 10,000-step DAG (chains and fan-outs
# mixed, the shape of internal/pipeline's BenchmarkParse10k).
#
# Each command runs RUNS times (default 7) under /usr/bin/time; the script
# prints one line per tool and shape with the median, min and max wall time,
# the median CPU time (user + system, the command's children included: on a
# shared machine it moves less than the wall time) and the median peak RSS.
# Dagu runs when `dagu` is on PATH or DAGU names its binary (see RESULTS.md:
# v2.6.5 could not be fetched here). BATON_BIN names a baton binary to
# measure instead of building this tree's (e.g. an older build, to compare).
#
#   bash bench/pipeline/run.sh [seq10|seq100|fan50|validate10k ...]
#
# Needs: Go, /usr/bin/time (Debian: apt-get install -y time). The machine
# should be otherwise idle: the 1-minute load average is printed before and
# after.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
out="${BENCH_OUT:-bench/out}/pipeline"
TIME="${TIME_BIN:-/usr/bin/time}"
RUNS="${RUNS:-7}"
[ -x "$TIME" ] || { echo "missing $TIME: apt-get install -y time" >&2; exit 2; }
mkdir -p "$out"
baton="${BATON_BIN:-$out/baton}"
[ -n "${BATON_BIN:-}" ] || go build -o "$baton" ./cmd/baton
dagu="${DAGU:-$(command -v dagu || true)}"

# gen SHAPE: writes $out/SHAPE/pipeline.yaml (Baton) and $out/SHAPE.dagu.yaml.
gen() {
  local shape="$1" d="$out/$1"
  mkdir -p "$d"
  awk -v shape="$shape" -v bfile="$d/pipeline.yaml" -v dfile="$out/$shape.dagu.yaml" '
    function step(name, deps,   i, n, a) {
      printf "  - name: %s\n    command: [\"true\"]\n", name > bfile
      printf "  - name: %s\n    command: \"true\"\n", name > dfile
      if (deps != "") {
        printf "    depends_on: [%s]\n", deps > bfile
        printf "    depends: [%s]\n", deps > dfile
      }
    }
    BEGIN {
      printf "name: %s\nsteps:\n", shape > bfile
      printf "name: %s\ntype: graph\nsteps:\n", shape > dfile
      if (shape ~ /^seq/) {
        n = substr(shape, 4) + 0
        for (i = 0; i < n; i++) step("s" i, i ? "s" (i - 1) : "")
      } else {
        step("first", "")
        all = ""
        for (i = 0; i < 50; i++) { step("p" i, "first"); all = all (i ? ", " : "") "p" i }
        step("last", all)
      }
    }'
}

# gen10k: the 10,000-step DAG for validate, as internal/pipeline's generatedDAG.
gen10k() {
  mkdir -p "$out/dag10k"
  awk 'BEGIN {
    print "name: big\nsteps:"
    for (i = 0; i < 10000; i++) {
      printf "  - name: s%d\n", i
      if (i == 0) { print "    command: [echo]"; continue }
      printf "    command: [echo, \"{%% $steps.s%d.output %%}\"]\n", i - 1
      if (i % 10 == 0) printf "    depends_on: [s%d, s%d]\n", i - 1, int(i / 2)
      else printf "    depends_on: [s%d]\n", i - 1
    }
  }' >"$out/dag10k/pipeline.yaml"
}

# timed LABEL CMD...: runs CMD RUNS times; prints the median/min/max wall
# time in seconds and the median peak RSS in MB. The wall time is taken
# around /usr/bin/time (whose %e has only 10 ms resolution); the fork of
# time itself is in it, under a millisecond.
timed() {
  local label="$1"; shift
  local tf="$out/time.txt" walls=() rsss=() cpus=()
  for _ in $(seq "$RUNS"); do
    local t0 t1 r u k
    t0=$(date +%s%N)
    "$TIME" -f '%M %U %S' -o "$tf" "$@" >"$out/last.stdout" 2>"$out/last.stderr" || {
      echo "$label: failed (see $out/last.stderr)" >&2; cat "$out/last.stderr" >&2; return 1; }
    t1=$(date +%s%N)
    read -r r u k <"$tf"
    walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b - a) / 1e9}')"); rsss+=("$r")
    cpus+=("$(awk -v u="$u" -v k="$k" 'BEGIN {printf "%.2f", u + k}')")
  done
  printf '%s\n' "${walls[@]}" | sort -n | awk -v label="$label" -v rss="$(median "${rsss[@]}")" -v cpu="$(median "${cpus[@]}")" '
    {a[NR]=$1} END { printf "%-22s median %.3f s  (min %.3f, max %.3f, %d runs)  CPU %.2f s  peak RSS %.1f MB\n", label, a[int((NR+1)/2)], a[1], a[NR], NR, cpu, rss/1024 }'
}

# median N...: the median of its arguments.
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(seq10 seq100 fan50 validate10k)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3)"
echo "date: $(date -u +%FT%TZ)  load before: $(cut -d' ' -f1 /proc/loadavg)  runs: $RUNS"
[ -n "$dagu" ] && echo "dagu: $dagu ($("$dagu" version 2>&1 | head -1))" || echo "dagu: not found (set DAGU=/path/to/dagu)"
for s in "${shapes[@]}"; do
  case "$s" in
    seq10|seq100|fan50)
      gen "$s"
      timed "baton run $s" "$baton" run --quiet "$out/$s"
      grep -q '"SUCCEEDED"' "$out/last.stdout" || { echo "baton run $s did not succeed" >&2; cat "$out/last.stdout" >&2; exit 1; }
      if [ -n "$dagu" ]; then
        export DAGU_HOME="$out/dagu-home"
        timed "dagu start $s" "$dagu" start "$out/$s.dagu.yaml"
      fi
      ;;
    validate10k)
      gen10k
      timed "baton validate 10k" "$baton" validate "$out/dag10k"
      ;;
    *) echo "unknown shape $s" >&2; exit 2 ;;
  esac
done
echo "load after: $(cut -d' ' -f1 /proc/loadavg)"
