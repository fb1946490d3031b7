#!/bin/bash
# warehouse_copy failures against a real PostgreSQL 15: a malformed row
# (in the last of 3 objects), a malformed JSON line, an unterminated
# quote, a truncated gzip, a missing table, a wrong password, an upsert
# whose data holds a key twice. Each fails
# the try with the server's (or the reader's) message and leaves the table
# exactly as it was, including the rows a replace_partition had deleted;
# the password appears in no output.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/wh_lib.sh"

start_postgres
ETL_PW="etl-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
pg_sql "CREATE ROLE etl LOGIN PASSWORD '$ETL_PW'"
pg_sql "CREATE DATABASE dw OWNER etl"
URL="postgresql://etl@127.0.0.1:$PG_PORT/dw"
dw() { pg_sql "$1" dw; }
dw "SET ROLE etl; CREATE TABLE t (id int NOT NULL, hour timestamptz, v text)"
dw "INSERT INTO t SELECT g, '2024-01-01T00:00:00Z'::timestamptz + g * interval '1 minute', 'before'
    FROM generate_series(0, 119) g"
snapshot() { dw "SELECT count(*), md5(string_agg(id || '/' || hour || '/' || v, ',' ORDER BY id)) FROM t"; }
BEFORE=$(snapshot)

# Every failing load replaces hour 00, whose 60 rows it deletes first: the
# rollback must bring them back.
spec() {	# spec NAME FROM [FORMAT]
	wh_spec "$T/$1.json" "$URL" "$ETL_PW" \
		"{\"table\": \"t\", \"from\": \"$2\", \"format\": \"${3:-csv}\",
		  \"mode\": \"replace_partition\", \"partition_column\": \"hour\"}"
}
expect_failure() {	# expect_failure NAME MESSAGE
	wh_run "$T/$1.json" "$1" && fail "$1: the load succeeded: $(wh_show "$1")"
	assert_contains "$(cat "$T/$1.err")" "$2" "$1 error"
	assert_contains "$(cat "$T/$1.out")" "ROLLBACK" "$1 log"
	assert_eq "$BEFORE" "$(snapshot)" "table after $1"
}

# A malformed row in the 3rd object: the server's message names it.
M=$T/lake/malformed
mkdir -p "$M"
for n in 1 2 3; do
	for i in $(seq 1 100); do echo "$i,2024-01-01T00:00:00Z,obj$n"; done > "$M/part-$n.csv"
done
echo "x42,2024-01-01T00:30:00Z,bad" >> "$M/part-3.csv"
spec bad_row "file://$M/"
expect_failure bad_row 'invalid input syntax for type integer: "x42"'
assert_contains "$(cat "$T/bad_row.out")" "DELETE 60"
assert_contains "$(cat "$T/bad_row.err")" "COPY t, line 301"

# A row with a column too many, and a NULL in a NOT NULL column.
printf '1,2024-01-01T00:00:00Z,a,extra\n' > "$T/extra.csv"
spec extra "file://$T/extra.csv"
expect_failure extra "extra data after last expected column"
printf ',2024-01-01T00:00:00Z,a\n' > "$T/null.csv"
spec null_id "file://$T/null.csv"
expect_failure null_id 'null value in column "id"'

# JSON lines: an invalid line is reported by object and line.
J=$T/lake/json
mkdir -p "$J"
printf '{"id": 1, "hour": "2024-01-01T00:00:00Z", "v": "ok"}\n{"id": 2, "hour": \n' > "$J/a.json"
spec bad_json "file://$J/" json
expect_failure bad_json "file://$J/a.json: line 2: invalid JSON"
printf '{"id": "two", "hour": "2024-01-01T00:00:00Z"}\n' > "$J/a.json"
spec json_type "file://$J/" json
expect_failure json_type 'invalid input syntax for type integer: "two"'

# An object ending inside quotes; a gzip cut short.
printf '1,2024-01-01T00:00:00Z,"unterminated\n2,2024-01-01T00:00:00Z,x\n' > "$T/quote.csv"
spec quote "file://$T/quote.csv"
expect_failure quote "the object ends inside a quoted field"
seq 1 20000 | sed 's/$/,2024-01-01T00:00:00Z,gz/' | gzip > "$T/full.csv.gz"
head -c 20000 "$T/full.csv.gz" > "$T/cut.csv.gz"
spec cut_gzip "file://$T/cut.csv.gz"
expect_failure cut_gzip "gzip: the object ends in the middle of its compressed data"

# Nothing under the prefix (as Redshift, an error, not an empty load).
mkdir -p "$T/lake/empty"
spec empty "file://$T/lake/empty/"
wh_run "$T/empty.json" empty && fail "an empty partition loaded"
assert_contains "$(cat "$T/empty.err")" "no objects under file://$T/lake/empty/"

# A missing table.
printf '1,2024-01-01T00:00:00Z,a\n' > "$T/one.csv"
wh_spec "$T/missing.json" "$URL" "$ETL_PW" \
	"{\"table\": \"nope\", \"from\": \"file://$T/one.csv\"}"
wh_run "$T/missing.json" missing && fail "a load into a missing table succeeded"
assert_contains "$(cat "$T/missing.err")" 'relation "nope" does not exist'

# A wrong password: the server's message, and neither password shown.
WRONG_PW="wrong-$ETL_PW"
wh_spec "$T/wrong.json" "$URL" "$WRONG_PW" \
	"{\"table\": \"t\", \"from\": \"file://$T/one.csv\"}"
wh_run "$T/wrong.json" wrong && fail "a wrong password was accepted"
assert_contains "$(cat "$T/wrong.err")" 'password authentication failed for user "etl"'
assert_contains "$(cat "$T/wrong.err")" "cannot connect to postgresql://etl@127.0.0.1:$PG_PORT/dw: connection to server"
# A password in the url itself is masked too.
wh_spec "$T/inurl.json" "postgresql://etl:$WRONG_PW@127.0.0.1:$PG_PORT/dw" "" \
	"{\"table\": \"t\", \"from\": \"file://$T/one.csv\"}"
wh_run "$T/inurl.json" inurl && fail "a wrong password in the url was accepted"
assert_contains "$(cat "$T/inurl.err")" "postgresql://etl:***@127.0.0.1:$PG_PORT/dw"
assert_contains "$(cat "$T/inurl.err")" 'password authentication failed for user "etl"'
assert_eq "$BEFORE" "$(snapshot)" "table after the refused logins"

# a server that is not there: libpq's hint line, without its tab
wh_spec "$T/refused.json" "postgresql://etl@127.0.0.1:$(free_port)/dw" "$ETL_PW" \
	"{\"table\": \"t\", \"from\": \"file://$T/one.csv\"}"
wh_run "$T/refused.json" refused && fail "a load to a closed port succeeded"
assert_contains "$(cat "$T/refused.err")" "failed: Connection refused; Is the server running on that host"

# upsert into a table with a primary key, the key twice in the load: the
# server says the key "already exists"; the error says where it comes from
dw "SET ROLE etl; CREATE TABLE k (id int PRIMARY KEY, v text); INSERT INTO k VALUES (1, 'old')"
printf '2,a\n1,b\n2,c\n' > "$T/twice.csv"
wh_spec "$T/twice.json" "$URL" "$ETL_PW" \
	"{\"table\": \"k\", \"from\": \"file://$T/twice.csv\", \"mode\": \"upsert\", \"upsert_keys\": [\"id\"]}"
wh_run "$T/twice.json" twice && fail "a load with a key twice succeeded"
assert_contains "$(cat "$T/twice.err")" 'Key (id)=(2) already exists'
assert_contains "$(cat "$T/twice.err")" "the loaded data holds this key more than once"
assert_eq "1|old" "$(dw "SELECT id || '|' || v FROM k")" "the table after the refused upsert"

assert_not_contains "$(cat "$T/all-output")" "$ETL_PW" "operator output"
