#!/bin/bash
#
# expect.sh STATUS REGEX COMMAND...
#
# Runs COMMAND and passes if it exits with STATUS and its stderr matches the
# extended regular expression REGEX. What it printed is shown either way, so
# that a failing CTest run tells why.
#
status=$1 pattern=$2
shift 2

stderr=$("$@" 2>&1 >/dev/null)
actual=$?
printf '%s\n' "$stderr"

if [ "$actual" -ne "$status" ]; then
	echo "expect.sh: exit status $actual, expected $status" >&2
	exit 1
fi
if ! grep -Eq -- "$pattern" <<<"$stderr"; then
	echo "expect.sh: no line of stderr matches: $pattern" >&2
	exit 1
fi
