#!/bin/bash
# The Firehose -> Redshift example DAG (dags/firehose_to_redshift.yaml), as
# shipped, through `sluice scheduler` against local servers: the bucket of
# "account A" is s3rver behind the signature-checking proxy, and the
# "Redshift" of account B is PostgreSQL 15, so warehouse_copy streams the
# hour's JSON-lines objects from S3 into COPY ... FROM STDIN.
#   1. 3 hours of Firehose objects are uploaded and backfilled: exactly
#      their rows arrive, and the notify task emails (outbox) per hour.
#   2. One hour is re-delivered with other rows; clearing it re-imports it
#      with exactly one copy of its new rows, the other hours untouched.
#   3. The Redshift variant: redshift_b is a redshift:// url and the copy
#      runs in dry-run mode; the exact COPY it would send is in the log.
# Connections come from SLUICE_CONN_* (the homes' sluice.yaml has none).
. "$SLUICE_SRCDIR/tests/setup.sh"
[ -x "$SLUICE" ] || fail "no sluice binary at $SLUICE"
DAG=firehose_to_redshift

start_s3
start_postgres
DW_PASSWORD="etl-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
export DW_PASSWORD
pg_sql "CREATE ROLE etl LOGIN PASSWORD '$DW_PASSWORD'"
pg_sql "CREATE DATABASE dw OWNER etl"
# the table the DAG's header comment describes
pg_sql "SET ROLE etl; CREATE TABLE public.stock_prices (symbol varchar(16),
	price numeric(12,4), traded_at timestamptz, event_hour timestamptz)" dw

export SLUICE_CONN_AWS_ACCOUNT_A="{\"type\":\"aws\",\"endpoint_url\":\"$S3_URL\",\"access_key_id\":\"S3RVER\",\"secret_access_key\":\"S3RVER\",\"region\":\"us-east-1\"}"
export SLUICE_CONN_REDSHIFT_B="{\"url\":\"postgresql://etl@127.0.0.1:$PG_PORT/dw\",\"password_env\":\"DW_PASSWORD\"}"

# upload HOUR VERSION ROWS: the hour's Firehose delivery, as two objects
# named the way Firehose names them; prices are VERSION*100 + row number,
# so a query tells which delivery a row came from.
s3_aws s3 mb s3://firehose-a >/dev/null
upload() {
	local h=$1 v=$2 n=$3 i part
	mkdir -p "$T/up"
	for part in 0 1; do
		for i in $(seq "$n"); do
			[ $((i % 2)) = "$part" ] || continue
			printf '{"symbol": "S%02d", "price": %d.25, "traded_at": "2024-01-01T%s:%02d:07Z", "event_hour": "2024-01-01T%s:00:00Z"}\n' \
				"$i" "$((v * 100 + i))" "$h" "$i" "$h"
		done >"$T/up/part$part"
		s3_aws s3 cp --quiet "$T/up/part$part" \
			"s3://firehose-a/stocks/2024/01/01/$h/firehose-a-1-2024-01-01-$h-1$part-00-0f3c1d2e-part$part"
	done
}
upload 00 1 4
upload 01 1 3
upload 02 1 5

new_home
cp "$SLUICE_SRCDIR/dags/$DAG.yaml" "$H/dags/"
sl dags validate >/dev/null || fail "$DAG does not validate: $(sl dags validate 2>&1)"
start_scheduler
sl backfill $DAG --from 2024-01-01T00:00:00Z --to 2024-01-01T02:00:00Z --wait >"$T/backfill.out" 2>&1 || {
	cat "$T/backfill.out" "$H"/logs/$DAG/2024-01-01T0*/*/try-*.log >&2
	fail "the backfill of 3 hours failed"
}

# hour|rows|min price|max price|rows whose event_hour is not their hour
per_hour() {
	pg_sql "SELECT to_char(event_hour AT TIME ZONE 'UTC', 'HH24'), count(*), min(price)::int, max(price)::int,
		count(*) FILTER (WHERE date_trunc('hour', traded_at) <> event_hour)
		FROM stock_prices GROUP BY 1 ORDER BY 1" dw
}
assert_eq "00|4|101|104|0
01|3|101|103|0
02|5|101|105|0" "$(per_hour)" "rows after backfilling 3 hours"
log=$(sl logs $DAG copy_partition 2024-01-01T02:00:00+00:00)
assert_contains "$log" "2 objects under s3://firehose-a/stocks/2024/01/01/02/"
assert_contains "$log" "COPY 5"
# the hour's row count gate passed on the loaded rows
log=$(sl logs $DAG check_rows 2024-01-01T02:00:00+00:00)
assert_contains "$log" "hour_rows"
for h in 00 01 02; do
	f=$(grep -l "^Subject: $DAG 2024-01-01T$h:00:00+00:00 finished" "$H"/outbox/*.eml) ||
		fail "no notify email for hour $h in the outbox"
	assert_contains "$(cat "$f")" "To: data-eng@example.com"
done

# Firehose re-delivers hour 01 with 6 rows; clear it (and its notify) and
# the scheduler re-imports it: the 3 old rows are replaced, not added to.
upload 01 2 6
sl clear $DAG --task copy_partition --downstream --partition 2024-01-01T01:00:00Z --yes >"$T/clear.out"
reimported() {
	[ -f "$H/logs/$DAG/$1/copy_partition/try-2.log" ] && run_is $DAG "$1" success
}
wait_for 60 "hour 01 to be re-imported" reimported 2024-01-01T01:00:00+00:00
assert_eq "00|4|101|104|0
01|6|201|206|0
02|5|101|105|0" "$(per_hour)" "rows after re-importing hour 01"
log=$(sl logs $DAG copy_partition 2024-01-01T01:00:00+00:00)
assert_contains "$log" "DELETE 3"
assert_contains "$log" "COPY 6"
for h in 00 02; do
	[ ! -e "$H/logs/$DAG/2024-01-01T$h:00:00+00:00/copy_partition/try-2.log" ] ||
		fail "hour $h was re-run although not cleared"
done
# iam_role means nothing to PostgreSQL; the copy says so and goes on
assert_contains "$log" "note: iam_role applies to Redshift only"
assert_eq 2 "$(grep -l "^Subject: $DAG 2024-01-01T01:00:00+00:00 finished" "$H"/outbox/*.eml | wc -l)" \
	"notify emails for hour 01 (the backfill's and the re-import's)"
assert_eq 4 "$(ls "$H"/outbox | wc -l)" "emails in the outbox (no failure notifications)"
if grep -r -F -- "$DW_PASSWORD" "$H/logs" "$T/scheduler.log" "$T/backfill.out" >/dev/null; then
	fail "the warehouse password appears in a log"
fi
stop_pid "$SCHED_PID"

# The Redshift variant, checked by its SQL: redshift_b is a redshift:// url
# and the copy runs with dry_run (printing its statements without
# connecting). The DAG file itself must not dry-run, so this home gets a
# copy of it with `dry_run: true` added to the copy_partition task only,
# and without the check_rows gate (a dry run loads no rows to count).
export SLUICE_CONN_REDSHIFT_B="redshift://etl@127.0.0.1:$PG_PORT/dw"
upload 05 1 2
new_home "$T/home-redshift"
sed -e '/^  copy_partition:$/a\    dry_run: true' \
	-e '/^  check_rows:$/,/^  notify:$/{/^  notify:$/!d}' \
	-e 's/after: \[check_rows\]/after: [copy_partition]/' \
	"$SLUICE_SRCDIR/dags/$DAG.yaml" >"$H/dags/$DAG.yaml"
assert_eq 1 "$(grep -c 'dry_run' "$H/dags/$DAG.yaml")" "dry_run lines in the test's copy of the DAG"
assert_eq 0 "$(grep -c '^  check_rows:\|\[check_rows\]' "$H/dags/$DAG.yaml")" "check_rows in the test's copy of the DAG"
sl dags validate >/dev/null || fail "the dry-run copy does not validate: $(sl dags validate 2>&1)"
start_scheduler
sl trigger $DAG --partition 2024-01-01T05:00:00Z --wait >"$T/trigger.out" 2>&1 || {
	cat "$T/trigger.out" "$H"/logs/$DAG/*/*/try-*.log >&2
	fail "the dry run of the Redshift variant failed"
}
log=$(sl logs $DAG copy_partition 2024-01-01T05:00:00+00:00)
assert_contains "$log" "DELETE FROM \"public\".\"stock_prices\" WHERE \"event_hour\" >= '2024-01-01T05:00:00+00:00' AND \"event_hour\" < '2024-01-01T06:00:00+00:00';"
assert_contains "$log" "COPY \"public\".\"stock_prices\" FROM 's3://firehose-a/stocks/2024/01/01/05/' IAM_ROLE 'arn:aws:iam::222222222222:role/redshift-copy,arn:aws:iam::111111111111:role/firehose-a-reader' FORMAT AS JSON 'auto' REGION 'us-east-1';"
assert_contains "$log" "COMMIT;"
assert_eq "00|4|101|104|0
01|6|201|206|0
02|5|101|105|0" "$(per_hour)" "rows after the dry run (unchanged)"
echo "example_firehose_dag: ok"
