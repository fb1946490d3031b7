#!/bin/bash
# `sluice test` as a person checks one task of a DAG being written:
# - a task with timeout runs to its end, and a note says the timeout is
#   not applied there (the command ran past it with no word why);
# - a task reading {{ tasks.NAME.output.KEY }} takes those values with
#   --output NAME.KEY=VALUE (it could not be tested at all), and without
#   them the error says so;
# - a required param not given names the option that gives it;
# - a secret param's value is masked in the output.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/slow.yaml" <<'YAML'
dag: slow
tasks:
  slow: {timeout: 1s, command: "sleep 2; echo slept"}
  quick: {command: "echo quick"}
  count:
    command: echo "rows=3" >> "$SLUICE_OUTPUT"
  check:
    after: [count]
    command: echo "got {{ tasks.count.output.rows }} rows"
YAML
cat >"$H/dags/req.yaml" <<'YAML'
dag: req
params:
  table: {type: string, description: target table}
tasks:
  t: {command: "echo {{ params.table }}"}
YAML
out=$(sl test slow slow k1 2>&1) || fail "test slow: $out"
assert_contains "$out" "slept"
assert_contains "$out" "sluice test: note: its timeout (1s) is not applied here: the test runs until the task ends (Ctrl-C stops it); the scheduler kills a try that runs longer"
out=$(sl test slow quick k1 2>&1) || fail "test quick: $out"
assert_not_contains "$out" "timeout" "a task without timeout gets no note"

set +e
out=$(sl test slow check k1 2>&1); st=$?
set -e
assert_eq 1 "$st" "test of a task reading an output, none given"
# each output the task reads, spelled as the option wants it
assert_contains "$out" "sluice test: a test runs no upstream task: give the outputs it reads with --output TASK.KEY=VALUE: --output count.rows=VALUE"
out=$(sl test slow check k1 --output count.rows=42 2>&1) || fail "test --output: $out"
assert_contains "$out" "got 42 rows"
set +e
out=$(sl test slow check k1 --output cnt.rows=42 2>&1); st=$?
set -e
assert_eq 2 "$st" "--output naming no task"
assert_contains "$out" "--output takes TASK.KEY=VALUE with TASK a task of DAG slow, got 'cnt.rows=42'"

# a misspelt task names the one meant, as sluice logs does
set +e
out=$(sl test slow chek k1 2>&1); st=$?
set -e
assert_eq 2 "$st" "test of a misspelt task"
assert_contains "$out" "sluice: DAG slow has no task 'chek' (did you mean 'check'?)"

set +e
out=$(sl test req t k1 2>&1); st=$?
set -e
assert_eq 2 "$st" "test without a required param"
assert_contains "$out" "sluice: param 'table' is required (it has no default): give it with --param table=VALUE"
out=$(sl test req t k1 --param table=a.b 2>&1) || fail "test --param: $out"
assert_contains "$out" "a.b"

# a secret param is masked in the test's output as in a try's log, on
# stdout and stderr each (kept apart); a process the task leaves behind
# holding them does not hold the test
cat >"$H/dags/sec.yaml" <<'YAML'
dag: sec
schedule: none
params:
  token: {type: string, secret: true}
tasks:
  t: {command: "echo out {{ params.token }}; echo err {{ params.token }} >&2; (sleep 3; echo late) & exit 5"}
YAML
set +e
timeout 20 "$SLUICE" --home "$H" test sec t --param token=Hunter2Hunter2 >"$T/out" 2>"$T/err"; st=$?
set -e
assert_eq 5 "$st" "exit status of a test with a secret"
assert_eq "out ***" "$(cat "$T/out")" "stdout of a test with a secret (with 'late': held by the leftover process)"
assert_contains "$(cat "$T/err")" "err ***"
assert_not_contains "$(cat "$T/out" "$T/err")" "Hunter2" "the secret in a test's output"
echo "cli_test_task: ok"
