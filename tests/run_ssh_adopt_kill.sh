#!/bin/bash
# An adopted ssh try cleared before the new scheduler reached its host
# again: its command, still running there under the remote runner, is
# stopped once the host answers (an orphan of the host), the try is
# recorded as cleared (by whom) while running, its log says why, and the
# task runs again once. The host is unreachable after the restart because
# its sshd is stopped (SIGSTOP): connections wait in the listen queue, so
# the adoption's login waits (connect_timeout is long) until the sshd goes
# on (SIGCONT).
. "$SLUICE_SRCDIR/tests/setup.sh"
start_sshd box
sshd=$SSHD_PID
new_home
cat >"$H/sluice.yaml" <<YAML
executors:
  box: $(ssh_config_json box '"connect_timeout": "600s"')
YAML
# the first try runs $T/linger.sh until killed; the re-run ends at once
printf 'sleep 300\necho lingered\n' >"$T/linger.sh"
cat >"$H/dags/adk.yaml" <<YAML
dag: adk
defaults: {executor: box, retries: 0}
tasks:
  only: {command: 'echo x >> $T/starts; test -e $T/ran && exit 0; touch $T/ran; sh $T/linger.sh'}
YAML
sl dags validate >/dev/null
start_scheduler

# the first try's command on the host (the try's shell may have exec'd it)
linger_pid() { pgrep -f "^sh $T/linger.sh\$"; }
ti_error() { q "SELECT tt.error FROM task_tries tt JOIN task_instances ti ON ti.id = tt.ti_id JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id = 'adk' AND tt.try_number = $1"; }
ended() { test -n "$(ti_error 1)"; }
followed() { grep -q "adk only: try 1 still belongs to executor box: following it" "$T/scheduler.log"; }

sl trigger adk --partition p1 >/dev/null
wait_for 60 "the command to run on the host" linger_pid
linger=$(linger_pid)
pg=$(ps -o pgid= -p "$linger" | tr -d ' ')
on_exit "kill -KILL -- -$pg"
wait_ti adk p1 only running 10
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
kill -STOP "$sshd"
on_exit "kill -CONT $sshd"
start_scheduler
wait_for 30 "the try to be adopted" followed
sl clear adk --task only --partition p1 --yes >/dev/null
wait_for 30 "the adopted try to end" ended
pid_gone "$linger" && fail "the command ended while its host could not be reached"
kill -CONT "$sshd"
wait_for 60 "the cleared try's command to be stopped on the host" pid_gone "$linger"
assert_eq "cleared by cli:$(id -un) while running" "$(ti_error 1)" "the cleared try's recorded error"
assert_contains "$(cat "$H/logs/adk/p1/only/try-1.log")" "try failed: killed (cleared) on 127.0.0.1:$SSHD_PORT before sluice reached it again" "the executor's word in the try's log"
wait_ti adk p1 only success 60
assert_eq 2 "$(wc -l <"$T/starts")" "the command started twice: the first try and the re-run"
assert_eq 2 "$(ti_field adk p1 only try_number)" "the re-run's try"
echo "run_ssh_adopt_kill: ok"
