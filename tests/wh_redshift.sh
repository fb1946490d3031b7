#!/bin/bash
# warehouse_copy to Redshift. No Redshift runs on loopback, so the
# Redshift variant is checked by the exact statements a dry run prints
# (secrets masked), and its run path (connect over libpq, the statements in
# one transaction, the server's error, rollback) against PostgreSQL 15
# behind a redshift:// url: PostgreSQL refuses Redshift's COPY FROM
# 's3://', which must undo the partition's DELETE.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/wh_lib.sh"

ROLE=arn:aws:iam::222222222222:role/redshift-copy

# ---- the SPEC's Firehose task: replace_partition, JSON ----
wh_spec "$T/firehose.json" "redshift://etl@analytics.example.com:5439/dw" "rs-secret-pw" \
	"{\"table\": \"public.stock_prices\", \"from\": \"s3://firehose-a/stocks/2024/01/01/00/\",
	  \"format\": \"json\", \"iam_role\": \"$ROLE\", \"mode\": \"replace_partition\",
	  \"partition_column\": \"event_hour\", \"dry_run\": true}"
wh_run "$T/firehose.json" firehose || fail "dry run: $(wh_show firehose)"
assert_eq "SQL: BEGIN;
SQL: DELETE FROM \"public\".\"stock_prices\" WHERE \"event_hour\" >= '2024-01-01T00:00:00+00:00' AND \"event_hour\" < '2024-01-01T01:00:00+00:00';
SQL: COPY \"public\".\"stock_prices\" FROM 's3://firehose-a/stocks/2024/01/01/00/' IAM_ROLE '$ROLE' FORMAT AS JSON 'auto';
SQL: COMMIT;" "$(grep '^SQL:' "$T/firehose.out")" "Firehose statements"
assert_contains "$(cat "$T/firehose.out")" "dry run: not connecting"

# ---- CSV upsert with every CSV option ----
wh_spec "$T/upsert.json" "redshift://etl@c.example.com/dw" "" \
	"{\"table\": \"sales.daily\", \"from\": \"s3://b/sales/2024-01-01/\", \"iam_role\": \"$ROLE\",
	  \"columns\": [\"id\", \"day\", \"amount\"], \"header\": true, \"delimiter\": \"|\", \"gzip\": true,
	  \"region\": \"us-west-2\", \"mode\": \"upsert\", \"upsert_keys\": [\"id\", \"day\"], \"dry_run\": true}"
wh_run "$T/upsert.json" upsert || fail "dry run: $(wh_show upsert)"
assert_eq "SQL: BEGIN;
SQL: CREATE TEMP TABLE \"sluice_stage\" (LIKE \"sales\".\"daily\");
SQL: COPY \"sluice_stage\" (\"id\", \"day\", \"amount\") FROM 's3://b/sales/2024-01-01/' IAM_ROLE '$ROLE' FORMAT AS CSV DELIMITER '|' IGNOREHEADER 1 GZIP REGION 'us-west-2';
SQL: DELETE FROM \"sales\".\"daily\" USING \"sluice_stage\" WHERE \"daily\".\"id\" = \"sluice_stage\".\"id\" AND \"daily\".\"day\" = \"sluice_stage\".\"day\";
SQL: INSERT INTO \"sales\".\"daily\" (\"id\", \"day\", \"amount\") SELECT \"id\", \"day\", \"amount\" FROM \"sluice_stage\";
SQL: DROP TABLE \"sluice_stage\";
SQL: COMMIT;" "$(grep '^SQL:' "$T/upsert.out")" "upsert statements"

# ---- parquet append with a manifest ----
wh_spec "$T/parquet.json" "redshift://etl@c.example.com/dw" "" \
	"{\"table\": \"lake.events\", \"from\": \"s3://lake/manifests/2024-01-01.manifest\", \"iam_role\": \"$ROLE\",
	  \"format\": \"parquet\", \"manifest\": true, \"dry_run\": true}"
wh_run "$T/parquet.json" parquet || fail "dry run: $(wh_show parquet)"
assert_eq "SQL: COPY \"lake\".\"events\" FROM 's3://lake/manifests/2024-01-01.manifest' IAM_ROLE '$ROLE' FORMAT AS PARQUET MANIFEST;" \
	"$(grep '^SQL: COPY' "$T/parquet.out")" "parquet statement"

# ---- access keys instead of a role: in the statement, masked in the log ----
wh_spec "$T/keys.json" "redshift://etl:url-secret-pw@c.example.com:5439/dw" "" \
	"{\"table\": \"t\", \"from\": \"s3://b/p/\", \"source_connection\": \"aws\", \"dry_run\": true}"
/usr/bin/python3 - "$T/keys.json" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["connections"]["aws"] = {"type": "aws", "access_key_id": "AKIAKEYEXAMPLE7",
                              "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCY",
                              "session_token": "FwoGZXIvYXdzEXAMPLETOKEN"}
json.dump(spec, open(sys.argv[1], "w"))
PY
wh_run "$T/keys.json" keys || fail "dry run: $(wh_show keys)"
assert_eq "SQL: COPY \"t\" FROM 's3://b/p/' ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***' FORMAT AS CSV;" \
	"$(grep '^SQL: COPY' "$T/keys.out")" "masked statement"
assert_contains "$(cat "$T/keys.out")" "redshift://etl:***@c.example.com:5439/dw"
for secret in AKIAKEYEXAMPLE7 wJalrXUtnFEMI FwoGZXIvYXdzEXAMPLETOKEN url-secret-pw rs-secret-pw; do
	assert_not_contains "$(cat "$T/all-output")" "$secret" "operator output"
done

# ---- the run path, against PostgreSQL speaking for Redshift ----
start_postgres
ETL_PW="etl-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
pg_sql "CREATE ROLE etl LOGIN PASSWORD '$ETL_PW'"
pg_sql "CREATE DATABASE dw OWNER etl"
pg_sql "SET ROLE etl; CREATE TABLE stock_prices (sym text, event_hour timestamptz);
	INSERT INTO stock_prices VALUES ('A', '2024-01-01T00:10:00Z'), ('B', '2024-01-01T02:00:00Z')" dw
wh_spec "$T/live.json" "redshift://etl@127.0.0.1:$PG_PORT/dw" "$ETL_PW" \
	"{\"table\": \"stock_prices\", \"from\": \"s3://firehose-a/stocks/2024/01/01/00/\", \"format\": \"json\",
	  \"iam_role\": \"$ROLE\", \"mode\": \"replace_partition\", \"partition_column\": \"event_hour\"}"
wh_run "$T/live.json" live && fail "PostgreSQL accepted a Redshift COPY"
assert_contains "$(cat "$T/live.out")" "DELETE 1"
assert_contains "$(cat "$T/live.out")" "ROLLBACK"
assert_contains "$(cat "$T/live.err")" 'syntax error at or near "IAM_ROLE"'
assert_eq 2 "$(pg_sql "SELECT count(*) FROM stock_prices" dw)" "rows after the refused COPY"

wh_spec "$T/badpw.json" "redshift://etl@127.0.0.1:$PG_PORT/dw" "not-$ETL_PW" \
	"{\"table\": \"stock_prices\", \"from\": \"s3://b/p/\", \"iam_role\": \"$ROLE\"}"
wh_run "$T/badpw.json" badpw && fail "a wrong password was accepted"
assert_contains "$(cat "$T/badpw.err")" 'password authentication failed for user "etl"'
assert_not_contains "$(cat "$T/all-output")" "$ETL_PW" "operator output"
