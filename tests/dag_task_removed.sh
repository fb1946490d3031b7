#!/bin/bash
# A task removed from a DAG file (renamed, say) keeps what it did in the
# runs that had it: `sluice tasks` lists it as no longer in the file
# (it failed on it: "DAG r has no task 'b'"), `sluice logs`, the API and
# its page show its tries and log (they were 404). A run triggered right
# after the edit runs the new file's tasks, not the old ones. A task
# added later is run in an older run by clearing it there. A task removed
# while it runs is stopped and ends (failed) with its run.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
web_home
cat >"$H/dags/r.yaml" <<'YAML'
dag: r
tasks:
  a: {command: "true"}
  b: {command: "echo loaded by b", after: [a]}
YAML
start_standalone
sl dags unpause r >/dev/null
sl trigger r --partition p1 --wait >/dev/null
# b becomes c; the trigger that follows at once reads the edited file
cat >"$H/dags/r.yaml" <<'YAML'
dag: r
tasks:
  a: {command: "true"}
  c: {command: "echo loaded by c", after: [a]}
YAML
sl trigger r --partition p2 --wait >/dev/null
assert_eq "a c" "$(q "SELECT group_concat(ti.task_id, ' ') FROM (SELECT ti.task_id FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.partition = 'p2' ORDER BY 1) ti")" \
	"the run triggered after the edit has the new file's tasks"
assert_eq success "$(ti_field r p2 c state)" "the new task ran"

# the CLI
out=$(sl tasks r p1) || fail "sluice tasks of a run holding a removed task: $out"
assert_contains "$out" "no longer in the DAG file (its tries and logs stay)"
assert_eq '[false, true]' "$(sl --json tasks r p1 | /usr/bin/python3 -c 'import json,sys; print(json.dumps([t["removed"] for t in json.load(sys.stdin)]))')" \
	"--json marks the removed task"
assert_contains "$(sl logs r b p1)" "loaded by b" "sluice logs of a removed task"
rc=0; sl logs r nosuch p1 >/dev/null 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "a task neither in the file nor in the run"
assert_contains "$(cat "$T/err")" "DAG r has no task 'nosuch'"

# the API and the page
assert_status 200 GET /dags/r/runs/p1/tasks/b "" "$VIEWER_TOKEN"
assert_eq true "$(jget 'd["removed"]')" "the API marks it"
assert_eq success "$(jget 'd["state"]')"
assert_eq null "$(jget 'd["waiting_for"]')"
assert_status 200 GET /dags/r/runs/p1/tasks/b/logs/1 "" "$VIEWER_TOKEN"
assert_contains "$(jget 'd["data"]')" "loaded by b" "its log through the API"
assert_status 404 GET /dags/r/runs/p1/tasks/nosuch "" "$VIEWER_TOKEN"
assert_status 404 GET /dags/r/runs/p1/tasks/nosuch/logs/1 "" "$VIEWER_TOKEN"
assert_status 200 GET /dags/r/runs/p2/tasks/c "" "$VIEWER_TOKEN"
assert_eq false "$(jget 'd["removed"]')"
page=$(curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/dags/r/runs/p1")
assert_eq 1 "$(grep -o 'class="note ti-removed"' <<<"$page" | wc -l)" "the run page marks the removed task, and it alone"
page=$(curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/dags/r/runs/p1/tasks/b")
assert_contains "$page" 'id="task-removed"' "the page says the task left the file"
assert_not_contains "$page" 'id="ti-clear"' "nothing to clear: the file has no such task"

# a task added after a run was made: the run has no instance of it;
# `sluice logs` says so and how to run it, and clearing it there adds
# what the run lacks (listed by the dry run) and runs it
cat >>"$H/dags/r.yaml" <<'YAML'
  e: {command: "echo loaded by e", after: [a]}
YAML
rc=0; sl logs r e p1 >/dev/null 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "logs of a task the run never had"
assert_contains "$(cat "$T/err")" "the run of DAG r for partition p1 has no e: the task was added to the DAG file after the run was made (\`sluice clear r --task e --partition p1\` runs it there)"
# (the web reads the DAG folder on its own scan: wait until it has e)
has_e() { api GET /dags/r "" "$VIEWER_TOKEN" >/dev/null && jget '"e" in [t["name"] for t in d["task_list"]]' | grep -q true; }
wait_for 20 "the web to read the edited DAG file" has_e
page=$(curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/dags/r/runs/p1/tasks/e")
assert_contains "$page" "the run of partition p1 has no e: the task was added to the DAG file after the run was made" "its page says the same"
out=$(sl clear r --task e --partition p1 --dry-run 2>/dev/null)
assert_eq "p1 c none
p1 e none
2 task instances would be cleared (dry run)" "$out" "the dry run lists what the run lacks (c came in with the first edit)"
sl clear r --task e --partition p1 --yes >/dev/null 2>&1
wait_run r p1 success
assert_eq success "$(ti_field r p1 e state)" "the added task ran in the old run"
assert_contains "$(sl logs r e p1)" "loaded by e"
# a task removed while it runs: its try is stopped (its process gone),
# its log says why, the run ends on the file's tasks, and the removed
# task's instance ends failed with it (it used to stay running, or
# up_for_retry, in a run said to succeed)
cat >"$H/dags/r.yaml" <<YAML
dag: r
tasks:
  a: {command: "true"}
  slow: {command: "echo \$\$ > $T/slow.pid; exec sleep 300", retries: 2}
  last: {command: "sleep 1", after: [a]}
YAML
sl trigger r --partition p3 >/dev/null
wait_ti r p3 slow running
wait_for 20 "the slow try to write its pid" test -s "$T/slow.pid"
pid=$(cat "$T/slow.pid")
cat >"$H/dags/r.yaml" <<'YAML'
dag: r
tasks:
  a: {command: "true"}
  last: {command: "sleep 1", after: [a]}
YAML
wait_run r p3 success
wait_for 20 "the removed task's process to be stopped" pid_gone "$pid"
assert_eq failed "$(ti_field r p3 slow state)" "the removed task ends with the run"
assert_eq "its task was removed from the DAG file before it ended" "$(ti_field r p3 slow error)"
out=$(sl tasks r p3)
assert_contains "$out" "no longer in the DAG file"
log=$(sl logs r slow p3)
assert_contains "$log" "its task was removed from the DAG file: stopping this try"
assert_not_contains "$log" "cleared or marked"
# an item of a task that is not mapped: said so, not "no such task"
rc=0; sl logs r 'a[0]' p3 >/dev/null 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "an item of a plain task"
assert_contains "$(cat "$T/err")" "'a[0]': task a is not a mapped task (no foreach:), so it has no items"
echo "dag_task_removed: ok"
