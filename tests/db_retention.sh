#!/bin/bash
# retention: in sluice.yaml: the scheduler runs `db clean` by itself (a
# child process, output in logs/retention.log): runs: removes the old runs
# with their rows and log files, keeps recent ones; logs: removes only the
# log files of runs older than its age, keeping the runs.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/db_lib.sh"
new_home
cat >"$H/dags/chain.yaml" <<'YAML'
dag: chain
tasks:
  a: {command: 'echo a'}
  b: {after: [a], command: 'echo b'}
YAML
printf 'retention: {runs: 90d}\n' >"$H/sluice.yaml"
sl db migrate >/dev/null
db_history chain 100 200 0 1	# old
db_history chain 20 10 0 1	# recent: 10-29 days ago
cutoff=$(( $(date +%s) - 90 * 86400 ))
start_scheduler
sl trigger chain --partition p1 >/dev/null
old_gone() { [ "$(q "SELECT count(*) FROM dag_runs WHERE end_s < $cutoff")" = 0 ]; }
wait_for 90 "the scheduler's retention to remove the old runs" old_gone
wait_run chain p1 success 60
logged() { grep -q "^removed 100 runs" "$H/logs/retention.log" 2>/dev/null; }
wait_for 30 "retention.log to total the clean" logged
assert_contains "$(cat "$T/scheduler.log")" "retention: db clean --keep 7776000s" "the scheduler logs the clean it started"
assert_eq 20 "$(q "SELECT count(*) FROM dag_runs WHERE partition LIKE 'old-%'")" "the recent runs stay"
assert_eq 60 "$(find "$H/logs/chain" -name 'try-*.log' -path '*/old-*' | wc -l)" "with their log files only"
assert_eq 0 "$(q "SELECT count(*) FROM task_instances WHERE run_id NOT IN (SELECT id FROM dag_runs)")" "no orphan task instances"
stop_pid "$SCHED_PID"

# logs: 5d: the recent runs' log files go, the runs stay
printf 'retention: {logs: 5d}\n' >"$H/sluice.yaml"
start_scheduler
logs_gone() { [ "$(find "$H/logs/chain" -name 'try-*.log' -path '*/old-*' | wc -l)" = 0 ]; }
wait_for 90 "the scheduler's retention to remove the old log files" logs_gone
assert_eq 20 "$(q "SELECT count(*) FROM dag_runs WHERE partition LIKE 'old-%'")" "the runs stay"
assert_eq 60 "$(q "SELECT count(*) FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.partition LIKE 'old-%'")" "with their task instances"
[ -n "$(find "$H/logs/chain/p1" -name 'try-*.log')" ] || fail "the new run's logs were removed"

# a bad retention key is refused with its name
printf 'retention: {tries: 5d}\n' >"$H/sluice.yaml"
rc=0; out=$(sl dags list 2>&1) || rc=$?
assert_contains "$out" "retention: unknown key 'tries'" "an unknown key is named"
# an age the clean would read as seconds or minutes is refused where it
# is written
for age in 30 6m; do
	printf 'retention:\n  runs: %s\n' "$age" >"$H/sluice.yaml"
	rc=0; out=$(sl dags list 2>&1) || rc=$?
	assert_eq 3 "$rc" "retention: {runs: $age}"
	assert_contains "$out" "$H/sluice.yaml:2:9: retention.runs: '$age'" "the age is named with its line"
done
echo "db_retention: ok"
