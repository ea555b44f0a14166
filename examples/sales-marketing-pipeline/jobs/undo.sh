#!/bin/sh
# UNDO: the fallback when a job failed. Removes what the run wrote under
# OUT_DIR, so that no half-made dataset is left for readers, and records why.
#
# Usage: sh jobs/undo.sh OUT_DIR FAILED_STEP
#
# stdout: one JSON object. Errors go to stderr with exit 1.
set -eu
job=undo
. "$(dirname "$0")/lib.sh"

[ "$#" -eq 2 ] || fail "usage: undo.sh OUT_DIR FAILED_STEP"
out_dir=$1
rm -f "$out_dir/sales_by_day.csv.gz" "$out_dir/marketing.csv.gz" "$out_dir/joined.csv"
printf '%s\n' "$2" >"$out_dir/FAILED"
printf '{"job": "undo", "removed": %s, "failed": %s}\n' "$(json_str "$out_dir")" "$(json_str "$2")"
