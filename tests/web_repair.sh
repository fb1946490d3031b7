#!/bin/bash
# Repairable runs: a run triggered with a bad param is repaired by clearing
# it with new params (API body "params", CLI --param), which are checked as
# a trigger's, rendered by the re-run and audited (secret ones masked); or
# it is deleted (DELETE /api/v1/dags/DAG/runs/PARTITION: operator role,
# CSRF for a session, audited with its params; refused while a task runs)
# and triggered again.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
cat > "$H/dags/rep.yaml" <<'YAML'
dag: rep
schedule: none
params:
  limit: {type: integer, default: 10}
  token: {type: string, secret: true}
tasks:
  load: {command: "test {{ params.limit }} -gt 0 && echo rows={{ params.limit }}"}
YAML
cat > "$H/dags/hold.yaml" <<YAML
dag: hold
schedule: none
tasks:
  wait: {command: "while [ ! -f $T/go ]; do sleep 0.05; done"}
YAML
start_standalone
for d in rep hold; do assert_status 200 POST "/dags/$d/unpause" '{}'; done
logdata() { api GET "/dags/rep/runs/$1/tasks/load/logs/$2" >/dev/null; jget 'd["data"]'; }

# --- a run with a bad param fails; clear with new params repairs it ---
assert_status 201 POST /dags/rep/runs '{"partition":"r1","params":{"limit":0,"token":"old-secret"}}'
wait_run rep r1 failed 30
assert_status 400 POST /dags/rep/clear '{"partitions":["r1"],"params":{"limit":"many","token":"x"}}'
assert_contains "$(cat "$T/body")" "param 'limit' must be an integer" "clear's params are checked"
assert_status 400 POST /dags/rep/clear '{"partitions":["r1"],"params":{"limit":5,"token":"x","nope":1}}'
assert_contains "$(cat "$T/body")" "nope" "an undeclared param is named"
assert_status 200 POST /dags/rep/clear '{"partitions":["r1"],"params":{"limit":5,"token":"new-secret"},"dry_run":true}'
assert_eq 1 "$(jget 'd["count"]')" "dry run with params"
assert_eq '{"limit":0,"token":"old-secret"}' "$(q "SELECT params FROM dag_runs WHERE partition='r1'")" "a dry run keeps the params"
assert_status 200 POST /dags/rep/clear '{"partitions":["r1"],"params":{"limit":5,"token":"new-secret"}}'
wait_run rep r1 success 30
assert_contains "$(logdata r1 2)" "rows=5" "the re-run renders the new params"
assert_status 200 GET /dags/rep/runs/r1
assert_eq 5 "$(jget 'd["params"]["limit"]')" "the run shows its new params"
detail=$(q "SELECT detail FROM audit WHERE action = 'clear' ORDER BY id DESC LIMIT 1")
assert_contains "$detail" '"limit":5' "the clear's audit records the params"
assert_not_contains "$detail" "new-secret" "the secret param is masked in the audit"
assert_contains "$detail" '"token":"***"' "masked as ***"

# --- the CLI: clear --param does the same ---
assert_status 201 POST /dags/rep/runs '{"partition":"r2","params":{"limit":-1,"token":"t"}}'
wait_run rep r2 failed 30
set +e; sl clear rep --partition r2 --param limit=abc --param token=t --yes >"$T/out" 2>"$T/err"; st=$?; set -e
assert_eq 2 "$st" "a bad --param is a usage error"
assert_contains "$(cat "$T/err")" "param 'limit' must be an integer" "the CLI names the param"
sl clear rep --partition r2 --param limit=7 --param token=cli-secret --yes >/dev/null
wait_run rep r2 success 30
assert_contains "$(logdata r2 2)" "rows=7" "the CLI's new params are rendered"
detail=$(q "SELECT detail FROM audit WHERE action = 'clear' ORDER BY id DESC LIMIT 1")
assert_contains "$detail" '"limit":7' "the CLI clear's audit records the params"
assert_not_contains "$detail" "cli-secret" "and masks the secret"

# --- delete a run through the API, then trigger it again ---
assert_status 201 POST /dags/rep/runs '{"partition":"r3","params":{"limit":0,"token":"del-secret"}}'
wait_run rep r3 failed 30
assert_status 403 DELETE /dags/rep/runs/r3 "" "$VIEWER_TOKEN"
login ops "$OPS_PW" "$T/ops.jar"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -b "$T/ops.jar" -X DELETE "$URL/api/v1/dags/rep/runs/r3")
assert_eq 403 "$code" "a session's DELETE without CSRF"
assert_status 400 DELETE /dags/rep/runs/r9
assert_contains "$(cat "$T/body")" "r3" "no such run: the nearest keys"
[ -f "$H/logs/rep/r3/load/try-1.log" ] || fail "the log before the delete"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -b "$T/ops.jar" -H "X-CSRF-Token: $CSRF" -X DELETE "$URL/api/v1/dags/rep/runs/r3")
assert_eq 200 "$code" "a session's DELETE with CSRF: $(cat "$T/body")"
assert_eq true "$(jget 'd["deleted"]')" "deleted"
assert_status 400 GET /dags/rep/runs/r3
assert_eq 0 "$(q "SELECT count(*) FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.partition = 'r3'")" "its task instances are gone"
[ -f "$H/logs/rep/r3/load/try-1.log" ] || fail "the log stays"
detail=$(q "SELECT detail FROM audit WHERE action = 'delete_run'")
assert_contains "$detail" '"partition":"r3"' "the delete is audited"
assert_contains "$detail" '"limit":0' "with the params"
assert_not_contains "$detail" "del-secret" "secret masked"
assert_eq "web:ops" "$(q "SELECT who FROM audit WHERE action = 'delete_run'")" "by whom"
assert_status 201 POST /dags/rep/runs '{"partition":"r3","params":{"limit":3,"token":"t"}}'
wait_run rep r3 success 30

# --- a run with a running task is not deleted ---
assert_status 201 POST /dags/hold/runs '{"partition":"h1"}'
wait_for 30 "hold h1 running" ti_is hold h1 wait running
assert_status 409 DELETE /dags/hold/runs/h1
assert_contains "$(cat "$T/body")" "running" "says why"
touch "$T/go"
wait_run hold h1 success 30
assert_status 200 DELETE /dags/hold/runs/h1
