#!/bin/bash
# Follow, don't resubmit, for glue_job and athena_query (the loopback AWS
# test double: Glue and Athena have no local server; it verifies
# signatures and, with --hold-while, holds a job run of a job named
# hold_... and a query mentioning hold_ RUNNING while a file exists: a
# slow job, not one that hangs). While both run, the scheduler is killed
# with kill -9 and so is every process of the two tries (their
# supervisors included: the tries are lost). After a restart each lost
# try is retried, and the retry follows the JobRunId / QueryExecutionId
# its lost try recorded: StartJobRun and StartQueryExecution were each
# called exactly once, and the real result is recorded (the run's end
# state, the query's row count in the task's output). Then a task cleared
# while its job runs and no try does: its next try stops that job and
# starts a new one; and with reattach: false a retry starts a new one and
# leaves the old one alone.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/reattach_lib.sh"
start_aws_double --key AKIDLAKE:lake-secret --glue-job hold_etl \
	--glue-job hold_etl_fresh --hold-while hold_:"$T/hold"
export AWS_ACCESS_KEY_ID=AKIDLAKE AWS_SECRET_ACCESS_KEY=lake-secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_GLUE=$AWS_DOUBLE_URL
export AWS_ENDPOINT_URL_ATHENA=$AWS_DOUBLE_URL
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
new_home
touch "$T/hold"

cat >"$H/sluice.yaml" <<YAML
executors:
  local: {type: local, slots: 8, fork_server: false}
YAML
cat >"$H/dags/lake.yaml" <<YAML
dag: lake
tasks:
  etl:
    type: glue_job
    job_name: hold_etl
    arguments: {day: "{{ ds }}"}
    poll_interval: 200ms
    retries: 1
    retry_delay: 1s
  count:
    type: athena_query
    query: SELECT count(*) FROM lake.hold_events
    database: lake
    output_location: s3://athena-out/lake/
    poll_interval: 200ms
    retries: 1
    retry_delay: 1s
  fresh:
    type: glue_job
    job_name: hold_etl_fresh
    poll_interval: 200ms
    retries: 1
    retry_delay: 1s
    reattach: false
YAML
sl dags validate >/dev/null || fail "the DAG does not validate: $(sl dags validate 2>&1)"
start_scheduler
P=2024-03-01
logf() { echo "$H/logs/lake/$P/$1/try-$2.log"; }
ext() { q "SELECT x.kind, x.job_id, x.state, x.try_number FROM external_jobs x JOIN task_instances ti ON ti.id = x.ti_id JOIN dag_runs r ON r.id = ti.run_id WHERE r.partition = '$P' AND ti.task_id = '$1'"; }
# kill_all TASK...: the scheduler and every process of the tasks' tries
kill_all() {
	local toks= t
	for t in "$@"; do toks="$toks $(ti_field lake $P $t token)"; done
	kill -9 "$SCHED_PID"
	wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
	for t in $(echo $toks | tr ' ' '\n' | sort -r); do kill_try "$t"; done
}
# start_run: trigger partition $P and wait until its three jobs run; sets
# rid, qid, fid: the ids the first tries started
start_run() {
	sl trigger lake --partition $P >/dev/null
	wait_for 30 "the Glue job run to run" has "$(logf etl 1)" ': RUNNING$'
	wait_for 30 "the Athena query to run" has "$(logf count 1)" ': RUNNING$'
	wait_for 30 "the other Glue job run to run" has "$(logf fresh 1)" ': RUNNING$'
	rid=$(sed -n 's/^job run \(jr_[0-9a-f]*\) started$/\1/p' "$(logf etl 1)")
	qid=$(sed -n 's/^query \([0-9a-f-]*\) started$/\1/p' "$(logf count 1)")
	fid=$(sed -n 's/^job run \(jr_[0-9a-f]*\) started$/\1/p' "$(logf fresh 1)")
	[ -n "$rid" ] && [ -n "$qid" ] && [ -n "$fid" ] ||
		fail "no job run or query id in the first tries' logs"
}
start_run
assert_eq "glue_job_run|$rid|running|1" "$(ext etl)" "the job run recorded before waiting"
assert_eq "athena_query|$qid|running|1" "$(ext count)" "the query recorded before waiting"

# --- the scheduler and the tries die together ---
kill_all etl count fresh
start_scheduler
for t in etl count; do
	wait_for 30 "$t's retry to follow its job" has "$(logf $t 2)" "external job: following "
done
wait_for 30 "fresh's retry to start anew" has "$(logf fresh 2)" ' started$'
assert_contains "$(cat "$(logf etl 2)")" "external job: following glue_job_run $rid, submitted by try 1 (not submitting again)"
assert_contains "$(cat "$(logf count 2)")" "external job: following athena_query $qid, submitted by try 1 (not submitting again)"
assert_contains "$(cat "$(logf fresh 2)")" "external job: glue_job_run $fid of try 1 may still run; reattach: false: submitting a new one"
rm -f "$T/hold"
wait_run lake $P success 60 || true
run_is lake $P success || {
	for t in etl count fresh; do echo "== $t"; cat "$(logf $t 1)" "$(logf $t 2)"; done
	fail "the run did not succeed"
}
for t in etl count fresh; do
	assert_eq "2|success" "$(ti_field lake $P $t try_number)|$(ti_field lake $P $t state)" "$t: one retry, success"
	assert_contains "$(q "SELECT t.error FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = '$t' AND t.try_number = 1")" "lost:"
done
assert_eq "glue_job_run|$rid|ended|2" "$(ext etl)" "etl: its end recorded"
assert_eq "athena_query|$qid|ended|2" "$(ext count)" "count: its end recorded"
# started exactly once each, and the real result recorded
assert_eq 1 "$(grep -c 'AWSGlue StartJobRun .*"hold_etl"' "$AWS_DOUBLE_LOG")" "Glue job runs started"
assert_eq 1 "$(grep -c 'AmazonAthena StartQueryExecution' "$AWS_DOUBLE_LOG")" "Athena queries started"
assert_contains "$(cat "$(logf etl 2)")" "job run $rid: SUCCEEDED"
assert_contains "$(cat "$(logf count 2)")" "query $qid: SUCCEEDED"
assert_contains "$(cat "$(logf count 2)")" "query $qid: 3 rows"
assert_eq "{\"job_run_id\":\"$rid\"}" "$(ti_field lake $P etl output | tr -d ' ')" "etl's output"
assert_contains "$(ti_field lake $P count output | tr -d ' ')" "\"query_execution_id\":\"$qid\""
assert_contains "$(ti_field lake $P count output | tr -d ' ')" '"row_count":3'
# reattach: false: a second run started, the first left alone
assert_eq 2 "$(grep -c 'AWSGlue StartJobRun .*"hold_etl_fresh"' "$AWS_DOUBLE_LOG")" "reattach: false starts anew"
assert_not_contains "$(grep BatchStopJobRun "$AWS_DOUBLE_LOG")" "$fid"
assert_not_contains "$(grep StopQueryExecution "$AWS_DOUBLE_LOG")" "$qid"

# --- a clear while the jobs run and no try does: the next try stops each
# and starts anew ---
touch "$T/hold"
P=2024-03-02
start_run
old_rid=$rid old_qid=$qid
kill_all etl count fresh
for t in etl count; do
	sl clear lake --task $t --partition $P --yes >/dev/null 2>&1 ||
		sl clear lake -t $t --partition $P >/dev/null
done
start_scheduler
wait_for 30 "etl's next try" has "$(logf etl 2)" ' started$'
wait_for 30 "count's next try" has "$(logf count 2)" ' started$'
assert_contains "$(cat "$(logf etl 2)")" "external job: glue_job_run $old_rid of try 1: the task was cleared since: cancelling it, then submitting"
assert_contains "$(cat "$(logf count 2)")" "external job: athena_query $old_qid of try 1: the task was cleared since: cancelling it, then submitting"
assert_contains "$(grep BatchStopJobRun "$AWS_DOUBLE_LOG")" "\"JobRunIds\": [\"$old_rid\"]"
assert_contains "$(grep StopQueryExecution "$AWS_DOUBLE_LOG")" "\"QueryExecutionId\": \"$old_qid\""
assert_eq 3 "$(grep -c 'AWSGlue StartJobRun .*"hold_etl"' "$AWS_DOUBLE_LOG")" "a cleared task starts anew"
assert_eq 3 "$(grep -c 'AmazonAthena StartQueryExecution' "$AWS_DOUBLE_LOG")" "a cleared query starts anew"
rm -f "$T/hold"
wait_run lake $P success 60 || {
	for t in etl count fresh; do echo "== $t"; cat "$(logf $t 1)" "$(logf $t 2)"; done
	fail "the second run did not succeed"
}
echo ok
