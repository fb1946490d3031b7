#!/bin/bash
# New DAGs start paused with the default config (dags_paused_at_creation:
# true): at the scheduler's start and when a file appears later; a DAG
# unpaused by a person runs. With dags_paused_at_creation: false they
# start at once. (The scheduler is started here by hand: start_scheduler
# gives the suite's homes the false setting.)
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
dag_yaml() {
	cat <<YAML
dag: $1
schedule: "@hourly"
start: $(date -u -d '-3 hours' +%Y-%m-%dT%H:00:00Z)
catchup: true
tasks:
  t: {command: "true"}
YAML
}
runs_of() { q "SELECT count(*) FROM dag_runs WHERE dag_id = '$1'"; }
has_runs() { [ "$(runs_of "$1")" -gt 0 ]; }
row_is() { [ "$(q "SELECT paused FROM dags WHERE dag_id = '$1'")" = "$2" ]; }
run_scheduler() {
	local before
	before=$(grep -c 'scheduler started' "$T/scheduler.log" 2>/dev/null || true)
	"$SLUICE" --home "$H" scheduler >>"$T/scheduler.log" 2>&1 &
	SCHED_PID=$!
	on_exit "stop_pid $SCHED_PID"
	_up() { [ "$(grep -c 'scheduler started' "$T/scheduler.log")" -gt "${before:-0}" ]; }
	wait_for 15 "the scheduler to start" _up
}

# --- the default config: no dags_paused_at_creation key ---
: >"$H/sluice.yaml"
dag_yaml quiet >"$H/dags/quiet.yaml"
dag_yaml wanted >"$H/dags/wanted.yaml"
sl dags unpause wanted >/dev/null	# a person's choice before any scheduler ran
# before any scheduler has recorded quiet, the CLI already says it will
# start paused (it said "no", and trigger said nothing of a pause)
sl --json dags list | /usr/bin/python3 -c '
import json,sys
d = {x["dag"]: x for x in json.load(sys.stdin) if x["dag"]}
assert d["quiet"]["paused"] is True and d["wanted"]["paused"] is False, d
'
assert_contains "$(sl dags list)" "when unpaused" "dags list of a new DAG"
sl dags next quiet -n 1 >/dev/null 2>"$T/err"
assert_contains "$(cat "$T/err")" "DAG quiet is paused"
run_scheduler
wait_for 20 "wanted (unpaused) to get runs" has_runs wanted
assert_eq 1 "$(q "SELECT paused FROM dags WHERE dag_id = 'quiet'")" "quiet is paused at creation"
assert_eq 0 "$(runs_of quiet)" "runs of the paused new DAG"
sl --json dags list | /usr/bin/python3 -c '
import json,sys
d = {x["dag"]: x for x in json.load(sys.stdin) if x["dag"]}
assert d["quiet"]["paused"] is True and d["wanted"]["paused"] is False, d
'
# a file that appears later starts paused too
dag_yaml later >"$H/dags/later.yaml"
wait_for 20 "later to be recorded paused" row_is later 1
# ... and runs once unpaused (--json: what changed, as JSON; it was text)
assert_eq '[{"dag": "later", "paused": false}]' \
	"$(sl --json dags unpause later | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')" \
	"dags unpause --json"
wait_for 20 "later to get runs once unpaused" has_runs later
assert_eq 0 "$(runs_of quiet)" "runs of the paused new DAG"
stop_pid "$SCHED_PID"

# --- dags_paused_at_creation: false ---
new_home "$T/home2"
printf 'dags_paused_at_creation: false\n' >"$H/sluice.yaml"
dag_yaml eager >"$H/dags/eager.yaml"
sl --json dags list | /usr/bin/python3 -c '
import json,sys
d = {x["dag"]: x for x in json.load(sys.stdin) if x["dag"]}
assert d["eager"]["paused"] is False, d
'
run_scheduler
wait_for 20 "eager to get runs" has_runs eager
assert_eq 0 "$(q "SELECT paused FROM dags WHERE dag_id = 'eager'")" "eager is active"
dag_yaml eager2 >"$H/dags/eager2.yaml"
wait_for 20 "a later file's DAG to get runs" has_runs eager2

# the key is checked
printf 'dags_paused_at_creation: maybe\n' >"$T/bad.yaml"
mkdir -p "$T/home3" && cp "$T/bad.yaml" "$T/home3/sluice.yaml"
if "$SLUICE" --home "$T/home3" dags list >/dev/null 2>"$T/err"; then fail "a bad dags_paused_at_creation was accepted"; fi
assert_contains "$(cat "$T/err")" "dags_paused_at_creation"
echo "dag_paused: ok"
