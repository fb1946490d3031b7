#!/bin/bash
# A data engineer's first DAG, written from docs/DAGS.md and
# scheduler/TEMPLATES.md, checked where the docs say things show:
# `sluice dags show` lists the declared params (type, rules, default,
# description; a secret param's default masked, in --json too); the task
# page shows the task's description; `sluice runs --json` masks a secret
# param's value as the API does; `sluice logs` of a task instance
# that ended without a try (upstream_failed; a mapped task, whose items
# have the logs) says so at once, with --follow too, instead of waiting
# for a try that never comes; `trigger --wait` points at a log only for a
# task that has one; `sluice man sluice-dag` is the page sluice-dag(5).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
cat > "$H/dags/walk.yaml" <<'YAML'
dag: walk
params:
  table: public.prices
  window: {type: integer, default: 20}
  symbols:
    description: ticker symbols, separated by single spaces
    type: string
    pattern: "[A-Z]{1,10}( [A-Z]{1,10}){0,49}"
    default: ACME GLOBEX
  mode: {enum: [full, delta], default: delta}
  api_token: {type: string, secret: true, default: hunter2-default}
  suffix: ""
tasks:
  load:
    description: load the day's <trades>
    command: "true"
  bad: {command: "false"}
  after_bad: {after: [bad], command: "true"}
  items:
    foreach: [a, b]
    command: echo {{ item }}
  too_many:
    foreach: [a, b, c]
    max_map: 2
    command: echo {{ item }}
YAML

# dags show: the params a trigger may give, as TEMPLATES.md says
out=$(sl dags show walk)
assert_contains "$out" "PARAMS"
assert_contains "$out" "window                 integer, default 20"
assert_contains "$out" "symbols                string, pattern [A-Z]{1,10}( [A-Z]{1,10}){0,49}, default ACME GLOBEX: ticker symbols, separated by single spaces"
assert_contains "$out" "mode                   string, one of full | delta, default delta"
assert_contains "$out" "api_token              string, secret, default ***"
# an empty default is shown as one (it printed as nothing)
assert_contains "$out" 'suffix                 default ""'

assert_not_contains "$out" "hunter2" "dags show"
sl dags show walk --json > "$T/body"
assert_eq '***' "$(jget 'd["param_decls"]["api_token"]["default"]')" "the secret's default in --json"
assert_eq '***' "$(jget 'd["params"]["api_token"]')" "the secret's value in --json params"
assert_eq "ticker symbols, separated by single spaces" \
	"$(jget 'd["param_decls"]["symbols"]["description"]')" "a description in --json"
assert_not_contains "$(cat "$T/body")" "hunter2" "dags show --json"

# the man page by the name it is installed under, as the docs call it
assert_eq "$("$SLUICE" man dag)" "$("$SLUICE" man sluice-dag)" "sluice man sluice-dag"
assert_eq "$("$SLUICE" man config)" "$("$SLUICE" man sluice.yaml)" "sluice man sluice.yaml"
# sluice(1)'s FILES say what the DAG folder loads, as the README does
assert_contains "$("$SLUICE" man sluice)" 'one DAG per *.yaml or *.yml file, in subfolders too' "sluice(1) FILES"

# dags show names the needs of a task too (a DAG whose needs are all its
# tasks' showed none), in --json under the task
cat > "$H/dags/walk_up.yaml" <<'YAML'
dag: walk_up
schedule: "@hourly"
start: 2026-01-01T00:00:00Z
tasks:
  load: {command: "true"}
YAML
cat > "$H/dags/walk_down.yaml" <<'YAML'
dag: walk_down
schedule: "@daily"
start: 2026-01-01T00:00:00Z
tasks:
  bands:
    needs: [{dag: walk_up, task: load, offset: -1}]
    command: "true"
  per_symbol:
    after: [bands]
    foreach: {output: bands, key: symbols}
    command: echo {{ item }}
YAML
out=$(sl dags show walk_down)
assert_contains "$out" "TASK NEEDS (each task waits for these too)
  bands                  DAG walk_up task load, offset -1"
sl dags show walk_down --json > "$T/body"
assert_eq "walk_up load -1" "$(jget '" ".join(str(d["tasks"][0]["needs"][0][k]) for k in ("dag", "task", "offset"))')" "a task's needs in dags show --json"

# one task's foreach as the file writes it (it said "bands" for the
# output form, "a list" for a literal one)
assert_contains "$(sl dags show walk_down per_symbol)" "foreach          {output: bands, key: symbols}"
assert_contains "$(sl dags show walk items)" 'foreach          ["a","b"]'

# -p is --partition: a param typed after it (as other tools take -p) is
# named as one, not refused as a partition key
for verb in trigger clear; do
	set +e
	sl $verb walk -p window=5 >"$T/p.out" 2>"$T/p.err"
	st=$?
	set -e
	assert_eq 2 "$st" "$verb -p NAME=VALUE"
	assert_contains "$(cat "$T/p.err")" "sluice $verb: 'window=5' is a param, not a partition: -p is --partition; a param is --param window=5"
done

start_standalone
set +e
sl trigger walk --partition p1 --param api_token=given-s3cret --wait >"$T/wait.out" 2>"$T/wait.err"
st=$?
set -e
assert_eq 1 "$st" "trigger --wait of a failing run"
# a task that failed before any try has no log to point at
assert_contains "$(cat "$T/wait.err")" "too_many failed: foreach gave 3 items, more than max_map (2)"
assert_not_contains "$(grep too_many "$T/wait.err")" "(log:" "the summary of a task without a try"
assert_contains "$(cat "$T/wait.err")" "bad failed: exit code 1 (log: sluice logs walk bad p1)"
# the run's params: a secret one is *** in runs --json, as in the API
sl runs walk --json > "$T/body"
assert_eq '***' "$(jget 'd[0]["params"]["api_token"]')" "a secret param in runs --json"
assert_not_contains "$(cat "$T/body")" "given-s3cret" "runs --json"

# logs of a task instance that ended without a try: at once, also with
# --follow (which waited forever for a first try)
for follow in "" --follow; do
	set +e
	timeout 10 "$SLUICE" --home "$H" logs walk after_bad p1 $follow >"$T/l.out" 2>"$T/l.err"
	st=$?
	set -e
	assert_eq 1 "$st" "logs $follow of an upstream_failed task"
	assert_contains "$(cat "$T/l.err")" "walk after_bad p1 ended upstream_failed without a try: it has no log"
done
set +e
timeout 10 "$SLUICE" --home "$H" logs walk items p1 --follow >"$T/l.out" 2>"$T/l.err"
st=$?
set -e
assert_eq 1 "$st" "logs of a mapped task"
assert_contains "$(cat "$T/l.err")" "items is a mapped task: each item has its own log (sluice logs walk 'items[0]' p1)"
assert_eq b "$(sl logs walk 'items[1]' p1)" "an item's log"

# the task page shows the task's description (as text)
login viewer "$VIEWER_PW" "$T/jar"
page=$(curl -sS -b "$T/jar" "$URL/dags/walk/runs/p1/tasks/load")
assert_contains "$page" '<p class="desc" id="task-description">load the day&#39;s &lt;trades&gt;</p>'
page=$(curl -sS -b "$T/jar" "$URL/dags/walk/runs/p1/tasks/bad")
assert_not_contains "$page" 'id="task-description"' "the page of a task without a description"
