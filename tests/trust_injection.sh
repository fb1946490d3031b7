#!/bin/bash
# Values are data, never code: an operator (who may trigger runs but not
# change what runs) puts shell code into params and partition keys, through
# the API and the CLI, against a string command, double quotes, single
# quotes, $(...), an on_success / on_failure hook and a cluster_job
# command template. No injected command runs; the logs show the values as
# literal text.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
cat > "$H/dags/inj.yaml" <<'YAML'
dag: inj
schedule: none
params: {x: hello}
tasks:
  plain: {command: "echo plain={{ params.x }}"}
  dq: {command: "echo \"dq={{ params.x }}\""}
  sq: {command: "echo 'sq={{ params.x }}'"}
  subst: {command: "echo \"subst=$(echo {{ params.x }})\""}
  part: {command: "echo part={{ partition }}"}
  hooked:
    command: "true"
    on_success: "echo hook={{ params.x }} part={{ partition }}"
  failing:
    command: "exit 3"
    on_failure: "echo failhook={{ params.x }}"
  cj:
    type: cluster_job
    backend: command
    poll_interval: 50ms
    submit: "echo submit={{ params.x }} >&2; echo job-1"
    status: "echo status={{ params.x }} >&2; echo SUCCEEDED"
    cancel: "echo cancel={{ params.x }}"
YAML
start_standalone

# log DAG PARTITION TASK: the task's log (sluice logs)
log() { sl logs "$1" "$3" "$2"; }
# run_body PARTITION [NAME VALUE]: a trigger's JSON body
run_body() {
	python3 -c 'import json,sys
a = sys.argv[1:]
b = {"partition": a[0]}
if len(a) > 1: b["params"] = {a[1]: a[2]}
print(json.dumps(b))' "$@"
}

# --- params through the API with an operator token ---
X="hi; id > $T/pwned-api; echo \$(touch $T/pwned-subst) \`touch $T/pwned-tick\`"
assert_status 201 POST /dags/inj/runs "$(run_body p1 x "$X")"
wait_run inj p1 failed 60
assert_eq "" "$(ls "$T" | grep '^pwned' || true)" "files the injected commands made"
# hooks run after the try ends, appending to its log
hook_logged() { log inj p1 hooked | grep -qF "hook=$X part=p1"; }
failhook_logged() { log inj p1 failing | grep -qF "failhook=$X"; }
wait_for 30 "the on_success hook's output" hook_logged
wait_for 30 "the on_failure hook's output" failhook_logged
assert_eq "" "$(ls "$T" | grep '^pwned' || true)" "files the injected hooks made"
for t in plain dq sq subst part hooked cj; do
	ti_is inj p1 "$t" success || fail "task $t did not succeed: $(log inj p1 "$t")"
done
assert_contains "$(log inj p1 plain)" "plain=$X" "plain: the value as literal text"
assert_contains "$(log inj p1 dq)" "dq=$X" "double quotes: the value as literal text"
assert_contains "$(log inj p1 sq)" "sq=$X" "single quotes: the value as literal text"
assert_contains "$(log inj p1 subst)" "subst=$X" "\$(...): the value as literal text"
assert_contains "$(log inj p1 cj)" "submit=$X" "cluster_job submit: the value as literal text"
assert_contains "$(log inj p1 cj)" "status=$X" "cluster_job status: the value as literal text"

# --- quotes, newlines and the empty string stay one word ---
P=q0
for Q in "it's \"quoted\" ' \\ end" "two
lines" ""; do
	P=q$((${P#q} + 1))
	assert_status 201 POST /dags/inj/runs "$(run_body "$P" x "$Q")"
	wait_run inj "$P" failed 60
	for t in plain dq sq subst; do
		ti_is inj "$P" "$t" success || fail "task $t with [$Q]: $(log inj "$P" "$t")"
		assert_contains "$(log inj "$P" "$t")" "$t=$Q" "$t with [$Q]"
	done
done

# --- a partition key through the API: an unscheduled DAG's new key is
# letters, digits and . _ : + -, so shell text is refused before it runs ---
K="k\$(touch $T/pwned-key)"
assert_status 400 POST /dags/inj/runs "$(run_body "$K")"
assert_contains "$(cat "$T/body")" "cannot be a partition key" "a shell-like key is refused"
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE partition LIKE '%pwned%'")" "no run of the refused key"
assert_eq "" "$(ls "$T" | grep '^pwned' || true)" "files an injected partition key made"

# --- params through the CLI trigger ---
C="cli; touch $T/pwned-cli #"
sl trigger inj --partition c1 --param "x=$C" >/dev/null
wait_run inj c1 failed 60
assert_eq "" "$(ls "$T" | grep '^pwned' || true)" "files an injected CLI param made"
assert_contains "$(log inj c1 plain)" "plain=$C" "CLI param: literal text"

# --- stock_bollinger_daily: params.symbols is declared with a pattern ---
cp "$SLUICE_SRCDIR/dags/stock_bollinger_daily.yaml" "$H/dags/"
dag_loaded() { [ "$(api GET /dags/stock_bollinger_daily)" = 200 ]; }
wait_for 30 "stock_bollinger_daily to load" dag_loaded
S="ACME\"; touch $T/pwned-boll; echo \""
assert_status 400 POST /dags/stock_bollinger_daily/runs "$(run_body 2024-03-08 symbols "$S")"
assert_contains "$(cat "$T/body")" "param 'symbols' must match the pattern" "the refusal names the param"
rc=0
sl trigger stock_bollinger_daily --partition 2024-03-08 --param "symbols=$S" >/dev/null 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "the CLI's exit status for a bad symbols param"
assert_contains "$(cat "$T/err")" "param 'symbols' must match the pattern" "the CLI names the param"
assert_eq "" "$(ls "$T" | grep '^pwned' || true)" "files an injected symbols param made"
echo "trust_injection: ok"
