#!/bin/bash
# warehouse_copy end to end, as the scheduler runs it: an hourly DAG
# loading S3 partitions (s3rver behind the signature-checking proxy) into
# PostgreSQL 15 with replace_partition, the password coming from the
# config's password_env. Backfill 5 hours; then the source of hours 01..03
# changes, the range is cleared, and the re-run reloads exactly those
# three partitions. The password appears in no log.
. "$SLUICE_SRCDIR/tests/setup.sh"
[ -x "$SLUICE" ] || fail "no sluice binary at $SLUICE"

start_s3
start_postgres
DW_PASSWORD="etl-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
export DW_PASSWORD
pg_sql "CREATE ROLE etl LOGIN PASSWORD '$DW_PASSWORD'"
pg_sql "CREATE DATABASE dw OWNER etl"
pg_sql "SET ROLE etl; CREATE TABLE events (id int, event_hour timestamptz, version text)" dw

s3_aws s3 mb s3://firehose >/dev/null
upload() {	# upload HOUR VERSION ROWS
	local h=$1 f=$T/part.csv n
	echo "id,event_hour,version" > "$f"
	for n in $(seq "$3"); do echo "$((h * 100 + n)),2024-01-01T0$h:$((n * 5)):00Z,$2"; done >> "$f"
	s3_aws s3 cp --quiet "$f" "s3://firehose/events/2024/01/01/0$h/part-0000.csv"
}
for h in 0 1 2 3 4; do upload "$h" v1 3; done

new_home
cat > "$H/sluice.yaml" <<EOF
connections:
  dw: {url: "postgresql://etl@127.0.0.1:$PG_PORT/dw", password_env: DW_PASSWORD}
  lake: {type: aws, endpoint_url: "$S3_URL", region: us-east-1}
EOF
cat > "$H/dags/events.yaml" <<'EOF'
dag: events
description: Hourly partitions from S3 into the warehouse; clear a range to re-import.
schedule: "@hourly"
start: 2024-01-01T00:00:00Z
end: 2024-01-01T05:00:00Z
catchup: false
tasks:
  copy:
    type: warehouse_copy
    connection: dw
    source_connection: lake
    table: public.events
    from: "s3://firehose/events/{{ data_interval_start | %Y/%m/%d/%H }}/"
    header: true
    mode: replace_partition
    partition_column: event_hour
EOF
sl dags validate >/dev/null || fail "the DAG does not validate: $(sl dags validate 2>&1)"
# A task missing a key its mode needs is an error at load time, with its place.
cat > "$H/dags/bad.yaml" <<'EOF'
dag: bad
tasks:
  copy:
    type: warehouse_copy
    connection: dw
    table: t
    from: "s3://firehose/x/"
    mode: upsert
EOF
sl dags validate >"$T/validate.out" 2>&1 && fail "a bad warehouse_copy task validated"
assert_contains "$(cat "$T/validate.out")" "bad.yaml:4:5: tasks.copy.upsert_keys: mode upsert needs upsert_keys"
rm "$H/dags/bad.yaml"
start_scheduler
sl backfill events --from 2024-01-01T00:00:00Z --to 2024-01-01T04:00:00Z --wait >"$T/backfill.out" 2>&1 ||
	fail "backfill failed: $(cat "$T/backfill.out"; cat "$H"/logs/events/*/copy/try-1.log)"

per_hour() {
	pg_sql "SELECT extract(hour FROM event_hour AT TIME ZONE 'UTC')::int, version, count(*)
		FROM events GROUP BY 1, 2 ORDER BY 1" dw
}
assert_eq "0|v1|3
1|v1|3
2|v1|3
3|v1|3
4|v1|3" "$(per_hour)" "rows after the backfill"

# The source of hours 01..03 is re-delivered (hour 02 with fewer rows);
# clear that range and let the scheduler re-run it.
upload 1 v2 3
upload 2 v2 1
upload 3 v2 4
sl clear events --from 2024-01-01T01:00:00Z --to 2024-01-01T03:00:00Z --yes >"$T/clear.out"
partition_done() {	# the partition's copy is in success after try 2
	[ -f "$H/logs/events/$1/copy/try-2.log" ] && [ "$(task_state events "$1" copy)" = success ]
}
for h in 1 2 3; do
	wait_for 60 "hour 0$h to be reloaded" partition_done "2024-01-01T0$h:00:00+00:00"
done
assert_eq "0|v1|3
1|v2|3
2|v2|1
3|v2|4
4|v1|3" "$(per_hour)" "rows after clearing and re-running hours 01..03"
for h in 0 4; do
	[ ! -e "$H/logs/events/2024-01-01T0$h:00:00+00:00/copy/try-2.log" ] ||
		fail "hour 0$h was re-run although not cleared"
done
log=$(cat "$H/logs/events/2024-01-01T02:00:00+00:00/copy/try-2.log")
assert_contains "$log" "DELETE 3"
assert_contains "$log" "COPY 1"

if grep -r -F -- "$DW_PASSWORD" "$H/logs" "$T/scheduler.log" "$T/backfill.out" "$T/clear.out" >/dev/null; then
	fail "the warehouse password appears in a log"
fi
