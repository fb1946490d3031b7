#!/bin/bash
# dags/transient_cluster.yaml end to end: the cluster is created, the
# steps run, and it is always terminated; a failed step fails the run but
# the teardown still runs; clearing a step clears the setup and the
# teardown too (the preview lists them) and the re-run gets a cluster of
# its own, terminated after it.
. "$SLUICE_SRCDIR/tests/setup.sh"
H=$T/home
"$SLUICE" init "$H" --dags "$SLUICE_SRCDIR/dags" >/dev/null
assert_contains "$(sl dags validate)" "DAG files OK"
start_scheduler
sl dags unpause transient_cluster >/dev/null
C=$H/data/clusters
# dags show: the teardown's rule is its own; --json names groups and roles
out=$(sl dags show transient_cluster)
assert_contains "$out" "terminate_cluster        shell            teardown       -              "
# the groups, as the grid shows them (the table had no word of them)
assert_contains "$out" "TASK                     TYPE             RULE           GROUP          AFTER"
assert_contains "$out" "transform                shell            all_success    steps          extract"
# and which task is the setup, torn down by which (the table said neither)
assert_contains "$out" "  create_cluster         setup: torn down by terminate_cluster" "the setup in dags show"
# one task: a teardown takes no trigger_rule (it said all_success)
assert_contains "$(sl dags show transient_cluster terminate_cluster)" \
	"trigger_rule     teardown (runs once its setup succeeded and every task between them ended, whatever their states)"
sl --json dags show transient_cluster | /usr/bin/python3 -c '
import json,sys
t={x["task"]: x for x in json.load(sys.stdin)["tasks"]}
assert t["transform"]["group"] == "steps", t["transform"]
assert t["create_cluster"]["setup"] is True
assert t["terminate_cluster"]["teardown_of"] == "create_cluster"
assert t["terminate_cluster"]["on_teardown_failure"] == "fail"
' || fail "dags show --json: groups, setup and teardown"

sl trigger transient_cluster --partition good --wait >/dev/null || fail "the good run failed"
run_id=good
assert_eq TERMINATED "$(cat "$C/$run_id/state")" "the cluster is terminated"
assert_eq 3 "$(wc -l < "$C/$run_id/steps.log")" "three steps ran on it"

# a failing step: the run fails, the teardown runs anyway
if sl trigger transient_cluster --partition bad --param fail_transform=true --wait >/dev/null 2>&1; then
	fail "a run with a failed step succeeded"
fi
assert_eq failed "$(run_state transient_cluster bad)"
assert_eq failed "$(task_state transient_cluster bad transform)"
assert_eq upstream_failed "$(task_state transient_cluster bad report)"
assert_eq success "$(task_state transient_cluster bad terminate_cluster)"
run_id=bad
assert_eq TERMINATED "$(cat "$C/$run_id/state")" "terminated after the failure"

# clearing the failed step: the preview names the setup and the teardown
preview=$(sl clear transient_cluster --task transform --partition bad --dry-run 2>&1)
assert_contains "$preview" "create_cluster"
assert_contains "$preview" "terminate_cluster"
assert_not_contains "$preview" "extract"
sl clear transient_cluster --task transform --downstream --partition bad --param fail_transform=false --yes >/dev/null
wait_run transient_cluster bad success 60
assert_eq 2 "$(ti_field transient_cluster bad create_cluster try_number)" "the cluster was created again"
assert_eq 2 "$(ti_field transient_cluster bad terminate_cluster try_number)" "and terminated again"
assert_eq 1 "$(ti_field transient_cluster bad extract try_number)" "extract did not re-run"
assert_eq TERMINATED "$(cat "$C/$run_id/state")"
assert_eq 3 "$(wc -l < "$C/terminations.log")" "one termination per cluster"
echo "example_cluster_dag: ok"
