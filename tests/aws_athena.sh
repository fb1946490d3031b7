#!/bin/bash
# athena_query against the loopback AWS test double (Athena has no local
# server; the double, tests/doubles/aws_services.py, checks every SigV4
# signature with botocore and walks QUEUED -> RUNNING -> SUCCEEDED, FAILED
# with a reason, or CANCELLED after StopQueryExecution): success with the
# query id, scanned bytes and row count in the log; failure with the
# reason; a stopped try calls StopQueryExecution exactly once; a wrong
# secret is refused; a param with a quote stays one SQL literal.
. "$SLUICE_SRCDIR/tests/setup.sh"
drv=$SLUICE_BUILDDIR/tests/op_driver
start_aws_double --key AKIDATHENA:athena-secret
export AWS_ACCESS_KEY_ID=AKIDATHENA AWS_SECRET_ACCESS_KEY=athena-secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_ATHENA=$AWS_DOUBLE_URL
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

athena() {
	printf '{"type":"athena_query","dag":"lake","task":"%s","run_id":"r1","try_number":1,"options":{"poll_interval":50,"database":"lake","output_location":"s3://athena-out/lake/",%s}}' "$1" "$2"
}
qid() { sed -n 's/^query \([0-9a-f-]*\) started$/\1/p' <<<"$1"; }

# ---- success: id, states, bytes scanned, rows ----
out=$(athena count '"query":"SELECT * FROM events WHERE dt = '"'"'2026-12-03'"'"'"' | "$drv" run athena_query) ||
	fail "query failed: $out"
id=$(qid "$out")
[ -n "$id" ] || fail "no query id in the log: $out"
assert_contains "$out" "starting Athena query (athena at $AWS_DOUBLE_URL"
assert_contains "$out" "query $id: QUEUED
query $id: RUNNING
query $id: SUCCEEDED"
assert_contains "$out" "query $id: scanned 1048576 bytes"
assert_contains "$out" "query $id results: s3://athena-out/lake/$id.csv"
assert_contains "$out" "query $id: 3 rows"
start=$(grep 'AmazonAthena StartQueryExecution' "$AWS_DOUBLE_LOG" | head -1)
assert_contains "$start" '"QueryExecutionContext": {"Database": "lake"}'
assert_contains "$start" '"ResultConfiguration": {"OutputLocation": "s3://athena-out/lake/"}'
assert_contains "$start" "caller=AKIDATHENA"
# the try's output, where the environment names a file for it
out=$(athena count2 '"query":"SELECT 1"' | SLUICE_OUTPUT=$T/out.json "$drv" run athena_query) || fail "query failed: $out"
assert_eq "{\"query_execution_id\":\"$(qid "$out")\",\"row_count\":3}" "$(cat "$T/out.json")" "the output"
# DDL: no row count
out=$(athena repair '"query":"MSCK REPAIR TABLE events"' | "$drv" run athena_query) || fail "DDL failed: $out"
assert_not_contains "$out" "rows"

# ---- failure: the reason and Athena's error in the log ----
out=$(athena broken '"query":"SELECT * FROM failing_table"' | "$drv" run athena_query) && fail "failed query succeeded: $out"
id=$(qid "$out")
assert_contains "$out" "query $id: FAILED"
assert_contains "$out" "query $id FAILED: TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.lake.failing_table' does not exist"
assert_contains "$out" "query $id error: type 1301, category 2: TABLE_NOT_FOUND"

# ---- no output location and no work group: Athena's refusal ----
out=$(printf '{"type":"athena_query","options":{"query":"SELECT 1"}}' | "$drv" run athena_query) && fail "no output location accepted"
assert_contains "$out" "AmazonAthena.StartQueryExecution: InvalidRequestException: No output location provided"

# ---- a wrong secret is refused ----
out=$(athena count '"query":"SELECT 1"' | AWS_SECRET_ACCESS_KEY=wrong "$drv" run athena_query) && fail "wrong secret accepted"
assert_contains "$out" "SignatureDoesNotMatch"

# ---- stop: SIGTERM -> StopQueryExecution, once; the query ends CANCELLED ----
athena slow '"query":"SELECT hang FROM events","work_group":"etl"' | "$drv" run athena_query >"$T/slow.log" 2>&1 &
pid=$!
on_exit "kill $pid 2>/dev/null"
wait_for 10 "the query to run" grep -q ': RUNNING$' "$T/slow.log"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -ne 0 ] || fail "a stopped query's try exited 0"
id=$(qid "$(cat "$T/slow.log")")
assert_contains "$(cat "$T/slow.log")" "stopping: StopQueryExecution $id"
assert_contains "$(cat "$T/slow.log")" "query $id: CANCELLED"
assert_contains "$(cat "$T/slow.log")" "query $id CANCELLED: Query cancelled by user"
assert_eq 1 "$(grep -c "AmazonAthena StopQueryExecution {\"QueryExecutionId\": \"$id\"}" "$AWS_DOUBLE_LOG")" "StopQueryExecution calls"
assert_contains "$(grep 'SELECT hang' "$AWS_DOUBLE_LOG")" '"WorkGroup": "etl"'

# ---- through a DAG: a param with a quote stays one SQL literal ----
new_home
cat >"$H/sluice.yaml" <<'CFG'
connections:
  aws_lake: {type: aws, region: us-east-1}
CFG
cat >"$H/dags/lake.yaml" <<'DAG'
dag: athena_lake
schedule: "@daily"
start: 2026-12-01T00:00:00Z
params:
  store: {type: string, default: "Joe's'; DROP TABLE events; --"}
tasks:
  count:
    type: athena_query
    connection: aws_lake
    database: lake
    output_location: s3://athena-out/lake/
    poll_interval: 50ms
    query: "SELECT count(*) FROM events WHERE store = {{ params.store }} AND dt = {{ ds }}"
DAG
out=$(sl dags validate 2>&1) || fail "the DAG does not validate: $out"
out=$(sl test athena_lake count 2026-12-03 2>&1) || fail "sluice test failed: $out"
assert_contains "$out" ": SUCCEEDED"
assert_contains "$(grep 'FROM events WHERE store' "$AWS_DOUBLE_LOG")" \
	"\"QueryString\": \"SELECT count(*) FROM events WHERE store = 'Joe''s''; DROP TABLE events; --' AND dt = '2026-12-03'\""
echo ok
