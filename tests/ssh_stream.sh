#!/bin/bash
# ssh executor: output reaches the task's log as it is produced. The task
# prints, waits for a file this test creates only after seeing the first
# line in the log, then prints again. A log_max caps the local copy.
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

# The log's cap (log_max) holds for a remote try as for a local one: the
# first and the last half of the cap, in order, with the line saying how
# much was dropped between them; sluice's own lines come on top.
rm -f "$T/task-0.log"
"$DRIVER" -c "$cfg" -L "$T" -m 2000 -- seq 1 20000 >"$T/driver.out"
r=$(result_of "$(cat "$T/driver.out")" 0)
assert_eq 0 "$(json_field "$r" exit_code)" "exit code of seq"
log=$(cat "$T/task-0.log")
assert_contains "$log" "bytes of output dropped here: the log keeps about the first and the last 1000 bytes of a try]" "the capped log"
assert_contains "$log" "
1
2
3
" "the log's head"
assert_eq 20000 "$(tail -n 1 "$T/task-0.log")" "the log's last line"
size=$(stat -c %s "$T/task-0.log")
head=$(grep -c '^sluice: ' "$T/task-0.log" || true)
[ "$size" -le $((2000 + 300 * head)) ] || fail "the capped log holds $size bytes (log_max 2000, $head lines of sluice's)"
grep -a '^[0-9][0-9]*$' "$T/task-0.log" | sort -n -c || fail "kept lines out of order"
# under the cap: all of it
rm -f "$T/task-0.log"
"$DRIVER" -c "$cfg" -L "$T" -m 2000 -- seq 1 5 >"$T/driver.out"
assert_eq "1 2 3 4 5" "$(grep -a '^[0-9][0-9]*$' "$T/task-0.log" | tr '\n' ' ' | sed 's/ $//')" "a log under the cap"
