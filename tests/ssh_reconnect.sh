#!/bin/bash
# ssh executor: sshd killed while a task runs. That try fails with an
# error, the driver (standing in for the scheduler) keeps running, a retry
# while sshd is down fails fast (unreachable_timeout: 0; by default it
# would wait for the host) and marks the host down, and once sshd is
# back the next try reconnects and succeeds. The process group the lost
# try left behind on the host is killed when the connection comes back.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
port=$(sshd_port a)
cfg=$(ssh_config_json a '"down_backoff": "1s"' '"connect_timeout": "5s"' \
	'"unreachable_timeout": 0')

# Try 1 records its group and waits for a file that never comes; the
# retry (try 2 and later) just succeeds.
driver_bg -c "$cfg" -L "$T" -r "$T/retry" -R 3 -w 1500 -- sh -c '
	if [ "$(cat "$1/attempts" 2>/dev/null)" = "" ]; then
		echo 1 >"$1/attempts"
		echo $(ps -o pgid= $$) >"$1/pg.tmp"; mv "$1/pg.tmp" "$1/pg"
		i=0; while [ ! -e "$1/never" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
		exit 0
	fi
	echo retried ok' task "$T"

wait_for 20 "try 1 to run" test -s "$T/pg"
pg=$(tr -d ' ' <"$T/pg")
kill_sshd a
wait_for 20 "try 1 to fail" grep -q '"try":1' "$T/driver.out"
r=$(result_of "$(cat "$T/driver.out")" 0 1)
assert_contains "$(json_field "$r" error)" "connection to 127.0.0.1:$port lost"
assert_contains "$(json_field "$r" error)" "while the task ran"
pid_gone "$DRIVER_PID" && fail "the driver stopped after the lost try"

# Retry while sshd is still down: refused connection, clear error.
touch "$T/retry"
wait_for 20 "try 2 to fail" grep -q '"try":2' "$T/driver.out"
r=$(result_of "$(cat "$T/driver.out")" 0 2)
assert_contains "$(json_field "$r" error)$(json_field "$r" start_error)" "127.0.0.1:$port"
rm "$T/retry"

# sshd back (same port, same host key): the next try reconnects.
start_sshd a
touch "$T/retry"
driver_wait
r=$(result_of "$(cat "$T/driver.out")" 0)
assert_eq 0 "$(json_field "$r" exit_code)" "exit code after reconnect"
assert_eq "" "$(json_field "$r" error)" "error after reconnect"
assert_contains "$(cat "$T/task-0.log")" "retried ok"
# The try-1 group, orphaned when sshd died, is killed on reconnect.
wait_for 15 "the orphaned group $pg to be killed" eval "! group_alive $pg"
