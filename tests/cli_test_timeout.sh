#!/bin/bash
# `sluice test` of a task with timeout: runs it to its end and says that
# the timeout is not applied there (a person testing a timeout saw the
# command run past it with no word why).
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/slow.yaml" <<'YAML'
dag: slow
tasks:
  slow: {timeout: 1s, command: "sleep 2; echo slept"}
  quick: {command: "echo quick"}
YAML
out=$(sl test slow slow k1 2>&1) || fail "test slow: $out"
assert_contains "$out" "slept"
assert_contains "$out" "sluice test: note: its timeout (1s) is not applied here: the test runs until the task ends (Ctrl-C stops it); the scheduler kills a try that runs longer"
out=$(sl test slow quick k1 2>&1) || fail "test quick: $out"
assert_not_contains "$out" "timeout" "a task without timeout gets no note"
echo "cli_test_timeout: ok"
