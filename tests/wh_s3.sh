#!/bin/bash
# warehouse_copy from the S3 server (s3rver behind the signature-checking
# proxy of tests/servers/s3.sh) into PostgreSQL 15: a partition of 3
# objects (CSV, one gzip'd) with replace_partition re-run once, JSON lines
# with upsert, a manifest, an object cut off mid-stream by the server
# failing, and a wrong secret refused by the proxy; the table is left as it
# was after every failure. SQLite is loaded from S3 too.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/wh_lib.sh"

start_s3
start_postgres
ETL_PW="etl-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
pg_sql "CREATE ROLE etl LOGIN PASSWORD '$ETL_PW'"
pg_sql "CREATE DATABASE dw OWNER etl"
URL="postgresql://etl@127.0.0.1:$PG_PORT/dw"
dw() { pg_sql "$1" dw; }
dw "SET ROLE etl; CREATE TABLE trades (id int, sym text, px numeric, ts timestamptz);"

s3_aws s3 mb s3://lake >/dev/null
put() { s3_aws s3 cp --quiet "$1" "s3://lake/$2"; }

# Partition 2024-01-01T00 of trades: 3 objects and a marker.
mkdir -p "$T/up"
printf 'id,sym,px,ts\n1,AAA,10.5,2024-01-01T00:01:00Z\n2,BBB,20,2024-01-01T00:02:00Z\n' > "$T/up/a.csv"
printf 'id,sym,px,ts\n3,CCC,30,2024-01-01T00:03:00Z\n' > "$T/up/b.csv"
printf 'id,sym,px,ts\n4,"D,D",40,2024-01-01T00:04:00Z\n5,EEE,50,2024-01-01T00:05:00Z' | gzip > "$T/up/c.csv.gz"
: > "$T/up/_SUCCESS"
put "$T/up/a.csv" trades/2024/01/01/00/part-0000.csv
put "$T/up/b.csv" trades/2024/01/01/00/part-0001.csv
put "$T/up/c.csv.gz" trades/2024/01/01/00/part-0002.csv.gz
put "$T/up/_SUCCESS" trades/2024/01/01/00/_SUCCESS
# The next hour, which the partition's prefix must not pick up.
put "$T/up/b.csv" trades/2024/01/01/01/part-0000.csv

# The source connection: the S3 endpoint and its keys, as a config would.
add_aws() {	# add_aws SPEC [SECRET]
	/usr/bin/python3 - "$1" "$S3_URL" "${2:-S3RVER}" <<'PY'
import json, sys
path, endpoint, secret = sys.argv[1:4]
spec = json.load(open(path))
spec["options"]["source_connection"] = "lake"
spec["connections"]["lake"] = {"type": "aws", "endpoint_url": endpoint, "region": "us-east-1",
                               "access_key_id": "S3RVER", "secret_access_key": secret}
json.dump(spec, open(path, "w"))
PY
}

wh_spec "$T/csv.json" "$URL" "$ETL_PW" \
	"{\"table\": \"trades\", \"from\": \"s3://lake/trades/2024/01/01/00/\", \"header\": true,
	  \"mode\": \"replace_partition\", \"partition_column\": \"ts\"}"
add_aws "$T/csv.json"
wh_run "$T/csv.json" csv1 || fail "S3 CSV load: $(wh_show csv1)"
wh_run "$T/csv.json" csv2 || fail "S3 CSV re-run: $(wh_show csv2)"
assert_contains "$(cat "$T/csv1.out")" "3 objects under s3://lake/trades/2024/01/01/00/"
assert_contains "$(cat "$T/csv1.out")" "object 3/3 s3://lake/trades/2024/01/01/00/part-0002.csv.gz: 2 rows"
assert_contains "$(cat "$T/csv2.out")" "DELETE 5"
assert_eq "1|AAA|10.5
2|BBB|20
3|CCC|30
4|D,D|40
5|EEE|50" "$(dw "SELECT id, sym, px FROM trades ORDER BY id")" "rows after two runs of the partition"

# JSON lines, upsert, through a manifest (one optional entry missing).
printf '{"id": 3, "sym": "CCC", "px": 33}\n{"id": 6, "sym": "FFF", "px": 60}\n' | gzip > "$T/up/fix.json.gz"
put "$T/up/fix.json.gz" fixes/fix.json.gz
cat > "$T/up/load.manifest" <<'EOF'
{"entries": [
  {"url": "s3://lake/fixes/fix.json.gz", "mandatory": true},
  {"url": "s3://lake/fixes/absent.json", "mandatory": false}
]}
EOF
put "$T/up/load.manifest" manifests/fix.manifest
wh_spec "$T/json.json" "$URL" "$ETL_PW" \
	"{\"table\": \"trades\", \"from\": \"s3://lake/manifests/fix.manifest\", \"manifest\": true,
	  \"format\": \"json\", \"columns\": [\"id\", \"sym\", \"px\"], \"mode\": \"upsert\", \"upsert_keys\": \"id\"}"
add_aws "$T/json.json"
wh_run "$T/json.json" json || fail "S3 JSON upsert: $(wh_show json)"
assert_eq "1|AAA|10.5
2|BBB|20
3|CCC|33
4|D,D|40
5|EEE|50
6|FFF|60" "$(dw "SELECT id, sym, px FROM trades ORDER BY id")" "rows after the upsert"

snapshot() { dw "SELECT count(*), md5(string_agg(id || sym || px || coalesce(ts::text, ''), ',' ORDER BY id)) FROM trades"; }
BEFORE=$(snapshot)

# A mandatory manifest entry that does not exist.
sed -i 's/"mandatory": false/"mandatory": true/' "$T/up/load.manifest"
put "$T/up/load.manifest" manifests/strict.manifest
wh_spec "$T/strict.json" "$URL" "$ETL_PW" \
	"{\"table\": \"trades\", \"from\": \"s3://lake/manifests/strict.manifest\", \"manifest\": true, \"format\": \"json\"}"
add_aws "$T/strict.json"
wh_run "$T/strict.json" strict && fail "a manifest with a missing mandatory object loaded"
assert_contains "$(cat "$T/strict.err")" "mandatory object s3://lake/fixes/absent.json does not exist"

# An S3 error (no retries left) fails the try and changes nothing.
s3_fail 1 500 InternalError
AWS_MAX_ATTEMPTS=1 wh_run "$T/csv.json" s3err && fail "a load succeeded while S3 failed"
assert_contains "$(cat "$T/s3err.err")" "InternalError"
assert_eq "$BEFORE" "$(snapshot)" "table after S3 failed"

# A corrupt object after two good ones: the partition's DELETE and the rows
# streamed so far are rolled back.
head -c 100 /dev/urandom > "$T/up/junk.csv.gz"
for f in part-0000.csv part-0001.csv; do
	s3_aws s3 cp --quiet "s3://lake/trades/2024/01/01/00/$f" "s3://lake/broken/2024/01/01/00/$f"
done
put "$T/up/junk.csv.gz" broken/2024/01/01/00/part-0002.csv.gz
wh_spec "$T/broken.json" "$URL" "$ETL_PW" \
	"{\"table\": \"trades\", \"from\": \"s3://lake/broken/2024/01/01/00/\", \"header\": true,
	  \"mode\": \"replace_partition\", \"partition_column\": \"ts\"}"
add_aws "$T/broken.json"
wh_run "$T/broken.json" broken && fail "a corrupt gzip object loaded"
assert_contains "$(cat "$T/broken.out")" "DELETE 4"
assert_contains "$(cat "$T/broken.out")" "object 2/3"
assert_contains "$(cat "$T/broken.err")" "s3://lake/broken/2024/01/01/00/part-0002.csv.gz: gzip: "
assert_eq "$BEFORE" "$(snapshot)" "table after a corrupt object"

# A wrong secret: the proxy refuses the signature.
wh_spec "$T/badkey.json" "$URL" "$ETL_PW" \
	"{\"table\": \"trades\", \"from\": \"s3://lake/trades/2024/01/01/00/\", \"header\": true}"
add_aws "$T/badkey.json" not-the-secret
wh_run "$T/badkey.json" badkey && fail "a wrong S3 secret was accepted"
assert_contains "$(cat "$T/badkey.err")" "SignatureDoesNotMatch"
assert_eq "$BEFORE" "$(snapshot)" "table after a refused S3 secret"

# SQLite from S3.
command -v sqlite3 >/dev/null || skip "the sqlite3 shell is not installed (scripts/deps --test)"
sqlite3 "$T/lake.db" "CREATE TABLE trades (id INTEGER, sym TEXT, px REAL, ts TEXT)"
wh_spec "$T/sq.json" "sqlite:lake.db" "" \
	"{\"table\": \"trades\", \"from\": \"s3://lake/trades/2024/01/01/00/\", \"header\": true}"
add_aws "$T/sq.json"
wh_run "$T/sq.json" sq || fail "S3 into SQLite: $(wh_show sq)"
assert_eq "5|150.5" "$(sqlite3 "$T/lake.db" "SELECT count(*), sum(px) FROM trades")" "SQLite rows from S3"

for secret in "$ETL_PW" not-the-secret; do
	assert_not_contains "$(cat "$T/all-output")" "$secret" "operator output"
done
