#!/bin/bash
# `sluice logs --try N [--follow]` for a try that never happened, or whose
# log is gone: an error that says which tries there are, never a wait
# for a file that will not come.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/flaky.yaml" <<'YAML'
dag: flaky
tasks:
  f: {command: 'echo "try {{ try_number }}"; exit 3', retries: 1, retry_delay: 1s}
  g: {command: 'true', after: [f]}
YAML
start_scheduler
set +e
sl trigger flaky --partition p1 --wait >/dev/null 2>&1
set -e
assert_eq failed "$(task_state flaky p1 f)"
assert_eq upstream_failed "$(task_state flaky p1 g)"

# logs_fails WHAT CODE NEEDLE ARGS...: `sluice logs ARGS` ends (within
# 10 s: a wait that never ends is the bug) with CODE and NEEDLE on stderr
logs_fails() {
	local what=$1 code=$2 needle=$3 st
	shift 3
	set +e
	timeout 10 "$SLUICE" --home "$H" logs "$@" >"$T/out" 2>"$T/err"; st=$?
	set -e
	[ "$st" != 124 ] || fail "$what: still waiting after 10 s"
	assert_eq "$code" "$st" "exit code of $what"
	assert_contains "$(cat "$T/err")" "$needle" "$what"
}
logs_fails "logs --try 9" 2 "flaky f p1 has no try 9: it has had 2 tries (failed; --try 1 to 2)" \
	flaky f p1 --try 9
logs_fails "logs --try 9 --follow" 2 "flaky f p1 has no try 9: it has had 2 tries (failed; --try 1 to 2)" \
	flaky f p1 --try 9 --follow
logs_fails "logs --try 1 --follow of an instance without tries" 2 \
	"flaky g p1 has no try 1: it has had none (upstream_failed)" flaky g p1 --try 1 --follow
# a try that happened prints, with or without --follow
assert_eq "try 2" "$(timeout 10 "$SLUICE" --home "$H" logs flaky f p1 --try 2 --follow | grep -v '^\[')" "logs --try 2 --follow"
assert_eq "try 1" "$(sl logs flaky f p1 --try 1 | grep -v '^\[')" "logs --try 1"
# a log removed since (by hand, or db clean --logs-only): said, not waited for
rm "$H/logs/flaky/p1/f/try-2.log"
logs_fails "logs --follow of a removed log" 1 "no log for try 2" flaky f p1 --follow
logs_fails "logs of a removed log" 1 "no log for try 2" flaky f p1
echo "cli_logs_try: ok"
