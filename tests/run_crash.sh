#!/bin/bash
# kill -9 of the scheduler in the middle of a run, then a restart: the run
# completes, a task that succeeded never runs again, a try that was
# running at the kill is adopted by the next scheduler (not run again) and
# its real exit status recorded, also when it ended while no scheduler
# ran; a try whose supervisor died too is lost and retried (or failed);
# and the database is intact.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
# a reported try's status file would go 1 s after its end if nobody said
# its end was committed (30 s by default): the held writes below last
# longer
printf 'executors:\n  local: {type: local, status_keep_ms: 1000}\n' >"$H/sluice.yaml"
# every execution appends a line to its own file; `long` waits (bounded)
# for the test's go
cat >"$H/dags/crashy.yaml" <<YAML
dag: crashy
tasks:
  first: {command: 'echo x >> $T/ran.first'}
  second: {after: [first], command: 'echo x >> $T/ran.second'}
  long:
    after: [second]
    retries: 2
    retry_delay: 0s
    command: 'echo x >> $T/ran.long; echo \$\$ > $T/long.pid; i=0; while [ ! -f $T/go.long ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done'
  last: {after: [long], command: 'echo x >> $T/ran.last'}
YAML
start_scheduler
sl trigger crashy --partition c1 >/dev/null
wait_for 20 "long to start" test -s "$T/long.pid"
# the process can start before its running state (and token) commits:
# the kill must come after both
wait_ti crashy c1 long running
long_pid=$(cat "$T/long.pid")
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
assert_eq ok "$(q 'PRAGMA integrity_check')" "database integrity after kill -9"
assert_eq running "$(task_state crashy c1 long)" "long as the dead scheduler left it"
# sluice tasks says whose word "running" is while no scheduler runs
assert_contains "$(sl tasks crashy c1 2>&1)" "no scheduler is running on this home's database: running and queued are as the last one recorded them"
kill -0 "$long_pid" 2>/dev/null || fail "long's process did not outlive the scheduler"

start_scheduler
assert_contains "$(cat "$T/scheduler.log")" "crashy long: try 1 still belongs to executor local"
assert_not_contains "$(sl tasks crashy c1 2>&1)" "no scheduler is running" "sluice tasks with a scheduler"
kill -0 "$long_pid" 2>/dev/null || fail "the new scheduler stopped the adopted try"
assert_eq running "$(task_state crashy c1 long)" "the adopted try is still running"
touch "$T/go.long"
wait_run crashy c1 success 30
assert_eq 1 "$(wc -l < "$T/ran.first")" "first ran once"
assert_eq 1 "$(wc -l < "$T/ran.second")" "second ran once"
assert_eq 1 "$(wc -l < "$T/ran.long")" "long ran once: adopted, not run again"
assert_eq 1 "$(wc -l < "$T/ran.last")" "last ran once"
assert_eq 1 "$(ti_field crashy c1 long try_number)" "no try spent"
assert_eq "success|0" "$(q "SELECT t.state, t.exit_code FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = 'long' AND t.try_number = 1")" "the adopted try's result"
assert_eq "" "$(ti_field crashy c1 long token)" "the token is forgotten once the try ended"
assert_eq 0 "$(q "SELECT count(*) FROM task_instances WHERE state IN ('running', 'queued')")" "nothing left running"

# a try that ends while no scheduler runs: its real exit status (3, no
# retries: failed) is recorded by the next scheduler
cat >"$H/dags/ends.yaml" <<YAML
dag: ends
tasks:
  only: {command: 'echo x >> $T/ran.ends; echo \$\$ > $T/ends.pid; i=0; while [ ! -f $T/go.ends ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done; exit 3'}
YAML
wait_for 10 "ends to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q ends"
sl trigger ends --partition e1 >/dev/null
wait_for 20 "ends to start" test -s "$T/ends.pid"
wait_ti ends e1 only running
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
touch "$T/go.ends"
wait_for 10 "the try to end with no scheduler" pid_gone "$(cat "$T/ends.pid")"
assert_eq running "$(task_state ends e1 only)" "nobody recorded it yet"
start_scheduler
wait_run ends e1 failed 30
assert_eq 1 "$(wc -l < "$T/ran.ends")" "ran once"
assert_eq "3|exit code 3" "$(ti_field ends e1 only exit_code)|$(ti_field ends e1 only error)" "its real exit status"
assert_eq 1 "$(ti_field ends e1 only try_number)"

# a try whose supervisor is killed with the scheduler is lost: with no
# retries left it fails instead of staying running; its processes are
# killed, even one in a session of its own
cat >"$H/dags/once.yaml" <<YAML
dag: once
tasks:
  only: {command: 'echo \$\$ > $T/once.pid; echo \$PPID > $T/once.sup; setsid sh -c "echo \\\$\\\$ > $T/detached.pid; exec sleep 300" & sleep 300'}
YAML
wait_for 10 "once to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q once"
sl trigger once --partition o1 >/dev/null
wait_for 20 "only to start" test -s "$T/once.pid"
wait_for 20 "only's detached child to start" test -s "$T/detached.pid"
wait_ti once o1 only running
detached=$(cat "$T/detached.pid")
on_exit "kill -9 $detached"
kill -9 "$SCHED_PID" "$(cat "$T/once.sup")"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
start_scheduler
wait_run once o1 failed 30
assert_eq failed "$(task_state once o1 only)"
assert_contains "$(ti_field once o1 only error)" "lost"
wait_for 10 "the orphan to be killed" pid_gone "$(cat "$T/once.pid")"
# a child that left the try's process group (setsid) still carries the
# try's key in its environment: found and killed too
wait_for 10 "the orphan's detached child to be killed" pid_gone "$detached"

# the same with retries left: the lost try is retried
cat >"$H/dags/again.yaml" <<YAML
dag: again
tasks:
  only:
    retries: 1
    retry_delay: 0s
    command: 'echo x >> $T/ran.again; if [ ! -f $T/again.sup ]; then echo \$PPID > $T/again.sup; sleep 300; fi'
YAML
wait_for 10 "again to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q again"
sl trigger again --partition a1 >/dev/null
wait_for 20 "again to start" test -s "$T/again.sup"
wait_ti again a1 only running
kill -9 "$SCHED_PID" "$(cat "$T/again.sup")"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
start_scheduler
wait_run again a1 success 30
assert_eq 2 "$(wc -l < "$T/ran.again")" "the lost try ran again"
assert_eq 2 "$(ti_field again a1 only try_number)" "the lost try counted"
assert_contains "$(q "SELECT t.error FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = 'only' AND t.try_number = 1 AND ti.run_id = (SELECT id FROM dag_runs WHERE dag_id = 'again')")" "lost"

# stopped between a try's closing line in its log and the commit of its
# end (the commit held up by another process's lock), by kill -9 and by
# SIGTERM, and by kill -9 after the writes were held longer than a status
# file is kept when nobody says its end was committed (LONG): the next
# scheduler follows the ended try and records it (not "never started",
# run again), and the log says its end once
hold_db() {	# another process holds the database's write lock
	rm -f "$T/lock.in" "$T/lock.out"
	mkfifo "$T/lock.in"
	sqlite3 "$H/sluice.db" <"$T/lock.in" >"$T/lock.out" 2>&1 &
	lock_pid=$!
	on_exit "kill $lock_pid"
	exec 7>"$T/lock.in"
	echo "PRAGMA busy_timeout=10000; BEGIN EXCLUSIVE; SELECT 'locked';" >&7
	wait_for 10 "the external lock" grep -q locked "$T/lock.out"
}
release_db() {
	echo "COMMIT;" >&7
	exec 7>&-
	wait_for 10 "the holder to go" pid_gone "$lock_pid"
}
for sig in KILL TERM LONG; do
	dag=twice_$sig
	cat >"$H/dags/$dag.yaml" <<YAML
dag: $dag
tasks:
  only: {retries: 1, retry_delay: 0s, command: 'echo "\$SLUICE_TRY" >> $T/ran.$dag; echo hello; while [ ! -f $T/go.$dag ]; do sleep 0.05; done; exit 3'}
YAML
	wait_for 10 "$dag to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q $dag"
	sl trigger "$dag" --partition t1 >/dev/null
	wait_started "$dag" t1 only
	hold_db
	touch "$T/go.$dag"
	closing() { sl logs "$dag" only t1 --try 1 | grep -q "try 1 of 2 failed"; }
	wait_for 10 "the closing line" closing
	if [ "$sig" = LONG ]; then
		sleep 2	# the held writes last past status_keep_ms (not a synchronisation)
		kill -KILL "$SCHED_PID"
	else
		kill "-$sig" "$SCHED_PID"
	fi
	wait_for 10 "the scheduler to stop ($sig)" pid_gone "$SCHED_PID"
	release_db
	assert_eq running "$(task_state "$dag" t1 only)" "the end was not committed ($sig)"
	start_scheduler
	wait_run "$dag" t1 failed 30
	assert_eq "1 2" "$(echo $(cat "$T/ran.$dag"))" "the tries that ran ($sig)"
	assert_eq 1 "$(sl logs "$dag" only t1 --try 1 | grep -c 'sluice] try 1 of 2 failed')" "try 1's end said once in its log ($sig): $(sl logs "$dag" only t1 --try 1)"
	assert_not_contains "$(sl logs "$dag" only t1 --try 1)" "not started" "($sig)"
	assert_eq "2|2" "$(ti_field "$dag" t1 only try_number)|$(q "SELECT count(*) FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = 'only' AND ti.run_id = (SELECT id FROM dag_runs WHERE dag_id = '$dag')")" "tries counted and recorded ($sig)"
done
assert_eq ok "$(q 'PRAGMA integrity_check')" "database integrity"
echo "run_crash: ok"
