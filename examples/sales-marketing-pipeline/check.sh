#!/bin/sh
# Checks the result of a run of the sales-marketing-pipeline example.
#
# Usage: sh check.sh [EXAMPLE_DIR]     (default: the directory of this script)
#
# Passes (exit 0) when EXAMPLE_DIR/out/joined.csv is byte-for-byte
# EXAMPLE_DIR/expected/joined.csv and both intermediate outputs are valid
# gzip files; otherwise prints what differs on stderr and exits 1.
set -eu
LC_ALL=C
export LC_ALL

dir=${1:-$(dirname "$0")}
exp=$dir/expected/joined.csv
got=$dir/out/joined.csv

status=0
for f in "$dir/out/sales_by_day.csv.gz" "$dir/out/marketing.csv.gz"; do
	if ! gzip -t "$f" 2>/dev/null; then
		echo "check: $f is missing or not a valid gzip file" >&2
		status=1
	fi
done

if [ ! -r "$exp" ]; then
	echo "check: cannot read $exp" >&2
	exit 1
fi
if [ ! -r "$got" ]; then
	echo "check: cannot read $got (did the workflow run?)" >&2
	exit 1
fi

if ! cmp -s "$exp" "$got"; then
	# Name the first line that differs.
	awk -v e="$exp" -v g="$got" '
	NR == FNR { want[FNR] = $0; n = FNR; next }
	{
		m = FNR
		if (FNR > n) { printf "check: %s: extra line %d: %s\n", g, FNR, $0; told = 1; exit }
		if ($0 != want[FNR]) {
			printf "check: line %d differs\n  expected: %s\n  got:      %s\n", FNR, want[FNR], $0
			told = 1; exit
		}
	}
	END {
		if (told) exit
		if (m < n) printf "check: %s: %d lines, expected %d\n", g, m, n
		else if (m == n) printf "check: %s and %s differ in line endings or the final newline\n", g, e
	}' "$exp" "$got" >&2
	status=1
fi

if [ "$status" -eq 0 ]; then
	echo "check: ok: $got matches $exp"
fi
exit "$status"
