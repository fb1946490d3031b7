#!/bin/bash
# The everyday verbs after a failure, as a data engineer types them: a
# failed task marked success, another marked failed; what `sluice tasks`
# then shows beside each; the task and partition typed the other way
# round; one run deleted, one cleaned: messages that count one thing say
# it in the singular.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/rep.yaml" <<'YAML'
dag: rep
schedule: none
tasks:
  build: {command: 'true'}
  fail_me: {command: 'echo boom >&2; exit 3', after: [build]}
  publish: {command: 'true', after: [fail_me], group: ship}
YAML
start_scheduler
set +e
sl trigger rep --partition p1 --wait >"$T/out" 2>"$T/err"; st=$?
set -e
assert_eq 1 "$st" "trigger --wait of a run that fails"
row=$(sl tasks rep p1 | grep '^fail_me ')
case "$row" in "fail_me "*" failed "*" 1/1 "*" 3 "*" exit code 3: boom") ;; *) fail "the failed task: $row" ;; esac

# marked success: the error is gone (the try keeps its exit code and log)
sl mark rep fail_me p1 success >"$T/out"
assert_contains "$(cat "$T/out")" "downstream task instance that stays upstream_failed: publish" \
	"mark: the one task instance left upstream_failed"
row=$(sl tasks rep p1 | grep '^fail_me ')
case "$row" in "fail_me "*" success "*) ;; *) fail "fail_me marked success: $row" ;; esac
assert_not_contains "$row" "exit code 3" "tasks: the error of a task marked success"
assert_eq null "$(sl --json tasks rep p1 | /usr/bin/python3 -c '
import json,sys
print(json.dumps([t for t in json.load(sys.stdin) if t["task"] == "fail_me"][0]["error"]))')" \
	"--json: the error of a task marked success"
assert_contains "$(sl logs rep fail_me p1)" "boom" "the try's log stays"
# the lines sluice adds to a try's log carry their offset as partition
# keys do (+00:00, not Z)
sl logs rep fail_me p1 | grep -Eq '^\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00 sluice\] try 1 of 1 failed: exit code 3$' ||
	fail "the log's own line: $(sl logs rep fail_me p1)"

# marked success again: nothing changes, not even the run's end (it was
# opened to be settled again, and ended anew)
run_settled() { [ -n "$(q "SELECT ended_at FROM dag_runs WHERE dag_id='rep' AND partition='p1' AND state IN ('success', 'failed')")" ]; }
wait_for 20 "the run to settle after the mark" run_settled
ended=$(q "SELECT state || ' ' || ended_at FROM dag_runs WHERE dag_id='rep' AND partition='p1'")
audits=$(q "SELECT count(*) FROM audit")
assert_eq "rep fail_me p1 is already success (unchanged; dry run)" \
	"$(sl mark rep fail_me p1 success --dry-run | head -n 1)" "mark --dry-run of a task already success"
out=$(sl mark rep fail_me p1 success)
assert_eq "rep fail_me p1 is already success (unchanged)" "$(head -n 1 <<<"$out")" "mark of a task already success"
assert_contains "$out" "downstream task instance that stays upstream_failed: publish" \
	"mark of a task already success: what it left upstream_failed"
assert_eq "$ended" "$(q "SELECT state || ' ' || ended_at FROM dag_runs WHERE dag_id='rep' AND partition='p1'")" \
	"the run of a mark that changed nothing"
assert_eq "$audits" "$(q "SELECT count(*) FROM audit")" "no audit row for a mark that changed nothing"
assert_eq false "$(sl --json mark rep fail_me p1 success | /usr/bin/python3 -c 'import json,sys; print(str(json.load(sys.stdin)["changed"]).lower())')" \
	"--json: changed"

# marked failed without an error of its own: it says who failed it
sl mark rep publish p1 failed >/dev/null
row=$(sl tasks rep p1 | grep '^publish ')
assert_contains "$row" "marked failed by cli:" "tasks: a task marked failed"

# the partition typed before the task (mark DAG PARTITION TASK), or a
# task misspelt: exit 2, saying which is the task or what was meant
while IFS='|' read -r args want; do
	set +e
	# shellcheck disable=SC2086
	sl $args >/dev/null 2>"$T/err"; st=$?
	set -e
	assert_eq 2 "$st" "exit code of: $args"
	assert_contains "$(cat "$T/err")" "$want" "$args"
done <<'CASES'
mark rep p1 fail_me failed|sluice mark: 'fail_me' is a task of DAG rep and 'p1' is not: the task comes before the partition
logs rep p1 fail_me|sluice logs: 'fail_me' is a task of DAG rep and 'p1' is not: the task comes before the partition
mark rep fail_mee p1 failed|sluice: DAG rep has no task 'fail_mee' (did you mean 'fail_me'?)
logs rep zzzzzz p1|sluice: DAG rep has no task 'zzzzzz' (its tasks: build, fail_me, publish)
clear rep --task pubish --yes|sluice: DAG rep has no task 'pubish' (did you mean 'publish'?)
clear rep --task ship --yes|sluice: DAG rep has no task 'ship' (it is a group; its tasks: publish)
mark rep fail_me failed p1|sluice mark: the partition comes before the state: sluice mark rep fail_me p1 failed
CASES
assert_eq success "$(task_state rep p1 fail_me)" "a mark refused changes nothing"

# one run: deleted, and cleaned away with its one task instance
cat >"$H/dags/one.yaml" <<'YAML'
dag: one
schedule: none
tasks:
  only: {command: 'true'}
YAML
wait_for 10 "one to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q '^one '"
sl dags unpause one >/dev/null
sl trigger one --partition gone --wait >/dev/null
sl trigger one --partition old --wait >/dev/null
assert_eq "would delete gone
1 run would be deleted with its task instances (dry run; logs stay)" \
	"$(sl runs delete one gone --dry-run)" "runs delete --dry-run of one run"
assert_eq "deleted gone
deleted 1 run of one (logs stay in $H/logs/one)" "$(sl runs delete one gone --yes)" "runs delete of one run"
tomorrow=$(date -u -d tomorrow +%Y-%m-%d)
out=$(sl db clean --dag one --before "$tomorrow" --dry-run)
assert_contains "$out" "would remove run one old (partition ended " "db clean --dry-run: the run"
assert_contains "$out" "; success; 1 task instance, 1 try, 1 log file)" "db clean --dry-run: what it holds"
assert_contains "$out" "would remove 1 run, 1 task instance, 1 try, 1 log file and 0 audit rows older than ${tomorrow}T00:00:00+00:00 of DAG one" \
	"db clean --dry-run: the totals"
out=$(sl db clean --dag one --before "$tomorrow" --logs-only --dry-run)
assert_contains "$out" "would remove 1 log file of run one old" "db clean --logs-only: the run"
assert_contains "$out" "would remove 1 log file of 1 run older than" "db clean --logs-only: the totals"
echo "cli_mark_walk: ok"
