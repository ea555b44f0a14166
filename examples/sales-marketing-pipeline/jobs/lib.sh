# Helpers shared by the ETL jobs. Sourced, not run: `. jobs/lib.sh`.
# POSIX sh only.

# Byte-wise collation everywhere, so sort and join agree on the order of the
# keys and every run produces the same bytes.
LC_ALL=C
export LC_ALL

# fail MESSAGE: print MESSAGE on stderr and exit 1. A non-zero exit is what
# fails the Task state (error name Shell.ExitError); stderr is the diagnostic.
fail() {
	printf '%s: %s\n' "$job" "$1" >&2
	exit 1
}

# json_str STRING: STRING as a JSON string literal (quotes and backslashes
# escaped; the paths we print contain no control characters).
json_str() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# count_rows FILE: number of data rows of a CSV file (lines minus the header).
count_rows() {
	awk 'END { print (NR > 0 ? NR - 1 : 0) }' "$1"
}
