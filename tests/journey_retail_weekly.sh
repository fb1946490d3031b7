#!/bin/bash
# Journey: the retail weekly fact table (seed 004: Snowflake extracts the
# day's five raw tables to a staging bucket by midnight in Edmonton; a
# Lambda checks at 00:05 that they landed and starts the Spark job on EMR,
# or emails the data engineer that they are missing; Glue crawls the
# output for Athena). The data engineer starts from the shipped
# dags/retail_weekly.yaml (daily at 00:05 America/Edmonton). The bucket is
# s3rver behind the signature-checking proxy; EMR and Glue the loopback
# AWS double.
#   1. adapt the DAG (a catch-up window, short waits), validate, unpause;
#   2. the catch-up: 12-01 builds; 12-02 has 4 of 5 extracts at the
#      deadline: the sensor's item for products (wait_extracts[3], one
#      mapped sensor with an item per extract) fails, the others
#      succeed, and the owner gets the pipeline's "missing" email; 12-03's
#      Spark step fails on "EMR", retries twice, and data-eng's failure
#      email links the task page (Chromium);
#   3. the fifth extract lands and the Spark bug is fixed: 12-02..12-03
#      are cleared in the grid from wait_extracts down;
#   4. the spellings a person types for a 00:05 schedule: `clear
#      --partition 2026-12-03 --dry-run`, `backfill --from 2026-11-28 --to
#      2026-11-29`, `sluice test retail_weekly build_fact_sales 2026-12-03`;
#   5. a run triggered with a misspelt staging bucket misses its deadline
#      (the email names the bucket); clear --param repairs it.
JOURNEY=retail_weekly
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/journey_lib.sh"
DAG=retail_weekly
journey_home
start_s3
touch "$T/spark-bug"
start_aws_double --key S3RVER:S3RVER --cluster j-2AXXXXXXGAPLF --crawler retail_fact_sales:ok \
	--fail-while "--date 2026-12-03:$T/spark-bug"
export AWS_ENDPOINT_URL_S3=$S3_URL AWS_ENDPOINT_URL_EMR=$AWS_DOUBLE_URL AWS_ENDPOINT_URL_GLUE=$AWS_DOUBLE_URL
export SLUICE_CONN_AWS_RETAIL='{"type":"aws","region":"us-east-1"}'

# The nightly extracts: raw/DAY/{sales,returns,...}.csv.gz. extract DAY
# NAME... stages them; upload sends everything staged in one go.
extract() {
	local day=$1 f
	shift
	mkdir -p "$T/x/$day"
	for f in "$@"; do printf '%s,%s\n' "$f" "$day" | gzip >"$T/x/$day/$f.csv.gz"; done
}
upload() { s3_aws s3 cp --recursive --quiet "$T/x" s3://retail-staging/raw/ && rm -rf "$T/x"; }
# item_log PARTITION I: the log of the sensor's item I
item_log() { sl logs $DAG "wait_extracts[$2]" "$1" 2>&1; }
ALL="sales returns inventory stores products"
s3_aws s3 mb s3://retail-staging >/dev/null
for d in 2026-11-28 2026-11-29 2026-11-30 2026-12-01 2026-12-03; do extract $d $ALL; done
extract 2026-12-02 sales returns inventory stores
upload

# --- 1. the shipped example, adapted ---
sed -e 's/^start: .*/start: 2026-12-01T00:05:00-07:00\nend: 2026-12-04T00:05:00-07:00/' \
	-e 's/^catchup: false/catchup: true/' -e 's/^max_active_runs: 1/max_active_runs: 3/' \
	-e 's/poke_interval: 5m/poke_interval: 200ms/' -e 's/max_poke_interval: 20m/max_poke_interval: 1s/' \
	-e 's/poll_interval: 1m/poll_interval: 200ms/' \
	-e 's/poll_interval: 30s/poll_interval: 200ms/' -e 's/retry_delay: 5m/retry_delay: 1s/' \
	"$SLUICE_SRCDIR/dags/retail_weekly.yaml" | dag_file $DAG
# the sensor's deadline is on the clock (06:00 the day after): long past
# for these days, so each item pokes once and fails if its extract is
# missing, as a catch-up does
grep -q '^    deadline: 5h55m' "$H/dags/$DAG.yaml" || fail "the example's sensor has no deadline"
validate_ok
journey_start
unpause $DAG
D1=2026-12-01T00:05:00-07:00 D2=2026-12-02T00:05:00-07:00 D3=2026-12-03T00:05:00-07:00

# --- 2. the catch-up ---
wait_states $DAG "$D1 success
$D2 failed
$D3 failed" 50
assert_eq skipped "$(task_state $DAG $D1 extracts_missing)" "12-01's missing-extracts email task"
assert_eq success "$(task_state $DAG $D1 crawl_fact_sales)" "12-01's crawl"
assert_eq failed "$(task_state $DAG $D2 wait_extracts)" "12-02's sensor at its deadline"
assert_eq failed "$(task_state $DAG $D2 'wait_extracts[3]')" "12-02's products item at its deadline"
for i in 0 1 2 4; do
	assert_eq success "$(task_state $DAG $D2 "wait_extracts[$i]")" "12-02's item $i"
done
assert_eq success "$(task_state $DAG $D2 extracts_missing)" "12-02's missing-extracts email task"
assert_contains "$(item_log $D2 3)" "s3://retail-staging/raw/2026-12-02/products.csv.gz" "12-02's products item log"
wait_mail "retail extracts for 2026-12-02 are missing at the deadline"
assert_contains "$(smtp_mail header:To "$MAIL")" "data-eng@example.com" "the missing-extracts email's To"
assert_contains "$(smtp_mail text "$MAIL")" "s3://retail-staging/raw/2026-12-02/" "the missing-extracts email's body"
assert_eq failed "$(task_state $DAG $D3 build_fact_sales)" "12-03's Spark job"
assert_eq 3 "$(ti_try $DAG $D3 build_fact_sales)" "tries of 12-03's Spark job (two retries)"
wait_mail "FAILED: $DAG.build_fact_sales"
assert_eq "failed scheduled" "$(runs_row $DAG $D3)" "the failed run in sluice runs"
subject=$(smtp_mail header:Subject "$MAIL")
body=$(smtp_mail text "$MAIL")
assert_contains "$subject" "$D3" "the failure email's subject"
assert_contains "$body" "try 3 of 3" "the failure email's body"
assert_contains "$body" "SparkException" "the log's last lines in the email"
link=$(mail_link "$MAIL")
assert_eq "$URL/dags/$DAG/runs/$(pct $D3)/tasks/build_fact_sales?try=3" "$link" "the failure email's link"
browser_link "$link" '#log' 'SparkException'

# --- 3. the fifth extract lands, the job is fixed; clear from the grid ---
extract 2026-12-02 products
upload
rm "$T/spark-bug"
browser_clear $DAG wait_extracts $D2 $D3 "\
$D2 build_fact_sales upstream_failed
$D2 crawl_fact_sales upstream_failed
$D2 extracts_missing success
$D2 wait_extracts failed
$D3 build_fact_sales failed
$D3 crawl_fact_sales upstream_failed
$D3 extracts_missing skipped
$D3 wait_extracts success" downstream
wait_states $DAG "$D1 success
$D2 success
$D3 success"
assert_eq skipped "$(task_state $DAG $D2 extracts_missing)" "12-02's missing-extracts email after the clear"
grep -q '"--date", "2026-12-02"' "$AWS_DOUBLE_LOG" || fail "no Spark step for 12-02"

# --- 4. what a person types for a 00:05 schedule ---
sl_out clear $DAG --task wait_extracts --partition 2026-12-03 --dry-run
[ "$RC" = 0 ] || fail "clear --dry-run with a date: $OUT"
assert_contains "$OUT" "$D3" "clear --partition 2026-12-03 --dry-run"
sl_out clear $DAG --task wait_extracts --partition 2026-11-15 --dry-run
[ "$RC" = 2 ] || fail "a date without a run should be an error (exit 2): $RC $OUT"
sl_out backfill $DAG --allow-outside-range --from 2026-11-28 --to 2026-11-29 --wait
[ "$RC" = 0 ] || fail "backfill: $OUT"
assert_eq "success backfill" "$(runs_row $DAG 2026-11-28T00:05:00-07:00)" "a backfilled run in sluice runs"
assert_contains "$OUT" "2026-11-28T00:05:00-07:00" "backfill output"
assert_contains "$OUT" "2026-11-29T00:05:00-07:00" "backfill output (--to is included)"
assert_eq "2026-11-28T00:05:00-07:00 success
2026-11-29T00:05:00-07:00 success" "$(run_states $DAG | head -2)" "the backfilled days"
grep -q '"--date", "2026-11-29"' "$AWS_DOUBLE_LOG" || fail "no Spark step for the backfilled 11-29"
sl_out test $DAG build_fact_sales 2026-12-03
[ "$RC" = 0 ] || fail "sluice test: $OUT"
assert_contains "$OUT" "partition $D3" "sluice test"
assert_eq 5 "$(grep -c 'AddJobFlowSteps.*"--date", "2026-12-03"' "$AWS_DOUBLE_LOG")" \
	"Spark steps for 12-03 (three tries, one after the clear, one by sluice test)"
assert_contains "$(grep 'AddJobFlowSteps' "$AWS_DOUBLE_LOG" | tail -1)" '"--date", "2026-12-03"' "the test's Spark step"

# --- 5. a misspelt staging bucket, repaired by clear --param ---
sl_out trigger $DAG --allow-outside-range --partition 2026-11-30 --param staging=retail-stagin --wait
[ "$RC" = 1 ] || fail "a run on a misspelt bucket should fail: $RC $OUT"
wait_mail "retail extracts for 2026-11-30 are missing at the deadline"
assert_contains "$(smtp_mail text "$MAIL")" "s3://retail-stagin/raw/2026-11-30/" "the email names the bucket the run used"
sl_out clear $DAG --partition 2026-11-30 --param staging=retail-staging --yes
[ "$RC" = 0 ] || fail "clear --param: $OUT"
wait_run $DAG 2026-11-30T00:05:00-07:00 success 30
assert_eq skipped "$(task_state $DAG 2026-11-30T00:05:00-07:00 extracts_missing)" "the repaired run's missing-extracts email"
assert_contains "$(item_log 2026-11-30T00:05:00-07:00 0)" "s3://retail-staging/raw/2026-11-30/sales.csv.gz" "the repaired run's sensor"
assert_eq "success manual" "$(runs_row $DAG 2026-11-30T00:05:00-07:00)" "the repaired run in sluice runs"
echo "journey_retail_weekly: ok"
