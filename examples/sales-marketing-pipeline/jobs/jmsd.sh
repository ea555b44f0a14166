#!/bin/sh
# JMSD: join marketing and sales data.
#
# Usage: sh jobs/jmsd.sh OUT_DIR
#
# Reads OUT_DIR/sales_by_day.csv.gz (from PSD) and OUT_DIR/marketing.csv.gz
# (from PMD), joins them on Date (inner join: only days present in both),
# sorts by date ascending and writes OUT_DIR/joined.csv, replacing any earlier
# output atomically. Columns: Date, the sales columns, the marketing columns.
# An empty join (the two datasets share no day) fails the job.
#
# stdout: one JSON object, the Task's result. Errors go to stderr with exit 1.
set -eu
job=jmsd
. "$(dirname "$0")/lib.sh"

[ "$#" -eq 1 ] || fail "usage: jmsd.sh OUT_DIR"
out_dir=$1
sales=$out_dir/sales_by_day.csv.gz
mkt=$out_dir/marketing.csv.gz
[ -r "$sales" ] || fail "cannot read $sales (run PSD first)"
[ -r "$mkt" ] || fail "cannot read $mkt (run PMD first)"

out=$out_dir/joined.csv
work=$out_dir/.jmsd.$$
trap 'rm -f "$work.s" "$work.m" "$work.sb" "$work.mb" "$work.j" "$work.csv"' EXIT

gzip -dc "$sales" >"$work.s" || fail "cannot decompress $sales"
gzip -dc "$mkt" >"$work.m" || fail "cannot decompress $mkt"

sh_head=$(head -n 1 "$work.s")
mk_head=$(head -n 1 "$work.m")
[ "${sh_head%%,*}" = Date ] || fail "$sales: first column is not Date"
[ "${mk_head%%,*}" = Date ] || fail "$mkt: first column is not Date"

# join needs both inputs sorted on the key in the same collation (LC_ALL=C).
# One command per step (no pipelines), so that set -e sees every failure.
tail -n +2 "$work.s" >"$work.sb"
sort -t, -k1,1 -o "$work.sb" "$work.sb"
tail -n +2 "$work.m" >"$work.mb"
sort -t, -k1,1 -o "$work.mb" "$work.mb"
join -t, "$work.sb" "$work.mb" >"$work.j" || fail "join failed"

printf '%s,%s\n' "$sh_head" "${mk_head#*,}" >"$work.csv"
sort -t, -k1,1 "$work.j" >>"$work.csv"

rows=$(count_rows "$work.csv")
[ "$rows" -gt 0 ] || fail "no day is present in both $sales and $mkt"
first=$(sed -n '2s/,.*//p' "$work.csv")
last=$(tail -n 1 "$work.csv" | sed 's/,.*//')
mv -f "$work.csv" "$out"

printf '{"job": "jmsd", "rows": %d, "first_date": %s, "last_date": %s, "output": %s}\n' \
	"$rows" "$(json_str "$first")" "$(json_str "$last")" "$(json_str "$out")"
