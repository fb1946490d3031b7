#!/bin/bash
# Secret values never reach a task's log: a secret param and a secret-
# looking env value that the command prints (each split over two writes,
# so the supervisor reads them in pieces) are written as ***, in the log
# file, in `sluice logs` and in the API's log; the other output is kept
# as it was. A try with no secret value logs as before.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
PARAM_VALUE=pw-Zq81-param-value
ENV_VALUE=tok-7f3e-env-value-42
cat > "$H/dags/secrety.yaml" <<YAML
dag: secrety
schedule: none
params:
  pw: {type: string, secret: true}
  plain: {type: string, default: visible-text}
tasks:
  show:
    env: {P: "{{ params.pw }}", API_TOKEN: "$ENV_VALUE", PLAIN: "{{ params.plain }}"}
    command: |
      printf 'param=%s' "\${P%"\${P#pw-Zq8}"}"; sleep 0.2; printf '%s;\n' "\${P#pw-Zq8}"
      printf 'env=%s' "\${API_TOKEN%"\${API_TOKEN#tok-7f}"}"; sleep 0.2; printf '%s;\n' "\${API_TOKEN#tok-7f}"
      echo "twice=\$P\$P plain=\$PLAIN"
      printf 'tail=pw-Z'
  clean:
    command: "echo plain=pw-Zq81-param-valu nothing secret here"
YAML
start_standalone

assert_status 201 POST /dags/secrety/runs '{"partition":"r1","params":{"pw":"'$PARAM_VALUE'"}}'
wait_run secrety r1 success 60
log=$(cat "$H/logs/secrety/r1/show/try-1.log")
while IFS='|' read -r want what; do
	assert_contains "$log" "$want" "$what"
done <<CASES
param=***;|a secret param split over two writes
env=***;|a secret-looking env value split over two writes
twice=****** plain=visible-text|every occurrence, and the rest as it was
tail=pw-Z|a tail that only starts like a secret is written at the end
CASES
for view in "$log" "$(sl logs secrety show r1)"; do
	assert_not_contains "$view" "$PARAM_VALUE" "the secret param's value"
	assert_not_contains "$view" "$ENV_VALUE" "the secret env value"
done
assert_contains "$(sl logs secrety show r1)" "param=***;" "sluice logs"
assert_status 200 GET /dags/secrety/runs/r1/tasks/show/logs/1
assert_contains "$(cat "$T/body")" "param=***;" "the API's log"
assert_not_contains "$(cat "$T/body")" "$PARAM_VALUE" "the API's log: the param"
assert_not_contains "$(cat "$T/body")" "$ENV_VALUE" "the API's log: the env value"
# a try with nothing secret: its output as it came
assert_eq "plain=pw-Zq81-param-valu nothing secret here" "$(cat "$H/logs/secrety/r1/clean/try-1.log")" "a try without secrets"
echo "try_log_secrets: ok"
