#!/bin/bash
# ssh executor: output reaches the task's log as it is produced. The task
# prints, waits for a file this test creates only after seeing the first
# line in the log, then prints again.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
cfg=$(ssh_config_json a)
driver_bg -c "$cfg" -L "$T" -- sh -c '
	echo first line; echo first error >&2
	i=0; while [ ! -e "$1" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
	echo second line' task "$T/go"

wait_for 20 "the first line in the log" grep -q '^first line$' "$T/task-0.log"
wait_for 20 "the first stderr line in the log" grep -q '^first error$' "$T/task-0.log"
pid_gone "$DRIVER_PID" && fail "the driver ended before the task could"
grep -q 'second line' "$T/task-0.log" && fail "second line before the go file"
touch "$T/go"
driver_wait
r=$(result_of "$(cat "$T/driver.out")" 0)
assert_eq 0 "$(json_field "$r" exit_code)" "exit code"
assert_contains "$(cat "$T/task-0.log")" "second line"
