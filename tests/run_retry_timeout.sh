#!/bin/bash
# Retries with exponential back-off; a timeout kills the whole process
# group (SIGTERM, then SIGKILL); on_failure runs.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/sluice.yaml" <<'YAML'
kill_grace: 1s
YAML
cat >"$H/dags/retry.yaml" <<YAML
dag: retry
tasks:
  flaky:
    retries: 3
    retry_delay: 1s
    retry_backoff: exponential
    max_retry_delay: 10s
    command: 'n=\$(cat $T/count 2>/dev/null || echo 0); n=\$((n+1)); echo \$n > $T/count; echo "try {{ try_number }}"; [ \$n -ge 3 ]'
  after_flaky: {after: [flaky], command: "true"}
YAML
cat >"$H/dags/slow.yaml" <<YAML
dag: slow
tasks:
  stuck:
    timeout: 1s
    retries: 0
    # a child that ignores SIGTERM: only SIGKILL of the group stops it
    command: 'sh -c "trap \"\" TERM; echo \\\$\\\$ > $T/child.pid; while :; do sleep 1; done" & wait'
    on_failure: 'echo "on_failure ran for \$SLUICE_TASK" > $T/on_failure'
YAML
start_scheduler

sl trigger retry --partition r1 --wait >/dev/null
assert_eq success "$(task_state retry r1 flaky)"
assert_eq 3 "$(ti_field retry r1 flaky try_number)" "tries"
assert_eq success "$(task_state retry r1 after_flaky)"
for n in 1 2 3; do
	assert_contains "$(sl logs retry flaky r1 --try $n)" "try $n"
done
# back-off: the 2nd retry waited about twice as long as the 1st
gaps=$(q "SELECT group_concat(started_at, ' ') FROM (SELECT t.started_at FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = 'flaky' ORDER BY t.try_number)")
set -- $gaps
g1=$(( $2 - $1 )); g2=$(( $3 - $2 ))
[ "$g1" -ge 1000 ] || fail "first retry after ${g1} ms, want >= 1000"
[ "$g2" -ge 2000 ] || fail "second retry after ${g2} ms, want >= 2000 (exponential)"
assert_eq "failed failed success" "$(q "SELECT group_concat(state, ' ') FROM (SELECT t.state FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = 'flaky' ORDER BY t.try_number)")" "tries recorded"

set +e
sl trigger slow --partition s1 --wait >/dev/null 2>&1; st=$?
set -e
assert_eq 1 "$st" "timed-out run"
assert_eq failed "$(task_state slow s1 stuck)"
assert_contains "$(ti_field slow s1 stuck error)" "timed out after 1s"
child=$(cat "$T/child.pid")
wait_for 10 "the TERM-ignoring child to be killed" pid_gone "$child"
assert_contains "$(sl logs slow stuck s1)" "timed out"
wait_for 10 "on_failure to run" test -f "$T/on_failure"
assert_contains "$(cat "$T/on_failure")" "on_failure ran for stuck"
echo "run_retry_timeout: ok"
