#!/bin/bash
# Adopted ssh tries whose host refuses connections after the scheduler
# restarted (its sshd is stopped: nothing listens on the port). Neither
# try is forgotten while its command may still run there:
#   - box_long (unreachable_timeout 10m, the default): the try stays
#     running, sluice reconnects every down_backoff, and once sshd is
#     back it follows the try to its end: success at try 1.
#   - box_short (unreachable_timeout 3s): the try fails with a "lost:"
#     reason naming the host and the wait, and its command becomes an
#     orphan of the host, stopped once sshd is back (though no other
#     try asks for the host), even by a scheduler started again
#     before the host answered.
# Each try's log says once that the host cannot be reached and since when.
. "$SLUICE_SRCDIR/tests/setup.sh"
start_sshd box
port=$SSHD_PORT
new_home
cat >"$H/sluice.yaml" <<YAML
executors:
  box_long: $(ssh_config_json box '"down_backoff": "1s"')
  box_short: $(ssh_config_json box '"down_backoff": "1s"' '"unreachable_timeout": "3s"')
YAML
printf 'sleep 300\necho lingered\n' >"$T/linger.sh"
cat >"$H/dags/ulong.yaml" <<YAML
dag: ulong
defaults: {executor: box_long, retries: 0}
tasks:
  only: {command: 'touch $T/long.started; n=0; while [ ! -e $T/go ] && [ \$n -lt 1500 ]; do sleep 0.2; n=\$((n+1)); done; echo long done'}
YAML
cat >"$H/dags/ushort.yaml" <<YAML
dag: ushort
defaults: {executor: box_short, retries: 0}
tasks:
  only: {command: 'sh $T/linger.sh'}
YAML
sl dags validate >/dev/null
start_scheduler

linger_pid() { pgrep -f "^sh $T/linger.sh\$"; }
ti_error() { q "SELECT tt.error FROM task_tries tt JOIN task_instances ti ON ti.id = tt.ti_id JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id = '$1' AND tt.try_number = 1"; }
short_ended() { test -n "$(ti_error ushort)"; }
followed() { [ "$(grep -c "only: try 1 still belongs to executor box_" "$T/scheduler.log")" = 2 ]; }
long_log=$H/logs/ulong/p1/only/try-1.log
short_log=$H/logs/ushort/p1/only/try-1.log

sl trigger ulong --partition p1 >/dev/null
sl trigger ushort --partition p1 >/dev/null
wait_for 60 "the short try's command to run on the host" linger_pid
wait_for 60 "the long try's command to run on the host" test -e "$T/long.started"
linger=$(linger_pid)
pg=$(ps -o pgid= -p "$linger" | tr -d ' ')
on_exit "kill -KILL -- -$pg"
wait_ti ulong p1 only running 10
wait_ti ushort p1 only running 10
# a running try says where it runs (the task page's Host) before it ends
assert_eq "127.0.0.1:$port" "$(ti_field ulong p1 only host)" "the running try's host"
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
stop_sshd box
start_scheduler
wait_for 30 "both tries to be adopted" followed

# box_short gives up after 3 s: failed, with the reason, command alive
wait_for 30 "the short try to end" short_ended
err=$(ti_error ushort)
assert_contains "$err" "lost: sluice could not reach 127.0.0.1:$port again to follow the try"
assert_contains "$err" "is stopped when 127.0.0.1:$port answers"
assert_contains "$(cat "$short_log")" "sluice] cannot reach 127.0.0.1:$port since "
assert_contains "$(cat "$short_log")" "(unreachable_timeout of ssh executor box_short)"
assert_eq 1 "$(grep -c ' sluice\] cannot reach' "$short_log")" "the short try's log says it once"
wait_ti ushort p1 only failed 10
pid_gone "$linger" && fail "the command ended while its host could not be reached"

# box_long keeps the try running meanwhile
ti_is ulong p1 only running || fail "the long try ended while its host could not be reached: $(ti_error ulong)"
assert_contains "$(cat "$long_log")" "sluice] cannot reach 127.0.0.1:$port since "

# the scheduler is killed again before the host answers: the short try
# is recorded as failed, so only the ssh executor's orphans file says its
# command still runs there; the next scheduler takes it back from it
orphans=$H/run/ssh-box_short.orphans
assert_eq 1 "$(wc -l <"$orphans")" "the orphans file holds the short try's command: $(cat "$orphans")"
assert_contains "$(cat "$orphans")" "127.0.0.1:$port	"
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
start_scheduler
wait_for 30 "the long try to be adopted again" eval '[ "$(grep -c "only: try 1 still belongs to executor box_long" "$T/scheduler.log")" = 2 ]'
assert_contains "$(cat "$T/scheduler.log")" "ssh executor box_short: 1 command(s) left by the last scheduler on hosts that did not answer are stopped when their host answers"
pid_gone "$linger" && fail "the command ended while its host could not be reached"

# sshd back: the orphan is stopped, the long try followed to its end
start_sshd box
wait_for 30 "the short try's command to be stopped on the host" pid_gone "$linger"
wait_for 10 "the orphans file to be emptied once the kill ran" eval '[ ! -s "$orphans" ]'
touch "$T/go"
wait_ti ulong p1 only success 60
assert_eq 1 "$(ti_field ulong p1 only try_number)" "the long task's try"
assert_contains "$(cat "$long_log")" "sluice] 127.0.0.1:$port answered again after "
assert_contains "$(cat "$long_log")" "long done"
assert_eq 1 "$(grep -c '^long done$' "$long_log")" "the copy holds the output once"
echo "run_ssh_adopt_unreach: ok"
