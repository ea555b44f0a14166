#!/bin/sh
# PSD: process sales data.
#
# Usage: sh jobs/psd.sh SALES_CSV OUT_DIR
#
# Reads the sales opportunities (one row per opportunity: Date, Salesperson,
# Segment, Forecasted Monthly Revenue, in any order), groups them by day
# summing the forecasted monthly revenue, renames the columns so spaces become
# underscores, and writes OUT_DIR/sales_by_day.csv.gz (gzip, sorted by date),
# replacing any earlier output atomically.
#
# Revenues are summed in integer cents, so the sums are exact and print the
# same on every awk. gzip -n keeps no name or time stamp, so the output is
# byte-for-byte the same on every run.
#
# stdout: one JSON object, the Task's result. Errors go to stderr with exit 1.
set -eu
job=psd
. "$(dirname "$0")/lib.sh"

[ "$#" -eq 2 ] || fail "usage: psd.sh SALES_CSV OUT_DIR"
in=$1
out_dir=$2
[ -r "$in" ] || fail "cannot read $in"
mkdir -p "$out_dir"

out=$out_dir/sales_by_day.csv.gz
work=$out_dir/.psd.$$
trap 'rm -f "$work.csv" "$work.gz" "$work.stats" "$work.body" "$work.sorted"' EXIT

# Header line, then one unsorted line per day. The input row count goes to
# $work.stats.
awk -v stats="$work.stats" '
BEGIN { FS = ","; OFS = "," }
{ sub(/\r$/, "") }
NR == 1 {
	for (i = 1; i <= NF; i++) {
		if ($i == "Date") dc = i
		if ($i == "Forecasted Monthly Revenue") rc = i
	}
	if (!dc || !rc) {
		print "psd: " FILENAME ": header lacks Date or Forecasted Monthly Revenue" | "cat 1>&2"
		bad = 1; exit
	}
	hd = $dc; hr = $rc
	gsub(/ /, "_", hd); gsub(/ /, "_", hr)
	print hd, hr
	next
}
NF == 0 { next }
{
	d = $dc; v = $rc
	if (d !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/) {
		print "psd: " FILENAME ":" NR ": bad date: " d | "cat 1>&2"
		bad = 1; exit
	}
	if (v !~ /^[0-9]+(\.[0-9][0-9]?)?$/) {
		print "psd: " FILENAME ":" NR ": bad revenue: " v | "cat 1>&2"
		bad = 1; exit
	}
	cents[d] += int(v * 100 + 0.5)
	rows++
}
END {
	if (bad) exit 1
	if (NR == 0) {
		print "psd: " ARGV[1] ": empty file" | "cat 1>&2"
		exit 1
	}
	for (d in cents) printf "%s,%.2f\n", d, cents[d] / 100
	print rows + 0 > stats
}' "$in" >"$work.csv" || exit 1

# One command per step (no pipelines), so that set -e sees every failure.
head -n 1 "$work.csv" >"$work.sorted"
tail -n +2 "$work.csv" >"$work.body"
sort -t, -k1,1 "$work.body" >>"$work.sorted"
gzip -n -c "$work.sorted" >"$work.gz"
mv -f "$work.gz" "$out"

printf '{"job": "psd", "input_rows": %d, "rows": %d, "output": %s}\n' \
	"$(cat "$work.stats")" "$(count_rows "$work.csv")" "$(json_str "$out")"
