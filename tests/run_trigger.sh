#!/bin/bash
# Trigger a DAG and wait: templates, params, the try's environment, logs,
# exit codes, progress and a failing run.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/etl.yaml" <<'YAML'
dag: etl
params: {table: prices, limit: 10}
tasks:
  extract:
    command: 'echo "extract {{ params.table }} {{ params.limit }} part={{ partition }} try={{ try_number }}"; echo "env $SLUICE_DAG $SLUICE_TASK $SLUICE_PARTITION $SLUICE_TRY $MY_VAR"'
    env: {MY_VAR: "v-{{ params.table }}"}
  transform:
    after: [extract]
    command: [sh, -c, 'pwd; echo "$0"', "{{ task }}"]
    cwd: /tmp
  load:
    after: [transform]
    command: "echo loaded"
YAML
cat >"$H/dags/bad.yaml" <<'YAML'
dag: bad
tasks:
  first: {command: "echo going; exit 7"}
  second: {command: "true", after: [first]}
YAML
start_scheduler

sl trigger etl --partition p1 --param limit=25 --wait >"$T/out"
assert_contains "$(cat "$T/out")" "run etl p1 succeeded"
assert_eq success "$(run_state etl p1)" "run state"
for t in extract transform load; do
	assert_eq success "$(task_state etl p1 $t)" "$t"
done
log=$(sl logs etl extract p1)
assert_contains "$log" "extract prices 25 part=p1 try=1"
assert_contains "$log" "env etl extract p1 1 v-prices"
log=$(sl logs etl transform p1)
assert_contains "$log" "/tmp"
assert_contains "$log" "transform"
test -f "$H/logs/etl/p1/extract/try-1.log" || fail "log file layout"

# a second run of the same partition is refused
set +e
sl trigger etl --partition p1 >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 1 "$st" "trigger of an existing partition"
assert_contains "$(cat "$T/err")" "already has a run for partition p1"
# an undeclared param is refused
set +e
sl trigger etl --partition p2 --param colour=red >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "undeclared param"
assert_contains "$(cat "$T/err")" "has no param 'colour'"

set +e
sl trigger bad --partition x --wait >"$T/out" 2>"$T/err"; st=$?
set -e
assert_eq 1 "$st" "exit code of a failed run"
assert_contains "$(cat "$T/err")" "first failed: exit code 7"
assert_eq failed "$(task_state bad x first)"
assert_eq upstream_failed "$(task_state bad x second)"
assert_eq failed "$(run_state bad x)"
assert_eq 7 "$(ti_field bad x first exit_code)" "exit code recorded"
assert_contains "$(sl logs bad first x)" "going"
sl --json tasks bad x | /usr/bin/python3 -c '
import json,sys
t = {x["task"]: x for x in json.load(sys.stdin)}
assert t["first"]["state"] == "failed" and t["first"]["exit_code"] == 7, t
assert t["second"]["state"] == "upstream_failed", t
'
# every state change was recorded
n=$(q "SELECT count(*) FROM state_changes sc JOIN task_instances ti ON ti.id = sc.ti_id WHERE ti.task_id = 'extract'")
[ "$n" -ge 4 ] || fail "state changes of extract: $n"
echo "run_trigger: ok"
