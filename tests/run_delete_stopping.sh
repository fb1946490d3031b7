#!/bin/bash
# A run whose try is still to be stopped is not deleted. A task marked
# (or cleared) while its try runs keeps the try's token until a scheduler
# has stopped that try; while no scheduler runs, that is the next one's
# start. `sluice runs delete` (and DELETE of the API) used to delete such
# a run: the token went with the row, the next scheduler never stopped
# the try, and a new run of the partition ran try 1 again beside it. Now
# the delete is refused until the try is stopped, then goes through; a
# running scheduler stops a marked try and forgets its token, so the
# delete goes through then too. The try stopped after a mark made while
# no scheduler ran is recorded among the task's tries.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/d.yaml" <<YAML
dag: d
tasks:
  slow: {command: 'echo "\$SLUICE_PARTITION \$SLUICE_TRY \$\$" >> $T/ran; i=0; while [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done'}
YAML
start_scheduler
sl trigger d --partition p1 >/dev/null
wait_started d p1 slow
wait_for 10 "the try to write its line" test -s "$T/ran"
pid=$(awk '{print $3}' "$T/ran")
on_exit "kill $pid"
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"

# no scheduler: the mark ends the task instance, the try still runs
sl mark d slow p1 failed >/dev/null
assert_eq failed "$(task_state d p1 slow)" "the marked task"
kill -0 "$pid" 2>/dev/null || fail "the try ended with no scheduler to stop it"
set +e
out=$(sl runs delete d p1 --yes 2>&1)
rc=$?
set -e
assert_eq 1 "$rc" "runs delete of a run with a try still to be stopped: exit code"
assert_contains "$out" "run d p1 has 1 try still to be stopped"
assert_contains "$out" "nothing deleted"
assert_eq failed "$(task_state d p1 slow)" "the run is still there"

# the next scheduler stops it and forgets its token: the delete goes
# through, and a new run of p1 is the only try 1 running
start_scheduler
wait_for 10 "the next scheduler to stop the try" pid_gone "$pid"
wait_for 10 "the token to be forgotten" test -z "$(ti_field d p1 slow token)"
# the try ran: it is among the task's tries, as one a running scheduler
# stops after a mark is (it was left out)
assert_eq "1|failed|marked failed by cli:$(id -un) while running" \
	"$(q "SELECT t.try_number, t.state, t.error FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = 'slow'")" \
	"the try the mark stopped while no scheduler ran"
sl runs delete d p1 --yes >/dev/null
sl trigger d --partition p1 >/dev/null
wait_started d p1 slow
wait_for 10 "the new try to write its line" sh -c "[ \$(wc -l < '$T/ran') -ge 2 ]"
pid2=$(awk 'NR == 2 {print $3}' "$T/ran")
on_exit "kill $pid2"
pid_gone "$pid" || fail "the first run's try still runs beside the new one"

# with a scheduler running: the mark stops the try, its end forgets the
# token, and the delete goes through
sl mark d slow p1 success >/dev/null
wait_for 20 "the scheduler to stop the marked try" pid_gone "$pid2"
wait_for 10 "the stopped try's token to be forgotten" test -z "$(ti_field d p1 slow token)"
sl runs delete d p1 --yes >/dev/null
assert_eq "" "$(q "SELECT id FROM dag_runs WHERE dag_id = 'd'")" "the run deleted"
assert_eq 2 "$(wc -l <"$T/ran")" "two tries in all"
echo "run_delete_stopping: ok"
