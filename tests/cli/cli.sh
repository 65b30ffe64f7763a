#!/bin/bash
#
# cli.sh NESTBOX CASE
#
# One case of the 'nestbox' command line (CTest label "cli"). Each case runs
# nestbox with a generous timeout (a hung run fails the case, nothing here
# measures time) and checks its exit status and what it printed; what it
# printed is shown either way, so that a failing CTest run tells why.
#
nestbox=$1 case=$2
dir=$(dirname "$(readlink -f "$0")")
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT

fail() { echo "cli.sh: $case: $*" >&2; exit 1; }

# run STATUS COMMAND...: runs COMMAND, stdout to $tmp/out, stderr to $tmp/err
run() {
	local expected=$1
	shift
	timeout 60 "$@" >"$tmp/out" 2>"$tmp/err"
	local actual=$?
	echo "--- $* (exit status $actual)"
	sed 's/^/out| /' "$tmp/out"
	sed 's/^/err| /' "$tmp/err"
	[ "$actual" -eq 124 ] && fail "did not end within 60 s"
	[ "$actual" -eq "$expected" ] || fail "exit status $actual, expected $expected"
}

# out|err REGEX: a line of stdout/stderr matches the extended REGEX
out() { grep -Eq -- "$1" "$tmp/out" || fail "no line of stdout matches: $1"; }
err() { grep -Eq -- "$1" "$tmp/err" || fail "no line of stderr matches: $1"; }
no_out() { ! grep -Eq -- "$1" "$tmp/out" || fail "a line of stdout matches: $1"; }

case $case in
missing_binary)
	run 2 "$nestbox" run "$dir/missing_binary.xml"
	err 'missing_binary.xml:14:2: error: start "ghost": binary "no_such_binary" is in none of the ROM directories'
	err 'not started: the config has errors \(--no-check starts it anyway\)'
	no_out 'hello despite the ghost' ;;
unroutable)
	run 2 "$nestbox" run "$dir/unroutable.xml"
	err 'error: start "client": environment session "LOG" does not route: <child name="logger"/>: there is no child "logger"' ;;
warning_runs)
	run 0 "$nestbox" run "$dir/warning.xml"
	out '\[init -> hello\] warned but running' ;;
no_check)
	run 1 "$nestbox" run --no-check "$dir/missing_binary.xml"
	out '\[init -> hello\] hello despite the ghost'
	out '"ghost" is incomplete'
	out 'init is idle, not every child exited with 0: the run ends' ;;
ends_with_0)
	run 0 "$nestbox" run "$dir/exits.xml"
	out '\[init -> hello\] hello'
	out 'init is idle, every child exited with 0: the run ends' ;;
ends_with_failure)
	run 1 "$nestbox" run "$dir/fails.xml"
	out 'child "failing" exited with exit value 3'
	out 'init is idle, not every child exited with 0: the run ends' ;;
nested_init_runs_on)
	# only the top-level init ends a run: the timeout has to end this one
	# (6 s: time enough for the nested child to run even on a loaded machine)
	run 1 "$nestbox" run --timeout=6 "$dir/nested.xml"
	out '\[init -> sub -> inner\] done inside'
	out 'child "inner" exited with exit value 0'
	no_out 'init is idle'
	err 'timeout after 6 s' ;;
keep_running)
	# idle, but kept running until the timeout ends it (exit status 1)
	run 1 "$nestbox" run --keep-running --timeout=1 "$dir/exits.xml"
	out '\[init -> hello\] hello'
	no_out 'init is idle'
	err 'timeout after 1 s' ;;
timeout_equals)
	run 0 "$nestbox" run --timeout=5 "$dir/exits.xml"
	out '\[init -> hello\] hello' ;;
timeout_space)
	run 0 "$nestbox" run --timeout 5 "$dir/exits.xml"
	out '\[init -> hello\] hello' ;;
timeout_value)
	# the value is taken in both forms: the message names it
	run 1 "$nestbox" run --keep-running --timeout=0.5 "$dir/exits.xml"
	err 'timeout after 0.5 s'
	run 1 "$nestbox" run --keep-running --timeout 0.25 "$dir/exits.xml"
	err 'timeout after 0.25 s' ;;
unknown_option)
	for command in run check test; do
		run 2 "$nestbox" $command --bogus "$dir/exits.xml"
		err "^nestbox $command: unknown option '--bogus'$"
		err "^Try 'nestbox $command --help'.$"
	done ;;
missing_value)
	run 2 "$nestbox" run "$dir/exits.xml" --timeout
	err "^nestbox run: option '--timeout' needs a value$"
	run 2 "$nestbox" run --timeout=soon "$dir/exits.xml"
	err '^nestbox run: --timeout: not a positive number: soon$' ;;
unknown_command)
	run 2 "$nestbox" frobnicate
	err "^nestbox: unknown command 'frobnicate'$"
	err "^Try 'nestbox --help'.$"
	run 2 "$nestbox"
	err '^nestbox: missing command' ;;
version)
	for command in "" run check test; do
		run 0 "$nestbox" $command --version
		out '^nestbox [0-9]+\.[0-9]+'
	done ;;
help)
	for command in "" run check test; do
		run 0 "$nestbox" $command --help
		out '^Usage: nestbox '
		run 0 "$nestbox" $command -h
		out '^Usage: nestbox '
	done
	run 0 "$nestbox" run --help
	out -- '--no-check'
	out -- '--keep-running' ;;
config_is_directory)
	mkdir "$tmp/config.xml"
	run 2 "$nestbox" run "$tmp/config.xml"
	err 'config.xml: cannot read config file: Is a directory$'
	run 2 "$nestbox" check "$tmp/config.xml"
	err 'config.xml: cannot read config file: Is a directory$' ;;
config_missing)
	run 2 "$nestbox" run "$tmp/none.xml"
	err 'none.xml: cannot read config file: No such file or directory$' ;;
report_dir_unwritable)
	# a file where the report directory should be: the run says why and does not start
	touch "$tmp/reports"
	run 2 "$nestbox" run --report-dir "$tmp/reports/init" "$dir/exits.xml"
	err 'reports/init: cannot create it: Not a directory$'
	no_out 'hello' ;;
seccomp_audit)
	# without audit mode the forbidden call is a breach
	run 1 "$nestbox" run "$dir/audit.xml"
	out '"probe" killed: forbidden system call openat'
	no_out 'survived'
	# with it, the call is logged once (the second open is the same call) and goes on
	run 0 "$nestbox" run --seccomp-audit "$dir/audit.xml"
	out 'Warning: seccomp audit mode'
	out '^seccomp audit: "init -> probe" openat\(0x[0-9a-f]+, .*\) "/etc/passwd" \(the filter refuses it; allowed\)$'
	[ "$(grep -c 'seccomp audit: "init -> probe"' "$tmp/out")" -eq 1 ] || fail "the same call was logged twice"
	out '\[init -> probe\] survived the forbidden call' ;;
seccomp_audit_bounded)
	# 70 distinct forbidden calls: 64 lines, then one that says no more come
	opens=$(for i in $(seq 1 70); do printf '<open path="/none/%d"/> ' "$i"; done)
	sed "s|<open path=\"/etc/passwd\"/>|$opens|" "$dir/audit.xml" > "$tmp/many.xml"
	run 0 "$nestbox" run --seccomp-audit "$tmp/many.xml"
	[ "$(grep -c '^seccomp audit: "init -> probe" openat' "$tmp/out")" -eq 64 ] || fail "not 64 audit lines"
	out '^seccomp audit: "init -> probe": more than 64 distinct calls, no more are logged$'
	out '\[init -> probe\] survived the forbidden call' ;;
seccomp_audit_env)
	# the environment switches it on for every run, and the lines go to a file too
	NESTBOX_SECCOMP_AUDIT=1 NESTBOX_SECCOMP_AUDIT_LOG="$tmp/audit.log" run 0 "$nestbox" run "$dir/audit.xml"
	out '\[init -> probe\] survived the forbidden call'
	grep -Eq '^\[.*\] seccomp audit: "init -> probe" openat\(.*"/etc/passwd"' "$tmp/audit.log" \
		|| fail "the audit line is not in NESTBOX_SECCOMP_AUDIT_LOG"
	# any other value leaves audit mode off
	NESTBOX_SECCOMP_AUDIT=0 run 1 "$nestbox" run "$dir/audit.xml"
	out 'forbidden system call openat' ;;
*)
	fail "unknown case" ;;
esac
echo "cli.sh: $case: passed"
