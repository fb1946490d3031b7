#!/bin/bash
# One scheduler per database, whatever home points at it: a second
# scheduler whose home's `database:` names the first one's file is refused
# with a message naming the holder, and touches nothing (the first one's
# running try keeps running and ends recorded once).
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/slow.yaml" <<YAML
dag: slow
tasks:
  wait: {command: 'echo started >>$T/trace; while [ ! -f $T/go ]; do sleep 0.05; done; echo done'}
YAML
start_scheduler
sl trigger slow --partition p1 >/dev/null
started() { [ -s "$T/trace" ]; }
wait_for 20 "the try to start" started

# a second scheduler on the same home: refused in one line naming the pid
rc=0
timeout 20 "$SLUICE" --home "$H" scheduler >"$T/same.log" 2>&1 || rc=$?
assert_eq 1 "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo 1 || echo "rc=$rc")" "a second scheduler on the home exits with an error"
assert_contains "$(cat "$T/same.log")" "already running on $H (pid $SCHED_PID); one scheduler per home" "it names the holder in one line"

# a second home whose database is the first one's file
H2="$T/home2"
mkdir -p "$H2/dags"
cat >"$H2/sluice.yaml" <<YAML
database: $H/sluice.db
YAML
rc=0
timeout 20 "$SLUICE" --home "$H2" scheduler >"$T/second.log" 2>&1 || rc=$?
assert_eq 1 "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo 1 || echo "rc=$rc")" "the second scheduler exits with an error"
assert_contains "$(cat "$T/second.log")" "another scheduler (pid $SCHED_PID) runs on the database" "it names the holder"
# the same through a path with another spelling (a symlinked folder)
ln -s "$H" "$T/alias"
cat >"$H2/sluice.yaml" <<YAML
database: $T/alias/sluice.db
YAML
rc=0
timeout 20 "$SLUICE" --home "$H2" scheduler >"$T/second2.log" 2>&1 || rc=$?
assert_contains "$(cat "$T/second2.log")" "another scheduler (pid $SCHED_PID)" "refused through another path too"

# nothing was touched: the first scheduler's try still runs, then ends once
kill -0 "$SCHED_PID" || fail "the first scheduler died"
assert_eq running "$(q "SELECT state FROM task_instances WHERE task_id = 'wait'")" "the try still runs"
touch "$T/go"
wait_run slow p1 success 30
assert_eq 1 "$(grep -c started "$T/trace")" "the try started once"
assert_eq 1 "$(q "SELECT count(*) FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = 'wait'")" "one try recorded"

# once the first one stops, a scheduler on that database may start
stop_pid "$SCHED_PID"
start_scheduler
echo "run_one_scheduler: ok"
