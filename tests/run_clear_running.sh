#!/bin/bash
# A person's action against a running scheduler takes effect within a
# second: clearing a running task kills its process group and runs it
# again; mark settles a task; pause stops new work.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/long.yaml" <<YAML
dag: long
tasks:
  work:
    command: 'echo {{ try_number }} >> $T/tries; sh -c "echo \\\$\\\$ > $T/child.{{ try_number }}; sleep 300" & wait'
  after: {after: [work], command: "true"}
YAML
printf 'dag: probe\ntasks:\n  p: {command: "true"}\n' >"$H/dags/probe.yaml"
start_scheduler
sl trigger long --partition l1 >/dev/null
wait_for 20 "the first try's child" test -s "$T/child.1"
child=$(cat "$T/child.1")
t0=$(date +%s%N)
sl clear long --task work --partition l1 --yes >/dev/null
wait_for 5 "the cleared try's process group to be killed" pid_gone "$child"
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -le 3000 ] || fail "clear took $(( (t1 - t0) / 1000000 )) ms to act"
wait_for 10 "the second try" test -s "$T/child.2"
assert_eq 2 "$(ti_field long l1 work try_number)" "try number after clear"
assert_contains "$(q "SELECT action || ' ' || who FROM audit WHERE action = 'clear'")" "clear cli:"

# mark the running task success: it is stopped and downstream runs
child=$(cat "$T/child.2")
sl mark long work l1 success >/dev/null
wait_for 5 "the marked try to be stopped" pid_gone "$child"
wait_run long l1 success 10
assert_eq success "$(task_state long l1 after)"

# pause: a triggered run waits; unpause: it runs
rm -f "$T/child.1"
sl dags pause long >/dev/null
sl trigger long --partition l2 >/dev/null
# a run of another DAG, triggered after, completes: the scheduler has seen
# l2 and left it alone
sl trigger probe --partition p --wait >/dev/null
assert_eq queued "$(run_state long l2)" "run of a paused DAG"
test ! -e "$T/child.1" || fail "a paused DAG's task started"
sl dags unpause long >/dev/null
wait_for 10 "the unpaused run's first try" test -s "$T/child.1"
sl mark long work l2 success >/dev/null
wait_run long l2 success 10
echo "run_clear_running: ok"
