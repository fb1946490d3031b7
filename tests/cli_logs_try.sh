#!/bin/bash
# `sluice logs --try N [--follow]` for a try that never happened, or whose
# log is gone: an error that says which tries there are, never a wait
# for a file that will not come.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/adhoc.yaml" <<'YAML'
dag: adhoc
schedule: none
tasks:
  x: {command: 'true'}
YAML
cat >"$H/dags/flaky.yaml" <<'YAML'
dag: flaky
tasks:
  f: {command: 'echo "try {{ try_number }}"; exit 3', retries: 1, retry_delay: 1s}
  g: {command: 'true', after: [f]}
YAML
# the logs folder of sluice.yaml (logs:), not the home's logs/, as
# `sluice logs --help` says
printf 'logs: %s\n' "$T/tasklogs" >"$H/sluice.yaml"
start_scheduler
set +e
sl trigger flaky --partition p1 --wait >/dev/null 2>&1
set -e
assert_eq failed "$(task_state flaky p1 f)"
assert_eq upstream_failed "$(task_state flaky p1 g)"
assert_eq "try 1" "$(head -n 1 "$T/tasklogs/flaky/p1/f/try-1.log")" "the log in the folder logs: names"
[ ! -e "$H/logs/flaky" ] || fail "a log was written in the home's logs/ although logs: names another folder"
assert_eq "try 1" "$(sl logs flaky f p1 --try 1 | head -n 1)" "sluice logs reads the folder logs: names"
assert_contains "$(sl logs --help)" "LOGS being logs: of sluice.yaml" "logs --help"

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
# a try that wrote nothing: its log prints nothing (a pipe gets an empty
# log), and stderr says so instead of leaving an empty terminal
sl dags unpause adhoc >/dev/null
sl trigger adhoc --partition quiet --wait >/dev/null
"$SLUICE" --home "$H" logs adhoc x quiet >"$T/out" 2>"$T/err"
assert_eq 0 "$(wc -c <"$T/out")" "the empty log's bytes on stdout"
assert_eq "sluice: adhoc x quiet: try 1 wrote nothing (its log is empty; success)" "$(cat "$T/err")" "logs of an empty log"
assert_eq "" "$(sl logs flaky f p1 --try 1 2>&1 >/dev/null)" "no note when the log has lines"

# a log removed since (by hand, or db clean --logs-only): said, not waited for
rm "$T/tasklogs/flaky/p1/f/try-2.log"
logs_fails "logs --follow of a removed log" 1 "no log for try 2" flaky f p1 --follow
logs_fails "logs of a removed log" 1 "no log for try 2" flaky f p1

# --follow of an instance not started yet, whose run is then deleted
# (paused: it stays queued until then): the wait ends. Once the follower
# has the database open it is about to wait; if the deletion still came
# first it said "no run" at once: try again with a new run.
sl dags pause adhoc >/dev/null
# on a terminal the wait says why the instance has not started (it was
# silent: a wait that read as a hang)
sl trigger adhoc --partition kw >/dev/null 2>&1
script -qec "timeout 3 \"$SLUICE\" --home '$H' logs adhoc x kw --follow" /dev/null >"$T/tty.out" </dev/null || true
assert_contains "$(cat "$T/tty.out")" "sluice: adhoc x kw has not started yet (none; not running: the DAG is paused: its run is queued); waiting for its first try..." \
	"logs --follow on a terminal says why it waits"
for attempt in 1 2 3 4 5; do
	sl trigger adhoc --partition "k$attempt" >/dev/null 2>&1
	"$SLUICE" --home "$H" logs adhoc x "k$attempt" --follow >"$T/f.out" 2>"$T/f.err" &
	follow=$!
	on_exit "stop_pid $follow"
	wait_for 10 "logs --follow to open the database" sh -c "ls -l /proc/$follow/fd | grep -q sluice.db"
	sl runs delete adhoc "k$attempt" --yes >/dev/null
	wait_for 10 "logs --follow to end once the run is deleted" pid_gone "$follow"
	set +e
	wait "$follow"; st=$?
	set -e
	grep -q "has no run for partition" "$T/f.err" || break
done
assert_eq 1 "$st" "exit code of logs --follow of a deleted run"
assert_contains "$(cat "$T/f.err")" "the run of adhoc k$attempt was deleted before x started" "logs --follow of a deleted run"
echo "cli_logs_try: ok"
