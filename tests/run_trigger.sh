#!/bin/bash
# Trigger a DAG and wait: templates, params, the try's environment, logs,
# exit codes, progress and a failing run. A failed try's recorded error is
# its exit code or signal and the last line it wrote (its secrets masked,
# cleaned, cut): in `sluice tasks`, trigger --wait and the database.
. "$SLUICE_SRCDIR/tests/setup.sh"
# the scheduler's tries must not see a TZ this test did not set
unset TZ
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
cat >"$H/dags/why.yaml" <<'YAML'
dag: why
tasks:
  secret:
    env: {DB_PASSWORD: "hunter2-not-shown"}
    command: 'echo connecting; echo "cannot connect: password $DB_PASSWORD refused" >&2; exit 2'
  messy:
    command: 'printf "bad \\377\\033[1m bold\\n\\n"; exit 3'
  quiet: {command: "exit 1"}
  long:
    command: 'head -c 1000 /dev/zero | tr "\\0" x; echo; exit 4'
  killed:
    command: 'echo about to die; kill -9 $$'
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
# with --wait, a partition that already has a run is followed, not refused
out=$(sl trigger etl --partition p1 --wait)
assert_contains "$out" "etl partition p1 already has a run: following it"
assert_contains "$out" "run etl p1 succeeded"
assert_eq 1 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='etl' AND partition='p1'")" "no second run"
# the audit of a trigger records its params
assert_eq 25 "$(q "SELECT json_extract(detail, '$.params.limit') FROM audit WHERE action='trigger' AND dag_id='etl' AND json_extract(detail, '$.partition')='p1'")" "params in the audit"
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
# each failed try says why: its exit code (or signal) and its last line
set +e
sl trigger why --partition w --wait >"$T/out" 2>"$T/err"; st=$?
set -e
assert_eq 1 "$st" "a run whose tasks fail"
long=$(printf 'x%.0s' $(seq 1 300))
assert_eq "exit code 2: cannot connect: password *** refused" "$(ti_field why w secret error)" "secret masked"
assert_eq "exit code 3: bad ??[1m bold" "$(ti_field why w messy error)" "control characters and bad UTF-8"
assert_eq "exit code 1" "$(ti_field why w quiet error)" "a task that wrote nothing"
assert_eq "exit code 4: $long..." "$(ti_field why w long error)" "a long line, cut"
assert_eq "killed by signal 9 (Killed): about to die" "$(ti_field why w killed error)" "a signal"
assert_contains "$(cat "$T/err")" "secret failed: exit code 2: cannot connect: password *** refused"
out=$(sl tasks why w)
assert_contains "$out" "exit code 2: cannot connect: password *** refused"
assert_contains "$out" "killed by signal 9 (Killed): about to die"
assert_eq "0 0" "$(q "SELECT count(*) FROM task_instances WHERE error LIKE '%hunter2%'") $(q "SELECT count(*) FROM task_tries WHERE error LIKE '%hunter2%'")" \
	"no secret in the database"
assert_eq "exit code 2: cannot connect: password *** refused" \
	"$(q "SELECT tt.error FROM task_tries tt JOIN task_instances ti ON ti.id = tt.ti_id JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id = 'why' AND ti.task_id = 'secret'")" "the try's error"
# every state change was recorded
n=$(q "SELECT count(*) FROM state_changes sc JOIN task_instances ti ON ti.id = sc.ti_id WHERE ti.task_id = 'extract'")
[ "$n" -ge 4 ] || fail "state changes of extract: $n"
# sluice test: one task in the foreground, its output here, nothing recorded
out=$(sl test etl extract p9 2>&1)
assert_contains "$out" "extract prices 10 part=p9 try=1"
assert_contains "$out" "env etl extract p9 1 v-prices"
assert_eq "" "$(q "SELECT id FROM dag_runs WHERE partition = 'p9'")" "sluice test records nothing"
set +e
sl test bad first x9 >/dev/null 2>&1; st=$?
set -e
assert_eq 7 "$st" "sluice test exits with the task's status"

# logs --follow prints as the try writes, and ends when the try ends
cat >"$H/dags/slowlog.yaml" <<YAML
dag: slowlog
tasks:
  talk: {command: 'echo first; while [ ! -f $T/go ]; do sleep 0.1; done; echo second'}
YAML
wait_for 10 "slowlog to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q slowlog"
sl trigger slowlog --partition f1 >/dev/null
sl logs slowlog talk f1 --follow >"$T/follow.out" 2>&1 &
follow=$!
on_exit "kill $follow 2>/dev/null"
wait_for 20 "the first line through --follow" grep -q first "$T/follow.out"
assert_not_contains "$(cat "$T/follow.out")" "second"
touch "$T/go"
wait_for 20 "logs --follow to end with the try" pid_gone "$follow"
assert_contains "$(cat "$T/follow.out")" "second"

# A try's environment is the scheduler's plus the task's own: formatting
# times in a DAG's zone sets no TZ in the scheduler (it used to setenv it,
# so every later try inherited the zone of the DAG formatted last).
cat >"$H/dags/zoned.yaml" <<YAML
dag: zoned
schedule: none
timezone: Australia/Lord_Howe
tasks:
  plain: {command: 'echo "ds={{ ds }} ts={{ ts }}"; env > $T/env-plain'}
  own:
    command: 'env > $T/env-own'
    env: {TZ: Europe/Berlin}
    after: [plain]
YAML
wait_for 10 "zoned to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q zoned"
sl dags unpause zoned >/dev/null
sl trigger zoned --partition tzcheck --wait >/dev/null
assert_contains "$(sl logs zoned plain tzcheck)" "ds="
test -s "$T/env-plain" || fail "no environment written"
assert_not_contains "$(grep '^TZ=' "$T/env-plain" || true)" "TZ=" "a try without TZ inherited one"
assert_eq "TZ=Europe/Berlin" "$(grep '^TZ=' "$T/env-own")" "the task's own TZ"
# every time the CLI prints carries its offset: the DAG's zone, written
# as partition keys are (+00:00 in UTC, never Z beside them)
sl runs zoned | awk 'NR > 1 { print $4 }' >"$T/started"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+1(1:00|0:30)$' "$T/started" ||
	fail "runs STARTED in Lord Howe time with its offset: $(cat "$T/started")"
sl runs etl | awk 'NR > 1 { print $4 }' >"$T/started"
test -s "$T/started" && ! grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00$' "$T/started" ||
	fail "runs STARTED of a UTC DAG with +00:00, as its partitions: $(cat "$T/started")"

# db migrate on an up-to-date database
assert_contains "$(sl db migrate)" "schema version"
echo "run_trigger: ok"
