#!/bin/bash
# warehouse_copy into a real PostgreSQL 15 on loopback, from file://
# partitions: every mode, CSV and JSON lines, gzip, 3 objects in a
# partition, re-runs leaving exactly one copy, and 5 hourly partitions of
# which a cleared range of 3 is reloaded, exactly those.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/wh_lib.sh"

start_postgres
ETL_PW="etl-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
pg_sql "CREATE ROLE etl LOGIN PASSWORD '$ETL_PW'"
pg_sql "CREATE DATABASE dw OWNER etl"
URL="postgresql://etl@127.0.0.1:$PG_PORT/dw"
dw() { pg_sql "$1" dw; }
dw "SET ROLE etl;
    CREATE TABLE public.events (id int PRIMARY KEY, name text, amount numeric,
                                event_hour timestamptz, note text);
    CREATE TABLE prices (sym text, day date, px numeric, src text);"

# ---- CSV, 3 objects (one gzip'd, one CRLF, one without a final newline),
#      headers in each, append ----
P=$T/lake/events/2024/01/01/00
mkdir -p "$P/sub"
printf 'id,name,amount,event_hour,note\n1,alpha,1.5,2024-01-01T00:05:00Z,"quoted, with comma"\n2,beta,2,2024-01-01T00:10:00Z,\n' > "$P/a.csv"
printf 'id,name,amount,event_hour,note\r\n3,gamma,3.25,2024-01-01T00:15:00Z,"multi\nline"\r\n4,"",4,2024-01-01T00:20:00Z,""\r\n' > "$P/b.csv"
printf 'id,name,amount,event_hour,note\n5,delta,5,2024-01-01T00:25:00Z,last' | gzip > "$P/sub/c.csv.gz"
touch "$P/_SUCCESS" "$P/.c.csv.crc"

wh_spec "$T/csv.json" "$URL" "$ETL_PW" \
	"{\"table\": \"public.events\", \"from\": \"file://$P/\", \"header\": true}"
wh_run "$T/csv.json" csv || fail "CSV load failed: $(wh_show csv)"
assert_contains "$(cat "$T/csv.out")" "3 objects under file://$P/"
assert_contains "$(cat "$T/csv.out")" "object 3/3 file://$P/sub/c.csv.gz: 1 row,"
assert_contains "$(cat "$T/csv.out")" "gzip'd"
assert_contains "$(cat "$T/csv.out")" "COPY 5"
assert_contains "$(cat "$T/csv.out")" "loaded 3 objects, 5 rows"
assert_eq "1|alpha|1.5|quoted, with comma
2|beta|2|<null>
3|gamma|3.25|multi
line
4||4|
5|delta|5|last" "$(dw "SELECT id, name, amount, coalesce(note, '<null>') FROM events ORDER BY id")" "loaded rows"
assert_eq "t" "$(dw "SELECT name IS NOT NULL AND note IS NOT NULL FROM events WHERE id = 4")" \
	"quoted empty fields are '' not NULL"

# Appending the same partition again is a plain append: the key refuses
# it, and the failed try leaves the table as it was.
wh_run "$T/csv.json" csv2 && fail "a duplicate append succeeded"
assert_contains "$(cat "$T/csv2.err")" 'duplicate key value violates unique constraint "events_pkey"'
assert_eq 5 "$(dw "SELECT count(*) FROM events")" "rows after refused append"

# ---- JSON lines, gzip'd, replace_partition over the run's interval ----
J=$T/lake/json/2024/01/01/01
mkdir -p "$J"
{
	echo '{"id": 10, "name": "j10", "amount": 10.5, "event_hour": "2024-01-01T01:00:00Z", "note": {"k": [1, 2]}}'
	echo ''
	echo '{"ID": 11, "Name": "case-insensitive keys", "event_hour": "2024-01-01T01:59:59Z", "ignored": true}'
} | gzip > "$J/part-0.json.gz"
echo '{"id": 12, "name": "quote \" and \\ backslash", "amount": null, "event_hour": "2024-01-01T01:30:00Z"}' > "$J/part-1.json"
wh_spec "$T/json.json" "$URL" "$ETL_PW" \
	"{\"table\": \"events\", \"from\": \"file://$J\", \"format\": \"json\",
	  \"columns\": [\"id\", \"name\", \"amount\", \"event_hour\", \"note\"],
	  \"mode\": \"replace_partition\", \"partition_column\": \"event_hour\"}" \
	2024-01-01T01:00:00+00:00 2024-01-01T02:00:00+00:00
for i in 1 2 3; do
	wh_run "$T/json.json" "json$i" || fail "JSON load $i failed: $(wh_show json$i)"
done
assert_contains "$(cat "$T/json1.out")" 'DELETE FROM "events" WHERE "event_hour" >= $1 AND "event_hour" < $2'
assert_contains "$(cat "$T/json1.out")" "DELETE 0"
assert_contains "$(cat "$T/json3.out")" "DELETE 3"
assert_eq "10|j10|10.5|{\"k\":[1,2]}
11|case-insensitive keys||
12|quote \" and \\ backslash||" \
	"$(dw "SELECT id, name, amount, note FROM events WHERE id >= 10 ORDER BY id")" "JSON rows"
assert_eq 8 "$(dw "SELECT count(*) FROM events")" "rows after 3 runs of one partition"

# A run with an empty interval (every run of an unscheduled DAG has
# [start, start)) would delete nothing and load the rows again: refused
# before connecting, and the table keeps one copy.
wh_spec "$T/json-empty.json" "$URL" "$ETL_PW" \
	"{\"table\": \"events\", \"from\": \"file://$J\", \"format\": \"json\",
	  \"columns\": [\"id\", \"name\", \"amount\", \"event_hour\", \"note\"],
	  \"mode\": \"replace_partition\", \"partition_column\": \"event_hour\"}" \
	2024-01-01T01:00:00+00:00 2024-01-01T01:00:00+00:00
wh_run "$T/json-empty.json" json-empty &&
	fail "replace_partition over an empty interval succeeded: $(wh_show json-empty)"
assert_contains "$(cat "$T/json-empty.err")" \
	"warehouse_copy: mode: replace_partition needs a non-empty data interval, and this run's is empty (2024-01-01T01:00:00+00:00 to 2024-01-01T01:00:00+00:00, as in every run of an unscheduled DAG)"
assert_eq 8 "$(dw "SELECT count(*) FROM events")" "rows after a refused empty-interval run"

# JSON without columns maps keys to every column of the table.
K=$T/lake/json-auto
mkdir -p "$K"
echo '{"sym": "ACME", "day": "2024-01-02", "px": 12.5, "src": "auto"}' > "$K/p.json"
wh_spec "$T/auto.json" "$URL" "$ETL_PW" \
	"{\"table\": \"prices\", \"from\": \"file://$K/p.json\", \"format\": \"json\"}"
wh_run "$T/auto.json" auto || fail "JSON auto columns: $(wh_show auto)"
assert_eq "ACME|2024-01-02|12.5|auto" "$(dw "SELECT * FROM prices")" "JSON auto columns"
dw "TRUNCATE prices"

# ---- upsert: staging table, delete matches, insert ----
U=$T/lake/prices
mkdir -p "$U"
printf 'ACME,2024-01-01,10,day1\nINIT,2024-01-01,1,day1\n' > "$U/day1.csv"
wh_spec "$T/up1.json" "$URL" "$ETL_PW" \
	"{\"table\": \"public.prices\", \"from\": \"file://$U/day1.csv\", \"mode\": \"upsert\",
	  \"upsert_keys\": [\"sym\", \"day\"]}"
wh_run "$T/up1.json" up1 || fail "upsert 1: $(wh_show up1)"
printf 'sym;day;px;src\nACME;2024-01-01;11;fix\nACME;2024-01-02;12;day2\n' > "$U/day2.csv"
wh_spec "$T/up2.json" "$URL" "$ETL_PW" \
	"{\"table\": \"public.prices\", \"from\": \"file://$U/day2.csv\", \"mode\": \"upsert\",
	  \"upsert_keys\": [\"sym\", \"day\"], \"columns\": [\"sym\", \"day\", \"px\", \"src\"],
	  \"header\": true, \"delimiter\": \";\"}"
wh_run "$T/up2.json" up2 || fail "upsert 2: $(wh_show up2)"
wh_run "$T/up2.json" up3 || fail "upsert 2 again: $(wh_show up3)"
assert_contains "$(cat "$T/up1.out")" 'CREATE TEMP TABLE "sluice_stage" (LIKE "public"."prices")'
assert_contains "$(cat "$T/up2.out")" 'CREATE TEMP TABLE "sluice_stage" AS SELECT "sym", "day", "px", "src" FROM "public"."prices" WITH NO DATA'
assert_contains "$(cat "$T/up2.out")" 'DELETE FROM "public"."prices" USING "sluice_stage" WHERE "prices"."sym" = "sluice_stage"."sym" AND "prices"."day" = "sluice_stage"."day"'
assert_eq "ACME|2024-01-01|11|fix
ACME|2024-01-02|12|day2
INIT|2024-01-01|1|day1" "$(dw "SELECT * FROM prices ORDER BY sym, day")" "rows after upserts"
assert_eq 0 "$(dw "SELECT count(*) FROM pg_tables WHERE tablename = 'sluice_stage'")" "staging table left behind"

# Upsert of some columns into a table whose other NOT NULL columns have
# defaults (a serial id, a load time): the stage holds only the loaded ones.
dw "SET ROLE etl; CREATE TABLE quotes (id serial PRIMARY KEY, sym text NOT NULL, px numeric NOT NULL,
	loaded_at timestamptz NOT NULL DEFAULT now())"
printf 'sym,px\nAAA,1\nBBB,2\n' > "$U/q1.csv"
printf 'sym,px\nBBB,3\nCCC,4\n' > "$U/q2.csv"
for q in q1 q2 q2; do
	wh_spec "$T/$q.json" "$URL" "$ETL_PW" \
		"{\"table\": \"quotes\", \"from\": \"file://$U/$q.csv\", \"header\": true, \"mode\": \"upsert\",
		  \"upsert_keys\": \"sym\", \"columns\": [\"sym\", \"px\"]}"
	wh_run "$T/$q.json" "$q" || fail "upsert $q: $(wh_show "$q")"
done
assert_eq "AAA|1
BBB|3
CCC|4" "$(dw "SELECT sym, px FROM quotes ORDER BY sym")" "quotes after upserts"

# ---- 5 hourly partitions; clear hours 01..03 and re-run exactly those ----
dw "SET ROLE etl; CREATE TABLE hourly (id int, hour timestamptz, version text)"
H=$T/lake/hourly
for h in 0 1 2 3 4; do
	mkdir -p "$H/$h"
	for n in 1 2 3; do
		echo "$((h * 100 + n)),2024-01-01T0$h:$((n * 10)):00Z,v1"
	done > "$H/$h/data.csv"
done
hourly_run() {	# hourly_run HOUR NAME
	wh_spec "$T/h$1.json" "$URL" "$ETL_PW" \
		"{\"table\": \"hourly\", \"from\": \"file://$H/$1/\", \"mode\": \"replace_partition\",
		  \"partition_column\": \"hour\"}" \
		"2024-01-01T0$1:00:00+00:00" "2024-01-01T0$(($1 + 1)):00:00+00:00"
	wh_run "$T/h$1.json" "$2" || fail "hour $1: $(wh_show "$2")"
}
for h in 0 1 2 3 4; do hourly_run "$h" "first$h"; done
# Rows outside the 5 partitions must survive every reload.
dw "INSERT INTO hourly VALUES (999, '2024-01-01T05:00:00Z', 'outside'), (998, '2023-12-31T23:59:59Z', 'outside')"
assert_eq 17 "$(dw "SELECT count(*) FROM hourly")" "rows after the first 5 loads"
# The source of hours 1..3 is corrected (hour 2 shrinks to one row).
for h in 1 2 3; do
	sed -i 's/,v1$/,v2/' "$H/$h/data.csv"
done
sed -i '2,$d' "$H/2/data.csv"
for h in 1 2 3; do hourly_run "$h" "again$h"; done
assert_eq "0|v1|3
1|v2|3
2|v2|1
3|v2|3
4|v1|3" "$(dw "SELECT extract(hour FROM hour AT TIME ZONE 'UTC')::int, version, count(*) FROM hourly
	WHERE version <> 'outside' GROUP BY 1, 2 ORDER BY 1")" "per-hour rows after reloading hours 1..3"
assert_eq 2 "$(dw "SELECT count(*) FROM hourly WHERE version = 'outside'")" "rows outside the partitions"

# ---- the password appears in no output ----
assert_not_contains "$(cat "$T/all-output")" "$ETL_PW" "operator output"
