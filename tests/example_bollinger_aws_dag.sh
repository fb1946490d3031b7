#!/bin/bash
# The stock prices -> Bollinger bands -> COPY example DAG on AWS
# (dags/stock_bollinger_aws.yaml) through `sluice scheduler`, against local
# stand-ins: S3 is s3rver behind the signature-checking proxy, EMR the
# loopback AWS test double (no local EMR exists; the double verifies
# signatures with botocore and walks the step PENDING -> RUNNING ->
# COMPLETED), the warehouse PostgreSQL 15 (redshift_dw overridden with a
# postgresql:// url, so the bands are streamed from S3 into COPY FROM STDIN).
# The double runs no Spark, so the test uploads the bands file the job
# would write; the step's arguments are checked in the double's call log.
. "$SLUICE_SRCDIR/tests/setup.sh"
[ -x "$SLUICE" ] || fail "no sluice binary at $SLUICE"
DAG=stock_bollinger_aws
P=2024-03-08T00:00:00+00:00

start_s3
start_aws_double --key S3RVER:S3RVER --cluster j-3BOLLINGER0001
start_postgres
DW_PASSWORD="etl-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
export DW_PASSWORD
pg_sql "CREATE ROLE etl LOGIN PASSWORD '$DW_PASSWORD'"
pg_sql "CREATE DATABASE dw OWNER etl"
# the table the DAG's header comment describes, with one row of the day
# before, which loading 2024-03-08 must leave alone
pg_sql "SET ROLE etl; CREATE TABLE public.bollinger_bands (day date,
	symbol varchar(16), traded_at timestamptz, sma numeric(12,4),
	upper_band numeric(12,4), lower_band numeric(12,4), price numeric(12,4));
	INSERT INTO bollinger_bands VALUES ('2024-03-07', 'ACME', '2024-03-07T20:59:00Z', 10, 11, 9, 10.5)" dw

# One AWS connection for S3 and EMR: no endpoint_url in it (that would send
# both services to one endpoint); the endpoints come from the environment.
export AWS_ENDPOINT_URL_S3=$S3_URL AWS_ENDPOINT_URL_EMR=$AWS_DOUBLE_URL
export SLUICE_CONN_AWS_STOCKS='{"type":"aws","region":"us-east-1"}'
export SLUICE_CONN_REDSHIFT_DW="{\"url\":\"postgresql://etl@127.0.0.1:$PG_PORT/dw\",\"password_env\":\"DW_PASSWORD\"}"

# The day's trades, as Firehose delivers them (JSON lines, hourly prefixes).
s3_aws s3 mb s3://stockprices-data >/dev/null
mkdir -p "$T/tx"
for h in 14 15; do
	printf '{"symbol": "ACME", "price": 101.%s, "ts": "2024-03-08T%s:31:00Z"}\n' "$h" "$h" >"$T/tx/$h"
	s3_aws s3 cp --quiet "$T/tx/$h" "s3://stockprices-data/transactions/2024/03/08/$h/stocks-1-2024-03-08-$h-31-00-a1b2"
done
# What the Spark job writes: part files with a header, and _SUCCESS.
mkdir -p "$T/bands"
{
	echo "day,symbol,traded_at,sma,upper_band,lower_band,price"
	echo "2024-03-08,ACME,2024-03-08T14:50:00Z,101.2000,102.9000,99.5000,101.7500"
	echo "2024-03-08,ACME,2024-03-08T14:51:00Z,101.2500,102.9500,99.5500,101.1000"
} >"$T/bands/part-00000-7d1c.csv"
{
	echo "day,symbol,traded_at,sma,upper_band,lower_band,price"
	echo "2024-03-08,HOOLI,2024-03-08T14:50:00Z,55.0000,56.1000,53.9000,54.2000"
} >"$T/bands/part-00001-7d1c.csv"
: >"$T/bands/_SUCCESS"
s3_aws s3 cp --recursive --quiet "$T/bands" "s3://stockprices-data/bollinger-bands/2024-03-08/"

new_home
# The example DAG as shipped, with its intervals shortened for the test.
sed -e 's/poke_interval: 5m/poke_interval: 1s/' -e 's/poll_interval: 1m/poll_interval: 1s/' \
	-e 's/retry_delay: 5m/retry_delay: 1s/' \
	"$SLUICE_SRCDIR/dags/$DAG.yaml" >"$H/dags/$DAG.yaml"
sl dags validate >/dev/null || fail "$DAG does not validate: $(sl dags validate 2>&1)"
start_scheduler
sl trigger $DAG --partition 2024-03-08 --wait >"$T/trigger.out" 2>&1 || {
	cat "$T/trigger.out" "$H"/logs/$DAG/$P/*/try-*.log >&2
	fail "the run of 2024-03-08 failed"
}
for t in wait_for_transactions compute_bands load_bands; do
	assert_eq 1 "$(ti_field $DAG $P $t try_number)" "tries of $t"
done
assert_contains "$(sl logs $DAG wait_for_transactions $P)" \
	"under s3://stockprices-data/transactions/2024/03/08/: condition met"
log=$(sl logs $DAG compute_bands $P)
assert_contains "$log" "RUNNING"
assert_contains "$log" "COMPLETED"
step=$(grep 'AddJobFlowSteps' "$AWS_DOUBLE_LOG") || fail "no EMR step was added: $(cat "$AWS_DOUBLE_LOG")"
assert_contains "$step" "j-3BOLLINGER0001"
for arg in '"spark-submit"' '"s3://stockprices-data/code/bollinger_bands.py"' '"--date", "2024-03-08"' \
	'"--window", "20"' '"--input", "s3://stockprices-data/transactions/2024/03/08/"' \
	'"--output", "s3://stockprices-data/bollinger-bands/2024-03-08/"'; do
	assert_contains "$step" "$arg" "the EMR step"
done

bands() {
	pg_sql "SELECT day, symbol, to_char(traded_at AT TIME ZONE 'UTC', 'HH24:MI'), sma, upper_band, lower_band, price
		FROM bollinger_bands ORDER BY day, symbol, traded_at" dw
}
expected="2024-03-07|ACME|20:59|10.0000|11.0000|9.0000|10.5000
2024-03-08|ACME|14:50|101.2000|102.9000|99.5000|101.7500
2024-03-08|ACME|14:51|101.2500|102.9500|99.5500|101.1000
2024-03-08|HOOLI|14:50|55.0000|56.1000|53.9000|54.2000"
assert_eq "$expected" "$(bands)" "bands in the warehouse"
log=$(sl logs $DAG load_bands $P)
assert_contains "$log" "2 objects under s3://stockprices-data/bollinger-bands/2024-03-08/"
assert_contains "$log" "COPY 3"
assert_contains "$(sl logs $DAG check_bands $P)" "check day_rows passed: value 3, rule min 1"

# A re-run of the day (the bands recomputed) replaces its rows: one copy.
sl clear $DAG --task load_bands --partition $P --yes >/dev/null
reloaded() { [ -f "$H/logs/$DAG/$P/load_bands/try-2.log" ] && run_is $DAG $P success; }
wait_for 60 "load_bands to run again" reloaded
assert_eq "$expected" "$(bands)" "bands after a re-run"
assert_contains "$(cat "$H/logs/$DAG/$P/load_bands/try-2.log")" "DELETE 3"
if grep -r -F -- "$DW_PASSWORD" "$H/logs" "$T/scheduler.log" "$T/trigger.out" >/dev/null; then
	fail "the warehouse password appears in a log"
fi
echo "example_bollinger_aws_dag: ok"
