#!/bin/bash
# cluster_job, backend emr, against the loopback AWS test double (EMR has no
# local server; the double verifies signatures with botocore and walks
# PENDING -> RUNNING -> COMPLETED / FAILED with FailureDetails / CANCELLED
# after CancelSteps), and backend command with a stand-in CLI that keeps
# its jobs in files (as a YARN/spark-submit wrapper on an edge node would).
. "$SLUICE_SRCDIR/tests/setup.sh"
drv=$SLUICE_BUILDDIR/tests/op_driver
start_aws_double --key AKIDEMR:emr-secret --cluster j-2AXXXXXXGAPLF
export AWS_ACCESS_KEY_ID=AKIDEMR AWS_SECRET_ACCESS_KEY=emr-secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_EMR=$AWS_DOUBLE_URL
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

emr() {
	printf '{"type":"cluster_job","dag":"retail_weekly","task":"%s","options":{"backend":"emr","cluster_id":"%s","poll_interval":50,%s}}' "$1" "$2" "$3"
}

out=$(emr spark j-2AXXXXXXGAPLF '"spark_submit":["--deploy-mode","cluster","s3://code/fact_sales.py","2024-01-01"]' |
	"$drv" run cluster_job) || fail "EMR step failed: $out"
assert_contains "$out" "adding step 'retail_weekly.spark' to EMR cluster j-2AXXXXXXGAPLF (emr at $AWS_DOUBLE_URL"
assert_contains "$out" "step s-0000000000001: PENDING
step s-0000000000001: RUNNING
step s-0000000000001: COMPLETED"
add=$(grep 'ElasticMapReduce AddJobFlowSteps' "$AWS_DOUBLE_LOG" | head -1)
assert_contains "$add" '"HadoopJarStep": {"Args": ["spark-submit", "--deploy-mode", "cluster", "s3://code/fact_sales.py", "2024-01-01"], "Jar": "command-runner.jar"}'
assert_contains "$add" '"ActionOnFailure": "CONTINUE"'
assert_contains "$add" "caller=AKIDEMR"

out=$(emr bad j-2AXXXXXXGAPLF '"jar":"s3://code/etl.jar","main_class":"etl.Main","args":["fail-on-purpose"],"step_name":"etl"' |
	"$drv" run cluster_job) && fail "failed EMR step succeeded: $out"
assert_contains "$out" "step s-0000000000002: FAILED (Step failed)"
assert_contains "$out" 'step s-0000000000002 failure: Unknown Error. Exception in thread "main" org.apache.spark.SparkException: Job aborted due to stage failure'
assert_contains "$out" "step s-0000000000002 log file: s3://emr-logs/j-2AXXXXXXGAPLF/steps/s-0000000000002/stderr.gz"
assert_contains "$(grep AddJobFlowSteps "$AWS_DOUBLE_LOG" | tail -1)" '"MainClass": "etl.Main"'

out=$(emr x j-NOPE '"spark_submit":["a.py"]' | "$drv" run cluster_job) && fail "unknown cluster accepted"
assert_contains "$out" "ElasticMapReduce.AddJobFlowSteps: InvalidRequestException: Cluster id 'j-NOPE' is not valid. (HTTP 400"

# Timeout or clear: SIGTERM → CancelSteps, and the step ends CANCELLED.
emr slow j-2AXXXXXXGAPLF '"spark_submit":["hang.py","hang"]' | "$drv" run cluster_job >"$T/slow.log" 2>&1 &
pid=$!
on_exit "kill $pid"
wait_for 10 "the step to run" grep -q 'step s-0000000000003: RUNNING' "$T/slow.log"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -ne 0 ] || fail "a cancelled step's try exited 0"
assert_contains "$(cat "$T/slow.log")" "stopping: CancelSteps s-0000000000003 on j-2AXXXXXXGAPLF"
assert_contains "$(cat "$T/slow.log")" "CancelSteps s-0000000000003: SUBMITTED"
assert_contains "$(cat "$T/slow.log")" "step s-0000000000003: CANCELLED (Cancelled by user)"
assert_contains "$(grep CancelSteps "$AWS_DOUBLE_LOG")" '"StepCancellationOption": "SEND_INTERRUPT", "StepIds": ["s-0000000000003"]'

# ---- backend command ----
J=$T/jobs
mkdir -p "$J"
cat >"$T/cli" <<EOS
#!/bin/sh
# A stand-in cluster CLI: jobs are files; each status call moves one step.
set -e
case "\$1" in
submit) n=\$(ls "$J" | wc -l); id=application_1700000000000_000\$n
	echo "\$2" >"$J/\$id.plan"; echo "ACCEPTED" >"$J/\$id"
	echo "Submitted application \$id" >&2; echo "\$id" ;;
status) s=\$(cat "$J/\$2"); plan=\$(cat "$J/\$2.plan")
	case "\$s" in
	ACCEPTED) echo RUNNING >"$J/\$2" ;;
	RUNNING) [ "\$plan" = hang ] || echo "\$plan" >"$J/\$2" ;;
	esac
	echo "State : \$s" >&2; cat "$J/\$2" ;;
kill) echo KILLED >"$J/\$2"; echo "Killing application \$2" ;;
esac
EOS
chmod +x "$T/cli"
cmd() {
	printf '{"type":"cluster_job","options":{"backend":"command","poll_interval":50,"submit":"%s submit %s","status":"%s status {job_id}","cancel":"%s kill {job_id}"%s}}' \
		"$T/cli" "$1" "$T/cli" "$T/cli" "${2:-}"
}
out=$(cmd SUCCEEDED | "$drv" run cluster_job) || fail "command job failed: $out"
assert_contains "$out" "job application_1700000000000_0000 submitted"
assert_contains "$out" "job application_1700000000000_0000: RUNNING
job application_1700000000000_0000: SUCCEEDED"
out=$(cmd FAILED | "$drv" run cluster_job) && fail "failed command job succeeded"
assert_contains "$out" "job application_1700000000000_0002: FAILED"
out=$(cmd FINE ',"success_states":["FINE"]' | "$drv" run cluster_job) || fail "custom success state: $out"
cmd hang | "$drv" run cluster_job >"$T/hang.log" 2>&1 &
pid=$!
on_exit "kill $pid"
wait_for 10 "the command job to run" grep -q ': RUNNING$' "$T/hang.log"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -ne 0 ] || fail "a cancelled command job exited 0"
id=$(sed -n 's/^job \(application_[0-9_]*\) submitted$/\1/p' "$T/hang.log")
assert_contains "$(cat "$T/hang.log")" "stopping: $T/cli kill $id"
assert_eq KILLED "$(cat "$J/$id")" "job state after cancel"
echo ok
