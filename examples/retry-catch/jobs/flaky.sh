#!/bin/sh
# A job that fails the first FAIL_TIMES attempts of a run, then succeeds: a
# stand-in for an upstream that is briefly unavailable.
#
# Environment:
#   STATE_DIR   directory for the attempt counter (required)
#   RUN_ID      identifies the run; each run counts its own attempts
#               (the workflow passes the execution name)
#   FAIL_TIMES  how many attempts fail before one succeeds (default 2)
#
# A failing attempt prints a message on stderr and exits 75 (EX_TEMPFAIL),
# which fails the Task state with Shell.ExitError. The succeeding attempt
# removes the counter, so the next run fails twice again, and prints its
# result as JSON on stdout.
set -eu
: "${STATE_DIR:?STATE_DIR must name a directory for the attempt counter}"
fails=${FAIL_TIMES:-2}
key=$(printf '%s' "${RUN_ID:-default}" | sed 's/[^A-Za-z0-9._-]/_/g')

mkdir -p "$STATE_DIR"
counter=$STATE_DIR/flaky-$key.attempts
n=0
if [ -f "$counter" ]; then
	n=$(cat "$counter")
fi
n=$((n + 1))

if [ "$n" -le "$fails" ]; then
	echo "$n" >"$counter"
	echo "flaky: attempt $n of run $key: upstream not ready, try again later" >&2
	exit 75
fi

rm -f "$counter"
printf '{"attempts": %d, "status": "extracted"}\n' "$n"
