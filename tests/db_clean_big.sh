#!/bin/bash
# `sluice db clean` at the size of the issue: two years of an hourly DAG
# of 50 tasks (17,520 runs, 876,000 task instances with a try and a state
# change each) and 200,000 log files (the 4,000 newest runs), cleaned of
# everything older than 90 days while a scheduler runs a chain, run after
# run: exactly the old runs are gone (with their task instances, tries,
# state changes and log folders), every recent run stays whole, each chain
# run succeeds, and neither side reports a locked database. How much the
# chain slows down is a figure of bench/db_clean.sh, not asserted here.
# The watchdog of tests/setup.sh and its wait for a scheduler to start:
# the home alone takes minutes to make on a loaded machine.
: "${SLUICE_TEST_TIMEOUT:=1800}" "${SCHED_START_S:=120}"
export SLUICE_TEST_TIMEOUT SCHED_START_S
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/db_lib.sh"
RUNS=${RUNS:-17520} TASKS=${TASKS:-50} LOG_RUNS=${LOG_RUNS:-4000}
db_chain_home
t0=$(date +%s)
db_bulk_history hourly "$RUNS" "$TASKS" "$LOG_RUNS"
note "made $RUNS runs, $((RUNS * TASKS)) task instances, $((LOG_RUNS * TASKS)) log files in $(($(date +%s) - t0)) s"
assert_eq $((RUNS * TASKS)) "$(q "SELECT count(*) FROM task_instances")" "the task instances"
assert_eq $((LOG_RUNS * TASKS)) "$(find "$H/logs/hourly" -name try-1.log | wc -l)" "the log files"

# the cutoff: 90 days before the last full hour, at half past, so no run
# ends on it; what must stay is known before the clean
hour=$(( $(date +%s) / 3600 * 3600 ))
cutoff=$(( hour - 90 * 86400 - 1800 ))
before=$(date -u -d "@$cutoff" +%Y-%m-%dT%H:%M:%SZ)
q "SELECT id FROM dag_runs WHERE end_s >= $cutoff ORDER BY id" >"$T/keep"
keep=$(wc -l <"$T/keep")
old=$((RUNS - keep))
[ "$keep" -gt 2000 ] && [ "$old" -gt 15000 ] || fail "keep $keep, old $old"
log_keep=$(q "SELECT count(*) FROM (SELECT end_s FROM dag_runs ORDER BY end_s DESC LIMIT $LOG_RUNS) WHERE end_s >= $cutoff")
log_old=$((LOG_RUNS - log_keep))
[ "$log_old" -gt 0 ] || fail "no old run with log files"

start_scheduler
sl trigger chain --partition p0 >/dev/null
wait_run chain p0 success 60

# clean in the background; chain runs one after the other until it ends
sl db clean --before "$before" --yes >"$T/clean.out" 2>"$T/clean.err" &
CLEAN=$!
on_exit "kill $CLEAN 2>/dev/null"
n=0
while kill -0 "$CLEAN" 2>/dev/null; do
	n=$((n + 1))
	sl trigger chain --partition "p$n" >/dev/null
	wait_run chain "p$n" success 120
done
rc=0; wait "$CLEAN" || rc=$?
[ "$rc" = 0 ] || fail "db clean exited $rc: $(tail -3 "$T/clean.err")"
note "$(tail -1 "$T/clean.out")"
note "$n chain runs during the clean"
[ "$n" -ge 1 ] || fail "no chain run during the clean"

# exactly the old runs are gone
assert_contains "$(tail -1 "$T/clean.out")" \
	"removed $old runs, $((old * TASKS)) task instances, $((old * TASKS)) tries, $((log_old * TASKS)) log files and 0 audit rows" \
	"the totals"
assert_eq "$old" "$(grep -c '^removed run hourly ' "$T/clean.out")" "a line per removed run"
q "SELECT id FROM dag_runs WHERE dag_id = 'hourly' ORDER BY id" >"$T/left"
cmp -s "$T/keep" "$T/left" || fail "the runs left are not the recent ones: $(diff "$T/keep" "$T/left" | head -5)"
assert_eq "$((keep * TASKS)) $((keep * TASKS)) $((keep * TASKS + keep))" \
	"$(q "SELECT (SELECT count(*) FROM task_instances WHERE dag_id = 'hourly'),
		(SELECT count(*) FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.dag_id = 'hourly'),
		(SELECT count(*) FROM state_changes c JOIN dag_runs r ON r.id = c.run_id WHERE r.dag_id = 'hourly')" | tr '|' ' ')" \
	"every recent run keeps its task instances, tries and state changes"
assert_eq "0 0 0" "$(q "SELECT (SELECT count(*) FROM task_instances WHERE run_id NOT IN (SELECT id FROM dag_runs)),
	(SELECT count(*) FROM task_tries WHERE ti_id NOT IN (SELECT id FROM task_instances)),
	(SELECT count(*) FROM state_changes WHERE run_id NOT IN (SELECT id FROM dag_runs))" | tr '|' ' ')" \
	"nothing of a removed run is left"
assert_eq $((log_keep * TASKS)) "$(find "$H/logs/hourly" -name try-1.log | wc -l)" "the recent runs' log files stay"
q "SELECT partition FROM dag_runs WHERE dag_id = 'hourly' ORDER BY end_s DESC LIMIT $log_keep" | sort >"$T/logs-keep"
ls "$H/logs/hourly" | sort >"$T/logs-left"
cmp -s "$T/logs-keep" "$T/logs-left" || fail "the log folders left are not the recent runs': $(diff "$T/logs-keep" "$T/logs-left" | head -5)"

# the scheduler went on: every chain run succeeded, nothing was locked
assert_eq $((n + 1)) "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'chain' AND state = 'success'")" "the chain runs"
kill -0 "$SCHED_PID" || fail "the scheduler died"
if grep -qiE 'locked|busy' "$T/scheduler.log" "$T/clean.err"; then
	fail "a locked database: $(grep -iE 'locked|busy' "$T/scheduler.log" "$T/clean.err" | head -3)"
fi
sl db check >/dev/null || fail "db check after clean: $(sl db check)"
echo "db_clean_big: ok"
