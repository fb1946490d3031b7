# tests/trust_db_lib.sh: what the database-fault tests share (sourced
# after setup.sh): a DAG of many short independent tasks, each start traced
# to $T/trace (outside the home, which may be the faulty disk), and the
# checks every fault must pass once it is gone.

DB_TASKS=${DB_TASKS:-40}

# db_dag: dag "faults" with DB_TASKS tasks; each appends "TASK TRY" to
# $T/trace when it starts, then runs SECONDS (default 1).
db_dag() {
	local i secs=${1:-1}
	: > "$T/trace"
	{
		echo "dag: faults"
		echo "tasks:"
		for i in $(seq "$DB_TASKS"); do
			echo "  t$i: {retries: 5, retry_delay: 1s, command: 'echo \"\$SLUICE_TASK \$SLUICE_TRY\" >> $T/trace; sleep $secs'}"
		done
	} > "$H/dags/faults.yaml"
}

starts() { wc -l < "$T/trace"; }
starts_over() { [ "$(starts)" -ge "$1" ]; }
sched_log_has() { grep -q "$1" "$T/scheduler.log"; }

# db_checks: after the fault is gone, the run finishes by itself (the same
# scheduler, no restart), no try started twice, nothing is left running
# without a process, the failure was logged once with SQLite's own
# message ($1: a part of it), and so was each try's end.
db_checks() {
	local msg=$1 dups
	wait_run faults f1 success 120
	kill -0 "$SCHED_PID" 2>/dev/null || fail "the scheduler exited: $(tail -5 "$T/scheduler.log")"
	dups=$(sort "$T/trace" | uniq -d)
	assert_eq "" "$dups" "tries started twice (task try)"
	assert_eq "$DB_TASKS" "$(cut -d' ' -f1 "$T/trace" | sort -u | wc -l)" "every task started"
	assert_eq 0 "$(q "SELECT count(*) FROM task_instances WHERE state IN ('running','queued','scheduled','up_for_retry')")" "task instances left unfinished"
	assert_eq "$DB_TASKS" "$(q "SELECT count(*) FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.partition = 'f1' AND ti.state = 'success'")" "task instances succeeded"
	# every start is in the store as a try of its own: none lost, none
	# recorded twice
	q "SELECT ti.task_id || ' ' || tt.try_number FROM task_tries tt JOIN task_instances ti ON ti.id = tt.ti_id JOIN dag_runs r ON r.id = ti.run_id WHERE r.partition = 'f1'" | sort > "$T/recorded"
	assert_eq "" "$(uniq -d "$T/recorded")" "tries recorded twice"
	assert_eq "" "$(sort "$T/trace" | comm -23 - "$T/recorded")" "tries started but not recorded"
	assert_eq 1 "$(grep -c "database: .* failed: .*$msg" "$T/scheduler.log")" \
		"the failure logged once with SQLite's message: $(grep 'database' "$T/scheduler.log" | head -5)"
	[ "$(grep -c 'database' "$T/scheduler.log")" -le 4 ] ||
		fail "database lines repeat: $(grep 'database' "$T/scheduler.log" | head -20)"
	# each try's end is said once, however often its record was retried
	dups=$(grep -E ': try [0-9]+ (succeeded|of [0-9]+ failed)' "$T/scheduler.log" |
		cut -d' ' -f2- | sed 's/; retrying .*//' | sort | uniq -d | head -5)
	assert_eq "" "$dups" "ends logged more than once"
	assert_not_contains "$(cat "$T/scheduler.log")" "cannot rollback"
	assert_contains "$(cat "$T/scheduler.log")" "database: writes succeed again"
}
