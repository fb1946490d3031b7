#!/bin/bash
# Task groups in the grid and the graph, in headless Chromium: a group is
# one column (one box) in the aggregate state of its tasks, and a click
# shows its tasks (tests/browser/groups_ui.mjs); the graph has a legend of
# the states, and at 390px a graph wider than the window is shaded on the
# side with more to see, a line saying it scrolls. Screenshots go to
# $WEB_SHOTS (default: the build dir's tests/shots-web_groups, kept for a
# person to look at).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
need_browser

web_home
# extract: three tasks, x2 fails (the group is failed); load waits for the
# whole group and is upstream_failed; the cluster's steps are a group in
# the scope of a setup, torn down whatever happens
cat > "$H/dags/grp.yaml" <<'YAML'
dag: grp
schedule: none
tasks:
  prep: {command: "true"}
  x1: {group: extract, after: [prep], command: "true"}
  x2: {group: extract, after: [prep], command: "exit 1"}
  x3: {group: extract, after: [prep], command: "true"}
  load: {after: ["group:extract"], command: "true"}
  create_cluster: {setup: true, command: "true"}
  step_1: {group: steps, after: [create_cluster], command: "true"}
  step_2: {group: steps, after: [step_1], command: "true"}
  terminate_cluster: {teardown_of: create_cluster, after: ["group:steps"], command: "true"}
YAML
start_standalone
assert_status 200 POST /dags/grp/unpause '{}'
assert_status 201 POST /dags/grp/runs '{"partition": "p1"}'
wait_run grp p1 failed 60
ti_is grp p1 load upstream_failed || fail "load after the failed group is upstream_failed"
ti_is grp p1 terminate_cluster success || fail "the teardown ran"

# the API: the groups and their aggregate states
assert_status 200 GET /dags/grp/grid
assert_eq '[{"name": "extract", "tasks": [1, 2, 3]}, {"name": "steps", "tasks": [6, 7]}]' \
	"$(jget 'd["groups"]')" "the grid's groups"
assert_eq '["failed", "success"]' "$(jget 'd["partitions"][0]["group_cells"]')" "the groups' states"

# the DAG's task list says who is in which group, and the setup/teardown
assert_status 200 GET /dags/grp
assert_eq extract "$(jget '[t for t in d["task_list"] if t["name"] == "x2"][0]["group"]')" "x2's group"
assert_eq create_cluster "$(jget '[t for t in d["task_list"] if t["name"] == "terminate_cluster"][0]["teardown_of"]')" "the teardown's setup"
assert_eq true "$(jget '[t for t in d["task_list"] if t["name"] == "create_cluster"][0]["setup"]')" "the setup"
# the clear preview of a step lists its setup and teardown too
assert_status 200 POST /dags/grp/clear '{"tasks": ["step_1"], "partitions": ["p1"], "dry_run": true}'
assert_eq '["create_cluster", "step_1", "terminate_cluster"]' \
	"$(jget 'sorted(x["task"] for x in d["task_instances"])')" "the clear preview of step_1"

SHOTS=${WEB_SHOTS:-$PWD/tests/shots-web_groups}
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
URL=$URL OPS_PW=$OPS_PW SHOTS=$SHOTS \
	node "$SLUICE_SRCDIR/tests/browser/groups_ui.mjs" || fail "browser test failed (screenshots in $SHOTS)"
for s in 01-grid-collapsed 02-grid-expanded 03-graph-collapsed 04-graph-expanded 05-clear-preview 06-graph-390 07-graph-390-end; do
	[ -s "$SHOTS/$s.png" ] || fail "no screenshot $s"
done
echo "web_groups_browser: ok"
