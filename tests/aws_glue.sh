#!/bin/bash
# glue_job against the loopback AWS test double (Glue has no local server;
# the double, tests/doubles/aws_services.py, checks every SigV4 signature
# with botocore and walks STARTING -> RUNNING -> SUCCEEDED, or FAILED /
# TIMEOUT / ERROR with an ErrorMessage, or STOPPED after BatchStopJobRun):
# the arguments and worker settings as sent; each failure state with its
# message in the log; a stopped try calls BatchStopJobRun exactly once; a
# wrong secret is refused; a param with a quote stays one argument value.
. "$SLUICE_SRCDIR/tests/setup.sh"
drv=$SLUICE_BUILDDIR/tests/op_driver
start_aws_double --key AKIDGLUE:glue-secret --glue-job raw_to_parquet \
	--glue-job job_fail --glue-job job_timeout --glue-job job_error --glue-job job_hang
export AWS_ACCESS_KEY_ID=AKIDGLUE AWS_SECRET_ACCESS_KEY=glue-secret AWS_REGION=eu-west-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_GLUE=$AWS_DOUBLE_URL
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

glue() {
	printf '{"type":"glue_job","dag":"lake","task":"etl","options":{"poll_interval":50,"job_name":"%s"%s}}' "$1" "${2:-}"
}
rid() { sed -n 's/^job run \(jr_[0-9a-f]*\) started$/\1/p' <<<"$1"; }

# ---- success: arguments (-- added where missing), workers ----
out=$(glue raw_to_parquet ',"arguments":{"day":"2026-12-03","--target":"s3://lake/events/"},"worker_type":"G.1X","number_of_workers":4' |
	SLUICE_OUTPUT=$T/out.json "$drv" run glue_job) || fail "job failed: $out"
id=$(rid "$out")
[ -n "$id" ] || fail "no job run id in the log: $out"
assert_contains "$out" "starting Glue job raw_to_parquet (glue at $AWS_DOUBLE_URL"
assert_contains "$out" "job run $id: STARTING
job run $id: RUNNING
job run $id: SUCCEEDED"
assert_eq "{\"job_run_id\":\"$id\"}" "$(cat "$T/out.json")" "the output"
start=$(grep 'AWSGlue StartJobRun' "$AWS_DOUBLE_LOG" | head -1)
assert_contains "$start" '"Arguments": {"--day": "2026-12-03", "--target": "s3://lake/events/"}'
assert_contains "$start" '"NumberOfWorkers": 4'
assert_contains "$start" '"WorkerType": "G.1X"'
assert_contains "$start" "caller=AKIDGLUE"

# ---- failure states, each with its message ----
for c in "job_fail FAILED An error occurred while calling o91.pyWriteDynamicFrame. Table lake.events not found" \
	"job_timeout TIMEOUT Job run timed out after 60 minutes" \
	"job_error ERROR Insufficient Lake Formation permission(s) on lake.events"; do
	read -r job state msg <<<"$c"
	out=$(glue "$job" | "$drv" run glue_job) && fail "$job succeeded: $out"
	id=$(rid "$out")
	assert_contains "$out" "job run $id: $state"
	assert_contains "$out" "job run $id $state: $msg"
done
out=$(glue no_such_job | "$drv" run glue_job) && fail "an unknown job succeeded"
assert_contains "$out" "AWSGlue.StartJobRun: EntityNotFoundException: Job with name no_such_job not found"

# ---- a wrong secret is refused ----
out=$(glue raw_to_parquet | AWS_SECRET_ACCESS_KEY=wrong "$drv" run glue_job) && fail "wrong secret accepted"
assert_contains "$out" "SignatureDoesNotMatch"

# ---- stop: SIGTERM -> BatchStopJobRun, once; the run ends STOPPED ----
glue job_hang | "$drv" run glue_job >"$T/slow.log" 2>&1 &
pid=$!
on_exit "kill $pid 2>/dev/null"
wait_for 10 "the job to run" grep -q ': RUNNING$' "$T/slow.log"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -ne 0 ] || fail "a stopped job's try exited 0"
id=$(rid "$(cat "$T/slow.log")")
assert_contains "$(cat "$T/slow.log")" "stopping: BatchStopJobRun job_hang $id
BatchStopJobRun $id: submitted"
assert_contains "$(cat "$T/slow.log")" "job run $id: STOPPED"
assert_eq 1 "$(grep -c "AWSGlue BatchStopJobRun .*\"$id\"" "$AWS_DOUBLE_LOG")" "BatchStopJobRun calls"

# ---- load-time checks ----
new_home
cat >"$H/dags/bad.yaml" <<'DAG'
dag: glue_bad
schedule: "@daily"
start: 2026-12-01T00:00:00Z
tasks:
  etl:
    type: glue_job
    job_name: raw_to_parquet
    worker_type: G.1X
DAG
out=$(sl dags validate 2>&1) && fail "worker_type without number_of_workers validated"
assert_contains "$out" "worker_type needs number_of_workers"

# ---- through a DAG: a param with a quote stays one argument ----
rm "$H/dags/bad.yaml"
cat >"$H/sluice.yaml" <<'CFG'
connections:
  aws_lake: {type: aws, region: eu-west-1}
CFG
cat >"$H/dags/lake.yaml" <<'DAG'
dag: glue_lake
schedule: "@daily"
start: 2026-12-01T00:00:00Z
params:
  note: {type: string, default: "it's \"quoted\" $(id)"}
tasks:
  etl:
    type: glue_job
    connection: aws_lake
    job_name: raw_to_parquet
    poll_interval: 50ms
    arguments:
      day: "{{ ds }}"
      note: "{{ params.note }}"
DAG
out=$(sl dags validate 2>&1) || fail "the DAG does not validate: $out"
out=$(sl test glue_lake etl 2026-12-03 2>&1) || fail "sluice test failed: $out"
assert_contains "$out" ": SUCCEEDED"
assert_contains "$(grep 'AWSGlue StartJobRun' "$AWS_DOUBLE_LOG" | tail -1)" \
	'"Arguments": {"--day": "2026-12-03", "--note": "it'"'"'s \"quoted\" $(id)"}'
echo ok
