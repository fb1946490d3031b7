#!/bin/bash
# Journey: Kinesis -> Redshift (seed 002: Firehose writes hourly prefixes
# to a bucket of account A; a periodic COPY loads each partition into
# Redshift in account B; "re-import a bunch of partitions: look for a dag
# run and clear the tasks"). The data engineer starts from the shipped
# example dags/firehose_to_redshift.yaml and adapts it: a catch-up window
# of three hours and short test intervals. The bucket is s3rver (behind
# the signature-checking proxy), Redshift is PostgreSQL 15.
#   1. copy and adapt the DAG, validate, unpause: hours 02..04 catch up;
#   2. hour 03 holds a record Redshift refuses: the COPY fails, retries,
#      fails, and data-eng's email links the task page (Chromium);
#   3. Firehose re-delivers hour 03; hours 03..04 are cleared as a range
#      in the grid: re-imported exactly once, never doubled;
#   4. `backfill --from "2026-12-03 00:00" --to "2026-12-03 01:00"` loads
#      two earlier hours; `sluice test ... "2026-12-03 05:00"` copies 05;
#   5. a run triggered with a misspelt table fails; `runs delete`, then a
#      new trigger with the right table, repairs the hour.
JOURNEY=firehose_redshift
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/journey_lib.sh"
DAG=firehose_to_redshift
journey_home
start_s3
start_postgres
DW_PASSWORD="etl-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
export DW_PASSWORD
pg_sql "CREATE ROLE etl LOGIN PASSWORD '$DW_PASSWORD'"
pg_sql "CREATE DATABASE dw OWNER etl"
pg_sql "SET ROLE etl; CREATE TABLE public.stock_prices (symbol varchar(16),
	price numeric(12,4), traded_at timestamptz, event_hour timestamptz)" dw
export SLUICE_CONN_AWS_ACCOUNT_A="{\"type\":\"aws\",\"endpoint_url\":\"$S3_URL\",\"access_key_id\":\"S3RVER\",\"secret_access_key\":\"S3RVER\",\"region\":\"us-east-1\"}"
export SLUICE_CONN_REDSHIFT_B="{\"url\":\"postgresql://etl@127.0.0.1:$PG_PORT/dw\",\"password_env\":\"DW_PASSWORD\"}"

# deliver HOUR ROWS [BAD]: Firehose's delivery of hour HOUR of 2026-12-03,
# ROWS records (prices 100+i), the third one's price "N/A" if BAD.
s3_aws s3 mb s3://firehose-a >/dev/null
deliver() {
	local h=$1 n=$2 bad=${3:-} i price
	for i in $(seq "$n"); do
		price="$((100 + i)).25"
		[ -n "$bad" ] && [ "$i" = 3 ] && price='"N/A"'
		printf '{"symbol": "S%02d", "price": %s, "traded_at": "2026-12-03T%s:%02d:07Z", "event_hour": "2026-12-03T%s:00:00Z"}\n' \
			"$i" "$price" "$h" "$i" "$h"
	done >"$T/delivery"
	s3_aws s3 cp --quiet "$T/delivery" "s3://firehose-a/stocks/2026/12/03/$h/firehose-a-1-2026-12-03-$h-10-00-0f3c1d2e"
}
for h in 00 01 02 04 05 06; do deliver $h 4; done
deliver 03 4 bad

# --- 1. the shipped example, adapted for this journey ---
sed -e 's/^start: .*/start: 2026-12-03T02:00:00Z/' -e 's/^end: null/end: 2026-12-03T05:00:00Z/' \
	-e 's/^catchup: false/catchup: true/' -e 's/poke_interval: 60s/poke_interval: 1s/' \
	-e 's/retries: 3/retries: 1/' -e 's/retry_delay: 30s/retry_delay: 1s/' \
	"$SLUICE_SRCDIR/dags/$DAG.yaml" | dag_file $DAG
validate_ok
journey_start
unpause $DAG
H2=2026-12-03T02:00:00+00:00 H3=2026-12-03T03:00:00+00:00 H4=2026-12-03T04:00:00+00:00

# --- 2. the catch-up: hour 03 fails after its retry, with an email ---
wait_states $DAG "$H2 success
$H3 failed
$H4 success" 50
assert_eq failed "$(task_state $DAG $H3 copy_partition)" "copy_partition of hour 03"
assert_eq 2 "$(ti_try $DAG $H3 copy_partition)" "tries of hour 03's copy"
assert_contains "$(sl logs $DAG copy_partition "2026-12-03 03:00")" 'invalid input syntax for type numeric: "N/A"' \
	"the copy's log, read with the time a person types"
wait_mail "FAILED: $DAG.copy_partition"
assert_eq "failed scheduled" "$(runs_row $DAG $H3)" "the failed run in sluice runs"
subject=$(smtp_mail header:Subject "$MAIL")
body=$(smtp_mail text "$MAIL")
assert_contains "$subject" "2026-12-03T03:00:00+00:00" "the failure email's subject"
assert_contains "$(smtp_mail header:To "$MAIL")" "data-eng@example.com" "the failure email's To"
assert_contains "$body" "try 2 of 2" "the failure email's body"
assert_contains "$body" "invalid input syntax for type numeric" "the log's last lines in the email"
link=$(mail_link "$MAIL")
assert_eq "$URL/dags/$DAG/runs/$(pct $H3)/tasks/copy_partition?try=2" "$link" "the failure email's link"
browser_link "$link" '#log' 'N/A'
# the notify task (all_done) mailed every hour, the failed one too
for p in $H2 $H3 $H4; do wait_mail "$DAG $p finished"; done

per_hour() {
	pg_sql "SELECT to_char(event_hour AT TIME ZONE 'UTC', 'HH24'), count(*), min(price)::int, max(price)::int
		FROM stock_prices GROUP BY 1 ORDER BY 1" dw | tr '\n' ' '
}
assert_eq "02|4|101|104 04|4|101|104 " "$(per_hour)" "rows after the catch-up (hour 03 refused whole)"

# --- 3. re-delivered; re-import 03..04 from the grid ---
deliver 03 5
browser_clear $DAG copy_partition $H3 $H4 "\
$H3 check_rows upstream_failed
$H3 copy_partition failed
$H3 notify success
$H4 check_rows success
$H4 copy_partition success
$H4 notify success" downstream
wait_states $DAG "$H2 success
$H3 success
$H4 success"
assert_eq "02|4|101|104 03|5|101|105 04|4|101|104 " "$(per_hour)" "rows after re-importing 03..04 (replaced, not doubled)"
assert_contains "$(sl logs $DAG copy_partition $H4)" "DELETE 4" "hour 04's re-import replaced its rows"

# --- 4. backfill two earlier hours; test hour 05 ---
sl_out backfill $DAG --allow-outside-range --from "2026-12-03 00:00" --to "2026-12-03 01:00" --wait
[ "$RC" = 0 ] || fail "backfill: $OUT"
assert_eq "success backfill" "$(runs_row $DAG 2026-12-03T00:00:00+00:00)" "a backfilled run in sluice runs"
assert_contains "$OUT" "2026-12-03T00:00:00+00:00" "backfill output"
assert_contains "$OUT" "2026-12-03T01:00:00+00:00" "backfill output"
assert_not_contains "$OUT" "created 2026-12-03T02:00:00+00:00" "backfill output (--to is the last hour)"
assert_eq "00|4|101|104 01|4|101|104 02|4|101|104 03|5|101|105 04|4|101|104 " "$(per_hour)" "rows after the backfill"
sl_out test $DAG copy_partition "2026-12-03 05:00"
[ "$RC" = 0 ] || fail "sluice test: $OUT"
assert_contains "$OUT" "partition 2026-12-03T05:00:00+00:00" "sluice test"
assert_contains "$OUT" "COPY 4" "sluice test"
assert_eq "" "$(run_state $DAG 2026-12-03T05:00:00+00:00)" "sluice test records no run"

# --- 5. a misspelt table param: delete the run, trigger it right ---
sl_out trigger $DAG --allow-outside-range --partition "2026-12-03 06:00" --param table=public.stock_price --wait
[ "$RC" = 1 ] || fail "trigger with a misspelt table should fail: $RC $OUT"
assert_contains "$(sl logs $DAG copy_partition "2026-12-03 06:00")" 'stock_price' "the bad run's log"
sl_out trigger $DAG --allow-outside-range --partition "2026-12-03 06:00"
[ "$RC" != 0 ] || fail "a second trigger of the same hour should be refused: $OUT"
sl_out runs delete $DAG "2026-12-03 06:00" --yes
[ "$RC" = 0 ] || fail "runs delete: $OUT"
assert_contains "$OUT" "2026-12-03T06:00:00+00:00" "runs delete names the run"
assert_eq "" "$(run_state $DAG 2026-12-03T06:00:00+00:00)" "the deleted run"
sl_out trigger $DAG --allow-outside-range --partition "2026-12-03 06:00" --wait
[ "$RC" = 0 ] || fail "the new trigger: $OUT"
assert_contains "$(pg_sql "SELECT count(*) FROM stock_prices WHERE event_hour = '2026-12-03T06:00:00Z'" dw)" 4 "hour 06's rows"
# the audit page's entry for the deletion records the bad params
assert_contains "$(q "SELECT action || ' ' || detail FROM audit WHERE action LIKE '%delete%'")" '"table":"public.stock_price"' \
	"the deletion's audit entry"
assert_eq "success manual" "$(runs_row $DAG 2026-12-03T06:00:00+00:00)" "the repaired run in sluice runs"
echo "journey_firehose_redshift: ok"
