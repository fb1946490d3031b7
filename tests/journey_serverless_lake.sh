#!/bin/bash
# Journey: the serverless real-time warehouse (seed 001: Firehose lands
# data in transient storage, a Glue crawler catalogues it, a Spark ETL job
# writes Parquet into the lake, a second crawler catalogues the lake for
# Athena). The data engineer replaces the CloudWatch-event and Lambda glue
# with one hourly sluice DAG. Glue and EMR are the loopback AWS test double
# (tests/doubles/aws_services.py, signatures checked with botocore).
#   1. write the DAG, validate, unpause: hours 02..04 catch up;
#   2. hour 03's raw data is corrupt: its Spark step fails on "EMR",
#      retries, fails, and the email's link opens the task page (Chromium);
#   3. the data is fixed; 03..04 are cleared in the grid with downstream:
#      the ETL and the lake crawl run again;
#   4. `backfill --from "2026-12-03 00:00" --to "2026-12-03 01:00"`, and
#      `sluice test serverless_lake etl_to_parquet "2026-12-03 05:00"`;
#   5. a run triggered on the wrong cluster fails; clear --param repairs it.
JOURNEY=serverless_lake
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/journey_lib.sh"
DAG=serverless_lake
journey_home
touch "$T/hour03-corrupt"
start_aws_double --key AKIDLAKE:lake-secret --cluster j-1LAKEETL00001 \
	--crawler transient_raw:ok --crawler lake_curated:ok \
	--fail-while "hour=03/:$T/hour03-corrupt"
export AWS_ACCESS_KEY_ID=AKIDLAKE AWS_SECRET_ACCESS_KEY=lake-secret AWS_REGION=eu-west-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_GLUE=$AWS_DOUBLE_URL AWS_ENDPOINT_URL_EMR=$AWS_DOUBLE_URL
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
export SLUICE_CONN_AWS_LAKE='{"type":"aws","region":"eu-west-1"}'

# --- 1. the DAG ---
dag_file $DAG <<'YAML'
dag: serverless_lake
description: Crawl the transient bucket, ETL the hour into the Parquet lake, crawl the lake.
schedule: "@hourly"
timezone: UTC
start: 2026-12-03T02:00:00Z
end: 2026-12-03T05:00:00Z
catchup: true
max_active_runs: 1
params:
  cluster: {type: string, pattern: "j-[A-Z0-9]{1,32}", default: j-1LAKEETL00001}
defaults:
  retries: 1
  retry_delay: 1s
  timeout: 2m
  email_on: [failure]
  email: [lake-team@example.com]
tasks:
  crawl_transient:
    type: crawler
    backend: glue
    name: transient_raw
    connection: aws_lake
    poll_interval: 200ms
  etl_to_parquet:
    type: cluster_job
    after: [crawl_transient]
    backend: emr
    connection: aws_lake
    cluster_id: "{{ params.cluster }}"
    step_name: "raw_to_parquet {{ data_interval_start | %Y-%m-%dT%H }}"
    spark_submit:
      - --deploy-mode
      - cluster
      - s3://lake-code/etl/raw_to_parquet.py
      - --hour
      - "{{ data_interval_start | %Y-%m-%dT%H }}"
      - --output
      - "s3://lake-curated/events/dt={{ ds }}/hour={{ data_interval_start | %H }}/"
    poll_interval: 200ms
  crawl_lake:
    type: crawler
    after: [etl_to_parquet]
    backend: glue
    name: lake_curated
    connection: aws_lake
    poll_interval: 200ms
YAML
validate_ok
journey_start
unpause $DAG
H2=2026-12-03T02:00:00+00:00 H3=2026-12-03T03:00:00+00:00 H4=2026-12-03T04:00:00+00:00

# --- 2. the catch-up; hour 03's Spark step fails twice and mails ---
wait_states $DAG "$H2 success
$H3 failed
$H4 success" 50
assert_eq failed "$(task_state $DAG $H3 etl_to_parquet)" "hour 03's ETL"
assert_eq upstream_failed "$(task_state $DAG $H3 crawl_lake)" "hour 03's lake crawl"
assert_eq 2 "$(ti_try $DAG $H3 etl_to_parquet)" "tries of hour 03's ETL"
log=$(sl logs $DAG etl_to_parquet "2026-12-03 03:00")
assert_contains "$log" "SparkException" "the ETL's log shows EMR's failure details"
wait_mail "FAILED: $DAG.etl_to_parquet"
assert_eq "failed scheduled" "$(runs_row $DAG $H3)" "the failed run in sluice runs"
subject=$(smtp_mail header:Subject "$MAIL")
body=$(smtp_mail text "$MAIL")
assert_contains "$subject" "$H3" "the failure email's subject"
assert_contains "$(smtp_mail header:To "$MAIL")" "lake-team@example.com" "the failure email's To"
assert_contains "$body" "try 2 of 2" "the failure email's body"
assert_contains "$body" "SparkException" "the log's last lines in the email"
link=$(mail_link "$MAIL")
assert_eq "$URL/dags/$DAG/runs/$(pct $H3)/tasks/etl_to_parquet?try=2" "$link" "the failure email's link"
browser_link "$link" '#log' 'SparkException'
assert_eq 1 "$(mail_subjects | grep -c .)" "emails after the catch-up: $(mail_subjects)"
steps() { grep -c "AddJobFlowSteps.*$1" "$AWS_DOUBLE_LOG" || true; }
assert_eq 2 "$(steps 'hour=03/')" "Spark steps submitted for hour 03"

# --- 3. the raw data is fixed: re-run 03..04 from the grid ---
rm "$T/hour03-corrupt"
browser_clear $DAG etl_to_parquet $H3 $H4 "\
$H3 crawl_lake upstream_failed
$H3 etl_to_parquet failed
$H4 crawl_lake success
$H4 etl_to_parquet success" downstream
wait_states $DAG "$H2 success
$H3 success
$H4 success"
assert_eq 3 "$(steps 'hour=03/')" "Spark steps for hour 03 after the clear"
assert_eq 2 "$(steps 'hour=04/')" "Spark steps for hour 04 after the clear"
assert_eq 1 "$(steps 'hour=02/')" "Spark steps for hour 02 (not cleared)"
assert_contains "$(sl logs $DAG crawl_lake "2026-12-03 03:00")" "crawl of lake_curated succeeded" "hour 03's lake crawl"

# --- 4. backfill the night's first hours; test hour 05 ---
sl_out backfill $DAG --allow-outside-range --from "2026-12-03 00:00" --to "2026-12-03 01:00" --wait
[ "$RC" = 0 ] || fail "backfill: $OUT"
assert_eq "success backfill" "$(runs_row $DAG 2026-12-03T00:00:00+00:00)" "a backfilled run in sluice runs"
assert_contains "$OUT" "2026-12-03T00:00:00+00:00" "backfill output"
assert_contains "$OUT" "2026-12-03T01:00:00+00:00" "backfill output"
assert_eq 1 "$(steps 'hour=00/')" "Spark steps for backfilled hour 00"
assert_eq 1 "$(steps 'hour=01/')" "Spark steps for backfilled hour 01"
assert_eq "$H2 success" "$(run_states $DAG | sed -n 3p)" "runs after the backfill"
sl_out test $DAG etl_to_parquet "2026-12-03 05:00"
[ "$RC" = 0 ] || fail "sluice test: $OUT"
assert_contains "$OUT" "partition 2026-12-03T05:00:00+00:00" "sluice test"
assert_eq 1 "$(steps 'hour=05/')" "the test's Spark step for hour 05"
grep -q 'AddJobFlowSteps.*"--hour", "2026-12-03T05"' "$AWS_DOUBLE_LOG" ||
	fail "sluice test did not render hour 05: $(grep AddJobFlowSteps "$AWS_DOUBLE_LOG" | tail -1)"

# --- 5. the wrong cluster, repaired with clear --param ---
sl_out trigger $DAG --allow-outside-range --partition "2026-12-03 06:00" --param cluster=j-1LAKEETL00009 --wait
[ "$RC" = 1 ] || fail "a run on an unknown cluster should fail: $RC $OUT"
assert_contains "$(sl logs $DAG etl_to_parquet "2026-12-03 06:00")" "j-1LAKEETL00009" "the bad run's log"
sl_out clear $DAG --task etl_to_parquet --downstream --partition "2026-12-03 06:00" \
	--param cluster=j-1LAKEETL00001 --yes
[ "$RC" = 0 ] || fail "clear --param: $OUT"
wait_run $DAG 2026-12-03T06:00:00+00:00 success 30
assert_eq 2 "$(steps 'j-1LAKEETL00009.*hour=06/')" "steps refused by the unknown cluster (two tries)"
assert_eq 1 "$(steps 'j-1LAKEETL00001.*hour=06/')" "the repaired run's Spark step, on the right cluster"
assert_eq "success manual" "$(runs_row $DAG 2026-12-03T06:00:00+00:00)" "the repaired run in sluice runs"
echo "journey_serverless_lake: ok"
