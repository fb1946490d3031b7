#!/bin/bash
# The serverless_lake example DAG end to end through `sluice scheduler`,
# against the loopback AWS test double (Glue and Athena have no local
# server; the double verifies signatures with botocore): the crawler, the
# Glue ETL job with the hour's arguments, then Athena's MSCK REPAIR TABLE.
# A second DAG's Glue job that hangs is stopped by its task timeout: the
# scheduler's SIGTERM becomes exactly one BatchStopJobRun.
. "$SLUICE_SRCDIR/tests/setup.sh"
start_aws_double --key AKIDLAKE:lake-secret --crawler transient_raw:ok \
	--glue-job raw_to_parquet --glue-job lake_job_hang
export AWS_ACCESS_KEY_ID=AKIDLAKE AWS_SECRET_ACCESS_KEY=lake-secret AWS_REGION=eu-west-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_GLUE=$AWS_DOUBLE_URL AWS_ENDPOINT_URL_ATHENA=$AWS_DOUBLE_URL
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
export SLUICE_CONN_AWS_LAKE='{"type":"aws","region":"eu-west-1"}'
new_home
# The example DAG as shipped, with its intervals shortened for the test.
sed -e 's/poll_interval: [0-9]*s/poll_interval: 200ms/' -e 's/retry_delay: 1m/retry_delay: 1s/' \
	"$SLUICE_SRCDIR/dags/serverless_lake.yaml" >"$H/dags/serverless_lake.yaml"
cat >"$H/dags/lake_hang.yaml" <<'DAG'
dag: lake_hang
schedule: null
start: 2026-12-01T00:00:00Z
tasks:
  etl:
    type: glue_job
    connection: aws_lake
    job_name: lake_job_hang
    poll_interval: 100ms
    timeout: 3s
DAG
out=$(sl dags validate 2>&1) || fail "the DAGs do not validate: $out"
start_scheduler
# catchup is off: the scheduler creates the latest complete hour's run.
has_run() { sl runs serverless_lake --json | grep -q '"partition"'; }
run_ended() { sl runs serverless_lake --json | grep -q '"state": *"\(success\|failed\)"'; }
wait_for 30 "the scheduled run" has_run
P=$(sl runs serverless_lake --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["partition"])')
wait_for 60 "the run to finish" run_ended
sl runs serverless_lake --json | grep -q '"state": *"success"' || {
	for t in crawl_transient etl_to_parquet repair_partitions; do echo "== $t"; sl logs serverless_lake $t "$P"; done
	fail "serverless_lake run did not succeed"
}
etl=$(sl logs serverless_lake etl_to_parquet "$P")
assert_contains "$etl" "starting Glue job raw_to_parquet"
assert_contains "$etl" ": SUCCEEDED"
hour=$(/usr/bin/python3 -c 'import sys; print(sys.argv[1][:13])' "$P")
day=${P%%T*}
assert_contains "$(grep 'AWSGlue StartJobRun' "$AWS_DOUBLE_LOG")" \
	"\"Arguments\": {\"--hour\": \"$hour\", \"--output\": \"s3://lake-curated/events/dt=$day/hour=${hour#*T}/\"}"
repair=$(sl logs serverless_lake repair_partitions "$P")
assert_contains "$repair" ": SUCCEEDED"
assert_contains "$repair" "results: s3://lake-athena-results/serverless_lake/"
assert_contains "$(grep 'AmazonAthena StartQueryExecution' "$AWS_DOUBLE_LOG")" '"QueryString": "MSCK REPAIR TABLE lake_curated.events"'
# the order: crawl, then the job, then the repair
order=$(grep -o 'AWSGlue StartCrawler\|AWSGlue StartJobRun\|AmazonAthena StartQueryExecution' "$AWS_DOUBLE_LOG" | tr '\n' ,)
assert_eq "AWSGlue StartCrawler,AWSGlue StartJobRun,AmazonAthena StartQueryExecution," "$order" "call order"

# ---- a timeout stops the Glue run once ----
sl trigger lake_hang --partition h1 >/dev/null
wait_run lake_hang h1 failed 30
log=$(sl logs lake_hang etl h1)
assert_contains "$log" "stopping: BatchStopJobRun lake_job_hang"
assert_contains "$log" ": STOPPED"
assert_eq 1 "$(grep -c 'AWSGlue BatchStopJobRun' "$AWS_DOUBLE_LOG")" "BatchStopJobRun calls"
assert_eq 1 "$(grep -c 'AWSGlue StartJobRun {"JobName": "lake_job_hang"' "$AWS_DOUBLE_LOG")" "runs of the hanging job"
echo ok
