#!/bin/bash
# kill -9 of the scheduler in the middle of a run, then a restart: the run
# completes, a task that succeeded never runs again, the task whose process
# was lost is retried, and the database is intact.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
# every execution appends a line to its own file
cat >"$H/dags/crashy.yaml" <<YAML
dag: crashy
tasks:
  first: {command: 'echo x >> $T/ran.first'}
  second: {after: [first], command: 'echo x >> $T/ran.second'}
  long:
    after: [second]
    retries: 2
    retry_delay: 0s
    command: 'echo x >> $T/ran.long; echo \$\$ > $T/long.pid; if [ ! -f $T/crashed ]; then sleep 300; fi'
  last: {after: [long], command: 'echo x >> $T/ran.last'}
YAML
start_scheduler
sl trigger crashy --partition c1 >/dev/null
wait_for 20 "long to start" test -s "$T/long.pid"
long_pid=$(cat "$T/long.pid")
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
touch "$T/crashed"
assert_eq ok "$(q 'PRAGMA integrity_check')" "database integrity after kill -9"
assert_eq running "$(task_state crashy c1 long)" "long as the dead scheduler left it"

start_scheduler
wait_run crashy c1 success 30
assert_eq 1 "$(wc -l < "$T/ran.first")" "first ran once"
assert_eq 1 "$(wc -l < "$T/ran.second")" "second ran once"
assert_eq 2 "$(wc -l < "$T/ran.long")" "long ran again after the crash"
assert_eq 1 "$(wc -l < "$T/ran.last")" "last ran once"
assert_eq 2 "$(ti_field crashy c1 long try_number)" "the lost try counted"
assert_contains "$(q "SELECT t.error FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = 'long' AND t.try_number = 1")" "lost"
# the orphaned first try of long was killed on restart
wait_for 10 "the orphaned try to be killed" pid_gone "$long_pid"
assert_eq 0 "$(q "SELECT count(*) FROM task_instances WHERE state IN ('running', 'queued')")" "nothing left running"

# a lost try with no retries left fails instead of staying running; its
# processes are killed, even one in a session of its own
cat >"$H/dags/once.yaml" <<YAML
dag: once
tasks:
  only: {command: 'echo \$\$ > $T/once.pid; setsid sh -c "echo \\\$\\\$ > $T/detached.pid; exec sleep 300" & sleep 300'}
YAML
wait_for 10 "once to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q once"
sl trigger once --partition o1 >/dev/null
wait_for 20 "only to start" test -s "$T/once.pid"
wait_for 20 "only's detached child to start" test -s "$T/detached.pid"
detached=$(cat "$T/detached.pid")
on_exit "kill -9 $detached"
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
start_scheduler
wait_run once o1 failed 30
assert_eq failed "$(task_state once o1 only)"
wait_for 10 "the orphan to be killed" pid_gone "$(cat "$T/once.pid")"
# a child that left the try's process group (setsid) still carries the
# try's key in its environment: found and killed too
wait_for 10 "the orphan's detached child to be killed" pid_gone "$detached"
assert_eq ok "$(q 'PRAGMA integrity_check')" "database integrity"
echo "run_crash: ok"
