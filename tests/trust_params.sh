#!/bin/bash
# Params are declared and typed: a trigger with an undeclared param or a
# wrong value is refused naming the param (API 400, CLI exit 2); good
# values are converted to their type and reach the command; a secret
# param's value is masked in the audit log.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
cat > "$H/dags/typed.yaml" <<'YAML'
dag: typed
schedule: none
params:
  table: public.prices
  limit: {type: integer, default: 10, description: rows to load}
  ratio: {type: number, default: 0.5}
  full: {type: boolean, default: false}
  mode: {enum: [full, delta], default: delta}
  symbols: {type: string, pattern: "[A-Z]+( [A-Z]+)*", default: ACME}
  token: {type: string, secret: true}
tasks:
  show:
    command: "echo limit={{ params.limit }} ratio={{ params.ratio }} full={{ params.full }} mode={{ params.mode }} symbols={{ params.symbols }}"
    env: {TOKEN: "{{ params.token }}"}
YAML
start_standalone

# body PARTITION JSON-PARAMS
body() { printf '{"partition":"%s","params":%s}' "$1" "$2"; }

# --- refused through the API, naming the param ---
while IFS='|' read -r params want; do
	assert_status 400 POST /dags/typed/runs "$(body r-bad "$params")"
	assert_contains "$(cat "$T/body")" "$want" "API refusal of $params"
done <<'CASES'
{"token":"t","limit":"ten"}|param 'limit' must be an integer, got 'ten'
{"token":"t","limit":"5; id"}|param 'limit' must be an integer
{"token":"t","limit":1.5}|param 'limit' must be an integer
{"token":"t","ratio":"lots"}|param 'ratio' must be a number
{"token":"t","full":"yes"}|param 'full' must be a boolean
{"token":"t","mode":"half"}|param 'mode' must be one of full, delta, got 'half'
{"token":"t","symbols":"ACME; id"}|param 'symbols' must match the pattern [A-Z]+( [A-Z]+)*
{"token":"t","colour":"red"}|DAG typed has no param 'colour'
{"token":{"a":1}}|param 'token' must be a string, number or boolean
{"limit":3}|param 'token' is required
CASES
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'typed'")" "runs made by refused triggers"

# --- refused through the CLI: exit 2, naming the param ---
while IFS='|' read -r arg want; do
	rc=0
	sl trigger typed --partition c-bad --param token=t --param "$arg" >/dev/null 2>"$T/err" || rc=$?
	assert_eq 2 "$rc" "CLI exit status for --param $arg"
	assert_contains "$(cat "$T/err")" "$want" "CLI refusal of $arg"
done <<'CASES'
limit=ten|param 'limit' must be an integer, got 'ten'
ratio=x1|param 'ratio' must be a number
full=maybe|param 'full' must be a boolean, got 'maybe' (true or false)
mode=half|param 'mode' must be one of full, delta
symbols=acme|param 'symbols' must match the pattern
colour=red|DAG typed has no param 'colour'
CASES
# a value that is not UTF-8 is refused (it was dropped: the run took the
# param's default)
rc=0
sl trigger typed --partition c-bad --param token=t --param $'mode=\xff' >/dev/null 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "CLI exit status for a value that is not UTF-8"
assert_contains "$(cat "$T/err")" "param 'mode' must be UTF-8 text" "CLI refusal of a value that is not UTF-8"
# a param given twice is refused, as the API refuses a name twice (the
# last one was taken without a word)
rc=0
sl trigger typed --partition c-bad --param token=t --param limit=1 --param limit=2 >/dev/null 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "CLI exit status for a param given twice"
assert_contains "$(cat "$T/err")" "param 'limit' is given twice: --param limit once" "CLI refusal of a param given twice"
rc=0
sl trigger typed --partition c-bad >/dev/null 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "CLI exit status without a required param"
assert_contains "$(cat "$T/err")" "param 'token' is required" "CLI: a required param"

# --- sluice test takes --param the same way (it had none, so a DAG with a
# required param could not be tested, nor a task with another value) ---
out=$(sl test typed show t1 --param token=t --param limit=7 --param "symbols=AB CD" 2>&1) ||
	fail "test with params: $out"
assert_contains "$out" "limit=7 ratio=0.5 full=false mode=delta symbols=AB CD" "test renders given params over the defaults"
while IFS='|' read -r arg want; do
	rc=0
	sl test typed show t1 $arg >/dev/null 2>"$T/err" || rc=$?
	assert_eq 2 "$rc" "test exit status for $arg"
	assert_contains "$(cat "$T/err")" "$want" "test refusal of $arg"
done <<'CASES'
--param limit=7|param 'token' is required
--param token=t --param limit=ten|param 'limit' must be an integer, got 'ten'
--param token=t --param colour=red|DAG typed has no param 'colour'
CASES
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'typed'")" "a test records no run"
# a string param keeps the text as typed (read as JSON, 12.50 became 12.5,
# 1e3 became 1000.0, 02134 lost nothing only by luck, null was refused)
cat > "$H/dags/strs.yaml" <<'YAML'
dag: strs
schedule: none
params:
  code: {type: string, default: x}
tasks:
  show: {command: "echo code={{ params.code }}"}
YAML
for v in 12.50 1e3 02134 null '"q"' -0; do
	out=$(sl test strs show t1 --param "code=$v" 2>/dev/null) || fail "test strs with code=$v: $out"
	assert_eq "code=$v" "$out" "a string param typed as $v"
done

# --- good values: converted to their type, stored, rendered ---
assert_status 201 POST /dags/typed/runs "$(body r1 '{"token":"hunter2","limit":"25","ratio":2.5,"full":"true","mode":"full","symbols":"AB CD"}')"
assert_eq '{"full": true, "limit": 25, "mode": "full", "ratio": 2.5, "symbols": "AB CD", "token": "***"}' \
	"$(jget 'd["params"]')" "params stored with their types, the secret masked"
assert_eq '"hunter2"' "$(q "SELECT json_extract(params, '$.token') FROM dag_runs WHERE partition = 'r1'" | sed 's/.*/"&"/')" \
	"the run keeps the secret's real value for its tries"
wait_run typed r1 success 60
assert_contains "$(sl logs typed show r1)" "limit=25 ratio=2.5 full=true mode=full symbols=AB CD" "typed values reach the command"
sl trigger typed --partition c1 --param token=s3cret --param limit=7 --wait >/dev/null 2>&1 ||
	fail "CLI trigger with good params: $(sl trigger typed --partition c2 --param token=s3cret --param limit=7 2>&1)"
assert_contains "$(sl logs typed show c1)" "limit=7 ratio=0.5 full=false mode=delta symbols=ACME" "CLI values and defaults"

# --- a secret param is masked wherever the web shows it ---
assert_status 200 GET /dags/typed/runs/r1
assert_not_contains "$(cat "$T/body")" "hunter2" "the run's API shows no secret"
assert_status 200 GET /dags/typed/runs
assert_not_contains "$(cat "$T/body")" "hunter2" "the runs list shows no secret"
assert_status 200 GET /dags/typed/runs/r1/tasks/show
assert_not_contains "$(cat "$T/body")" "hunter2" "the task instance (params, rendered command) shows no secret"

# --- a secret param is masked in the audit log ---
detail=$(q "SELECT detail FROM audit WHERE action = 'trigger' AND detail LIKE '%r1%'")
assert_contains "$detail" '"token":"***"' "the audit log masks the secret"
assert_not_contains "$detail" "hunter2" "the audit log holds no secret value"
assert_contains "$detail" '"limit":"25"' "the audit log keeps the other params as given"
echo "trust_params: ok"
