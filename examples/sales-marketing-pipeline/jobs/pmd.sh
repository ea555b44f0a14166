#!/bin/sh
# PMD: process marketing data.
#
# Usage: sh jobs/pmd.sh MARKETING_CSV OUT_DIR
#
# Reads the daily marketing metrics (Date, Website Visits, Mobile Users, ...),
# renames the columns so spaces become underscores, puts the Date column
# first, sorts by date and writes OUT_DIR/marketing.csv.gz (gzip), replacing
# any earlier output atomically. Rows with a wrong number of fields, a bad
# date or a duplicated date fail the job.
#
# stdout: one JSON object, the Task's result. Errors go to stderr with exit 1.
set -eu
job=pmd
. "$(dirname "$0")/lib.sh"

[ "$#" -eq 2 ] || fail "usage: pmd.sh MARKETING_CSV OUT_DIR"
in=$1
out_dir=$2
[ -r "$in" ] || fail "cannot read $in"
mkdir -p "$out_dir"

out=$out_dir/marketing.csv.gz
work=$out_dir/.pmd.$$
trap 'rm -f "$work.csv" "$work.gz" "$work.body" "$work.sorted"' EXIT

awk '
BEGIN { FS = ","; OFS = "," }
{ sub(/\r$/, "") }
NR == 1 {
	n = NF
	for (i = 1; i <= NF; i++) if ($i == "Date") dc = i
	if (!dc) {
		print "pmd: " FILENAME ": header lacks Date" | "cat 1>&2"
		bad = 1; exit
	}
}
NR > 1 && NF == 0 { next }
NR > 1 && NF != n {
	print "pmd: " FILENAME ":" NR ": " NF " fields, header has " n | "cat 1>&2"
	bad = 1; exit
}
NR > 1 && $dc !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/ {
	print "pmd: " FILENAME ":" NR ": bad date: " $dc | "cat 1>&2"
	bad = 1; exit
}
NR > 1 && seen[$dc]++ {
	print "pmd: " FILENAME ":" NR ": duplicated date: " $dc | "cat 1>&2"
	bad = 1; exit
}
{
	line = $dc
	for (i = 1; i <= NF; i++) if (i != dc) line = line OFS $i
	if (NR == 1) gsub(/ /, "_", line)
	print line
}
END {
	if (bad) exit 1
	if (NR == 0) {
		print "pmd: " ARGV[1] ": empty file" | "cat 1>&2"
		exit 1
	}
}' "$in" >"$work.csv" || exit 1

# One command per step (no pipelines), so that set -e sees every failure.
head -n 1 "$work.csv" >"$work.sorted"
tail -n +2 "$work.csv" >"$work.body"
sort -t, -k1,1 "$work.body" >>"$work.sorted"
gzip -n -c "$work.sorted" >"$work.gz"
mv -f "$work.gz" "$out"

printf '{"job": "pmd", "rows": %d, "output": %s}\n' \
	"$(count_rows "$work.csv")" "$(json_str "$out")"
