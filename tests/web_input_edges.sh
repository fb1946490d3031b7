#!/bin/bash
# Values are data, at the edges the other trust tests leave: a clear's or
# mark's flag that is not true or false is refused, not read as false (a
# "dry_run": "true" cleared for real).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
cat > "$H/dags/u.yaml" <<'YAML'
dag: u
schedule: none
params: {n: {type: integer, default: 1}}
tasks:
  a: {command: "true"}
  b: {command: "exit 1", after: [a]}
YAML
start_standalone

# --- a flag that is not a boolean: 400 naming it, nothing changes ---
assert_status 201 POST /dags/u/runs '{"partition":"p1"}'
wait_run u p1 failed 60
tis() { q "SELECT group_concat(task_id || '=' || state, ' ') FROM task_instances WHERE dag_id = 'u' ORDER BY task_id"; }
before=$(tis)
assert_eq "a=success b=failed" "$before" "the run's task instances"
for v in '"true"' '1' '"false"' '[]'; do
	assert_status 400 POST /dags/u/clear "{\"partitions\":[\"p1\"],\"dry_run\":$v}"
	assert_contains "$(cat "$T/body")" "dry_run must be true or false" "clear's refusal names the flag"
	for flag in downstream upstream only_failed; do
		assert_status 400 POST /dags/u/clear "{\"partitions\":[\"p1\"],\"$flag\":$v,\"dry_run\":true}"
		assert_contains "$(cat "$T/body")" "$flag must be true or false" "clear's refusal names $flag"
	done
done
for flag in dry_run clear_downstream; do
	assert_status 400 POST /dags/u/mark "{\"tasks\":[\"b\"],\"partitions\":[\"p1\"],\"state\":\"success\",\"$flag\":\"true\"}"
	assert_contains "$(cat "$T/body")" "$flag must be true or false" "mark's refusal names the flag"
done
assert_eq "$before" "$(tis)" "the task instances after the refused clears and marks"
assert_eq 0 "$(q "SELECT count(*) FROM audit WHERE action IN ('clear', 'mark')")" "audit rows of refused actions"
# true, false and null still do what they say
assert_status 200 POST /dags/u/clear '{"partitions":["p1"],"dry_run":true,"only_failed":false,"downstream":null}'
assert_eq true "$(jget 'd["dry_run"]')" "a dry run"
assert_eq "$before" "$(tis)" "a dry run changes nothing"

echo "web_input_edges: ok"
