#!/bin/bash
# The retail weekly example DAG end to end through `sluice scheduler`,
# against local stand-ins: S3 is s3rver behind the signature-checking
# proxy, EMR and Glue the loopback AWS test double (no local server exists
# for them; the double verifies signatures with botocore). The sensor pokes
# from the scheduler's loop until the five extracts are uploaded mid-wait;
# then the Spark step runs on "EMR" and the Glue crawler crawls.
. "$SLUICE_SRCDIR/tests/setup.sh"
start_s3
start_aws_double --key S3RVER:S3RVER --cluster j-2AXXXXXXGAPLF --crawler retail_fact_sales:ok
export AWS_ENDPOINT_URL_S3=$S3_URL AWS_ENDPOINT_URL_EMR=$AWS_DOUBLE_URL AWS_ENDPOINT_URL_GLUE=$AWS_DOUBLE_URL
export SLUICE_CONN_AWS_RETAIL='{"type":"aws","region":"us-east-1"}'
new_home
# The example DAG as shipped, with its intervals shortened for the test.
sed -e 's/poke_interval: 5m/poke_interval: 1s/' -e 's/poll_interval: 1m/poll_interval: 1s/' \
	-e 's/poll_interval: 30s/poll_interval: 1s/' -e 's/retry_delay: 5m/retry_delay: 1s/' \
	"$SLUICE_SRCDIR/dags/retail_weekly.yaml" >"$H/dags/retail_weekly.yaml"
sl dags validate >/dev/null || fail "retail_weekly does not validate: $(sl dags validate 2>&1)"
s3_aws s3 mb s3://retail-staging >/dev/null
start_scheduler
# catchup is off: the scheduler creates the latest complete day's run.
has_run() { sl runs retail_weekly --json | grep -q '"partition"'; }
log_has() { sl logs retail_weekly "$1" "$P" 2>/dev/null | grep -q -- "$2"; }
run_ended() { sl runs retail_weekly --json | grep -q '"state": *"\(success\|failed\)"'; }
wait_for 30 "the scheduled run" has_run
P=$(sl runs retail_weekly --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["partition"])')
DS=${P%%T*}
wait_for 30 "the sensor to poke" log_has extracts_landed 'need 5'
case $(task_state retail_weekly "$P" extracts_landed) in
running|up_for_reschedule) ;;
*) fail "the sensor is not waiting: $(task_state retail_weekly "$P" extracts_landed)" ;;
esac
mkdir -p "$T/x"
for f in sales returns inventory stores; do printf '%s\n' "$f" | gzip >"$T/x/$f.csv.gz"; done
s3_aws s3 cp --recursive --quiet "$T/x" "s3://retail-staging/raw/$DS/"
wait_for 30 "the sensor to see 4 of 5" log_has extracts_landed '4 objects.*need 5'
printf 'products\n' | gzip >"$T/products.csv.gz"
s3_aws s3 cp --quiet "$T/products.csv.gz" "s3://retail-staging/raw/$DS/products.csv.gz"
wait_for 60 "the run to finish" run_ended
sl runs retail_weekly --json | grep -q '"state": *"success"' || {
	for t in extracts_landed build_fact_sales crawl_fact_sales; do echo "== $t"; sl logs retail_weekly $t "$P"; done
	fail "retail_weekly run did not succeed"
}
log=$(sl logs retail_weekly extracts_landed "$P")
assert_contains "$log" "at least 5 objects of at least 1 bytes match s3://retail-staging/raw/$DS/*.csv.gz: condition met"
assert_contains "$(sl logs retail_weekly build_fact_sales "$P")" "COMPLETED"
assert_contains "$(sl logs retail_weekly crawl_fact_sales "$P")" "crawl of retail_fact_sales succeeded"
assert_eq skipped "$(task_state retail_weekly "$P" extracts_missing)" "deadline email"
grep -q "\"--date\", \"$DS\"" "$AWS_DOUBLE_LOG" || fail "the Spark step did not get the partition's date"
echo ok
