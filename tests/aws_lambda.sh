#!/bin/bash
# lambda_invoke against the loopback AWS test double (Lambda has no local
# server; the double, tests/doubles/aws_services.py, checks every SigV4
# signature with botocore, echoes the event back, answers a function named
# fail... with a function error, and sends a base64 log tail): the
# response and the decoded log tail in the task log; a function error
# fails the task with its payload in the log; Event invocations; a
# qualifier; unknown function; a wrong secret; a param with quotes in the
# payload stays one JSON string.
. "$SLUICE_SRCDIR/tests/setup.sh"
drv=$SLUICE_BUILDDIR/tests/op_driver
start_aws_double --key AKIDLAMBDA:lambda-secret --function ack_crawl --function fail_ack
export AWS_ACCESS_KEY_ID=AKIDLAMBDA AWS_SECRET_ACCESS_KEY=lambda-secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_LAMBDA=$AWS_DOUBLE_URL
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

lam() {
	printf '{"type":"lambda_invoke","dag":"lake","task":"ack","options":{"function_name":"%s"%s}}' "$1" "${2:-}"
}

# ---- RequestResponse: response, log tail, output ----
out=$(lam ack_crawl ',"payload":{"bucket":"lake-raw","hour":"03"}' |
	SLUICE_OUTPUT=$T/out.json "$drv" run lambda_invoke) || fail "invoke failed: $out"
assert_contains "$out" "invoking Lambda function ack_crawl (RequestResponse, lambda at $AWS_DOUBLE_URL"
assert_contains "$out" "---- function log (tail) ----
START RequestId: r-1 Version: \$LATEST
processing 2 keys
END RequestId: r-1
---- end of function log ----"
assert_contains "$out" 'response: {"statusCode": 200, "event": {"bucket": "lake-raw", "hour": "03"}}'
assert_eq '{"event":{"bucket":"lake-raw","hour":"03"},"statusCode":200}' "$(cat "$T/out.json")" "the output"
assert_contains "$(grep 'lambda Invoke ack_crawl' "$AWS_DOUBLE_LOG")" 'type=RequestResponse qualifier=$LATEST {"bucket": "lake-raw", "hour": "03"}'

# ---- a function error fails the task, its payload and log in the log ----
out=$(lam fail_ack ',"payload":{"x":"1"}' | "$drv" run lambda_invoke) && fail "a function error succeeded: $out"
assert_contains "$out" "[ERROR] KeyError: 'bucket'"
assert_contains "$out" "function error (Unhandled): {\"errorMessage\": \"'bucket'\", \"errorType\": \"KeyError\""
assert_not_contains "$out" "response:"

# ---- Event: queued, no log tail asked; a qualifier ----
out=$(lam ack_crawl ',"invocation_type":"Event","qualifier":"live"' | "$drv" run lambda_invoke) || fail "event invoke failed: $out"
assert_contains "$out" "HTTP 202"
assert_contains "$out" "event queued"
assert_not_contains "$out" "function log"
assert_contains "$(grep 'type=Event' "$AWS_DOUBLE_LOG")" 'qualifier=live {}'

# ---- unknown function; a wrong secret ----
out=$(lam nope | "$drv" run lambda_invoke) && fail "an unknown function succeeded"
assert_contains "$out" "Lambda Invoke: ResourceNotFoundException: Function not found"
out=$(lam ack_crawl | AWS_SECRET_ACCESS_KEY=wrong "$drv" run lambda_invoke) && fail "wrong secret accepted"
assert_contains "$out" "SignatureDoesNotMatch"
assert_eq 0 "$(grep -c 'lambda Invoke nope' "$AWS_DOUBLE_LOG")" "invocations of an unknown function"

# ---- load-time check ----
new_home
cat >"$H/dags/bad.yaml" <<'DAG'
dag: lambda_bad
schedule: "@daily"
start: 2026-12-01T00:00:00Z
tasks:
  ack:
    type: lambda_invoke
    function_name: ack_crawl
    invocation_type: DryRun
DAG
out=$(sl dags validate 2>&1) && fail "invocation_type DryRun validated"
assert_contains "$out" "invocation_type is RequestResponse or Event, not 'DryRun'"

# ---- through a DAG: a param with quotes stays one JSON string ----
rm "$H/dags/bad.yaml"
cat >"$H/sluice.yaml" <<'CFG'
connections:
  aws_lake: {type: aws, region: us-east-1}
CFG
cat >"$H/dags/lake.yaml" <<'DAG'
dag: lambda_lake
schedule: "@daily"
start: 2026-12-01T00:00:00Z
params:
  note: {type: string, default: "it's \", \"admin\": true, \"x\": \""}
tasks:
  ack:
    type: lambda_invoke
    connection: aws_lake
    function_name: ack_crawl
    payload:
      day: "{{ ds }}"
      note: "{{ params.note }}"
      keys: [a, "{{ ds_nodash }}"]
DAG
out=$(sl dags validate 2>&1) || fail "the DAG does not validate: $out"
out=$(sl test lambda_lake ack 2026-12-03 2>&1) || fail "sluice test failed: $out"
assert_contains "$out" "response:"
got=$(grep 'lambda Invoke ack_crawl' "$AWS_DOUBLE_LOG" | tail -1)
assert_contains "$got" '{"day": "2026-12-03", "keys": ["a", "20261203"], "note": "it'"'"'s \", \"admin\": true, \"x\": \""}'
assert_not_contains "$got" '"admin": true,'
echo ok
