#!/bin/bash
# warehouse_copy into SQLite (the demos' embedded warehouse): every mode,
# CSV and JSON lines, gzip, 3 objects, re-runs leaving one copy, 5 hourly
# partitions with a range of 3 reloaded, and failures (a bad row, a wrong
# field count, a missing table) leaving the table exactly as it was.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/wh_lib.sh"

command -v sqlite3 >/dev/null || skip "the sqlite3 shell is not installed (scripts/deps --test)"
DB=$T/warehouse.db
q() { sqlite3 -batch "$DB" "$1"; }
q "CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT, amount REAL, hour TEXT, note TEXT);
   CREATE TABLE prices (sym TEXT NOT NULL, day TEXT NOT NULL, px REAL, src TEXT);
   CREATE TABLE hourly (id INTEGER, hour TEXT, version TEXT);
   CREATE TABLE strict_t (id INTEGER NOT NULL, v TEXT) STRICT;"
# "sqlite:warehouse.db" is relative to the home ($T in the spec).
URL=sqlite:warehouse.db

# ---- CSV: 3 objects with headers, one gzip'd; append ----
P=$T/lake/events/2024-01-01
mkdir -p "$P"
printf 'id,name,amount,hour,note\n1,alpha,1.5,2024-01-01 00:05:00,"a, b"\n2,beta,2,2024-01-01 00:10:00,\n' > "$P/a.csv"
printf 'id,name,amount,hour,note\r\n3,"gam""ma",3,2024-01-01T00:15:00Z,""\r\n' > "$P/b.csv"
printf 'id,name,amount,hour,note\n4,delta,4,2024-01-01 00:20:00,last' | gzip > "$P/c.csv.gz"
wh_spec "$T/csv.json" "$URL" "" \
	"{\"table\": \"events\", \"from\": \"file://$P/\", \"header\": true}"
wh_run "$T/csv.json" csv || fail "CSV load: $(wh_show csv)"
assert_contains "$(cat "$T/csv.out")" "loaded 3 objects, 4 rows"
assert_eq '1|alpha|1.5|a, b|text
2|beta|2.0|<null>|null
3|gam"ma|3.0||text
4|delta|4.0|last|text' "$(q "SELECT id, name, amount, coalesce(note, '<null>'), typeof(note) FROM events ORDER BY id")" "CSV rows"
assert_eq "integer real" "$(q "SELECT typeof(id) || ' ' || typeof(amount) FROM events WHERE id = 1")" \
	"column affinity applied to CSV text"

# ---- JSON lines, replace_partition (julianday compares any ISO form) ----
J=$T/lake/json
mkdir -p "$J"
printf '%s\n' '{"id": 10, "name": "j", "amount": 0.1, "hour": "2024-01-01T00:30:00+00:00", "note": {"a": [1]}}' \
	'{"ID": 11, "NAME": "upper keys", "hour": "2024-01-01 00:59:59"}' | gzip > "$J/p.json.gz"
wh_spec "$T/json.json" "$URL" "" \
	"{\"table\": \"events\", \"from\": \"file://$J/\", \"format\": \"json\",
	  \"mode\": \"replace_partition\", \"partition_column\": \"hour\"}"
# Outside the partition: the hour before and the next one.
q "INSERT INTO events VALUES (100, 'before', 0, '2023-12-31 23:59:59', NULL), (101, 'after', 0, '2024-01-01T01:00:00Z', NULL)"
for i in 1 2; do
	wh_run "$T/json.json" "json$i" || fail "JSON load $i: $(wh_show json$i)"
done
assert_contains "$(cat "$T/json1.out")" 'julianday("hour") >= julianday(?1)'
assert_contains "$(cat "$T/json1.out")" "→ 4 rows"
assert_contains "$(cat "$T/json2.out")" "→ 2 rows"
assert_eq '10|j|0.1|{"a":[1]}
11|upper keys||
100|before|0.0|
101|after|0.0|' "$(q "SELECT id, name, amount, note FROM events ORDER BY id")" "rows after 2 runs of the partition"

# ---- upsert ----
U=$T/lake/prices
mkdir -p "$U"
printf 'ACME,2024-01-01,10,day1\nINIT,2024-01-01,1,day1\n' > "$U/d1.csv"
printf '{"sym": "ACME", "day": "2024-01-01", "px": 11, "src": "fix"}\n{"sym": "ACME", "day": "2024-01-02", "px": 12, "src": "day2"}\n' > "$U/d2.json"
wh_spec "$T/up1.json" "$URL" "" \
	"{\"table\": \"prices\", \"from\": \"file://$U/d1.csv\", \"mode\": \"upsert\", \"upsert_keys\": [\"sym\", \"day\"]}"
wh_spec "$T/up2.json" "$URL" "" \
	"{\"table\": \"main.prices\", \"from\": \"file://$U/d2.json\", \"format\": \"json\", \"mode\": \"upsert\",
	  \"upsert_keys\": [\"sym\", \"day\"], \"columns\": [\"sym\", \"day\", \"px\", \"src\"]}"
wh_run "$T/up1.json" up1 || fail "upsert 1: $(wh_show up1)"
wh_run "$T/up2.json" up2 || fail "upsert 2: $(wh_show up2)"
wh_run "$T/up2.json" up3 || fail "upsert 2 again: $(wh_show up3)"
assert_eq "ACME|2024-01-01|11.0|fix
ACME|2024-01-02|12.0|day2
INIT|2024-01-01|1.0|day1" "$(q "SELECT * FROM prices ORDER BY sym, day")" "rows after upserts"

# ---- 5 hourly partitions; re-run hours 1..3 after their source changed ----
H=$T/lake/hourly
for h in 0 1 2 3 4; do
	mkdir -p "$H/$h"
	for n in 1 2 3; do echo "$((h * 100 + n)),2024-01-01T0$h:$((n * 10)):00Z,v1"; done > "$H/$h/d.csv"
done
hourly() {
	wh_spec "$T/h$1.json" "$URL" "" \
		"{\"table\": \"hourly\", \"from\": \"file://$H/$1/\", \"mode\": \"replace_partition\", \"partition_column\": \"hour\"}" \
		"2024-01-01T0$1:00:00+00:00" "2024-01-01T0$(($1 + 1)):00:00+00:00"
	wh_run "$T/h$1.json" "$2" || fail "hour $1: $(wh_show "$2")"
}
for h in 0 1 2 3 4; do hourly "$h" "first$h"; done
for h in 1 2 3; do sed -i 's/,v1$/,v2/' "$H/$h/d.csv"; done
sed -i '2,$d' "$H/2/d.csv"
for h in 1 2 3; do hourly "$h" "again$h"; done
assert_eq "0|v1|3
1|v2|3
2|v2|1
3|v2|3
4|v1|3" "$(q "SELECT CAST(strftime('%H', hour) AS INTEGER), version, count(*) FROM hourly GROUP BY 1, 2 ORDER BY 1")" \
	"per-hour rows after reloading hours 1..3"

# ---- failures leave the table as it was ----
snapshot() { q "SELECT count(*), group_concat(id || '/' || hour || '/' || version) FROM (SELECT * FROM hourly ORDER BY id)"; }
BEFORE=$(snapshot)
mkdir -p "$T/bad"
printf '1,2024-01-01T00:00:00Z,ok\n2,2024-01-01T00:00:00Z\n' > "$T/bad/fields.csv"
wh_spec "$T/fields.json" "$URL" "" \
	"{\"table\": \"hourly\", \"from\": \"file://$T/bad/fields.csv\", \"mode\": \"replace_partition\", \"partition_column\": \"hour\"}"
wh_run "$T/fields.json" fields && fail "a short row loaded"
assert_contains "$(cat "$T/fields.err")" "fields.csv: line 2: 2 fields, expected 3"
assert_contains "$(cat "$T/fields.out")" "ROLLBACK"
assert_eq "$BEFORE" "$(snapshot)" "hourly after the short row"

q "INSERT INTO strict_t VALUES (1, 'keep')"
printf '2,fine\nnot-a-number,bad\n' > "$T/bad/strict.csv"
wh_spec "$T/strict.json" "$URL" "" "{\"table\": \"strict_t\", \"from\": \"file://$T/bad/strict.csv\"}"
wh_run "$T/strict.json" strict && fail "a bad value loaded into a STRICT table"
assert_contains "$(cat "$T/strict.err")" "line 2: cannot store TEXT value in INTEGER column strict_t.id"
assert_eq "1|keep" "$(q "SELECT * FROM strict_t")" "strict_t after the bad row"

wh_spec "$T/missing.json" "$URL" "" "{\"table\": \"nope\", \"from\": \"file://$T/bad/strict.csv\"}"
wh_run "$T/missing.json" missing && fail "a load into a missing table succeeded"
assert_contains "$(cat "$T/missing.err")" "no such table: nope"

# A dry run changes nothing and prints the statements.
wh_spec "$T/dry.json" "$URL" "" \
	"{\"table\": \"hourly\", \"from\": \"file://$H/0/\", \"mode\": \"replace_partition\", \"partition_column\": \"hour\", \"dry_run\": true}"
wh_run "$T/dry.json" dry || fail "dry run: $(wh_show dry)"
assert_contains "$(cat "$T/dry.out")" 'SQL: INSERT INTO "hourly" ("id", "hour", "version") VALUES (?1, ?2, ?3);'
assert_eq "$BEFORE" "$(snapshot)" "hourly after a dry run"
