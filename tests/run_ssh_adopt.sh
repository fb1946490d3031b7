#!/bin/bash
# ssh tries survive the scheduler: a try runs on its host detached from
# the channel (~/.sluice/tries/ID.{pid,log,status} there), so after a
# kill -9 or a SIGTERM of the scheduler the next one follows it again
# (adopt): the task starts once, its real exit code is recorded (0 as
# success, 3 as failure), and its log holds every line once.
. "$SLUICE_SRCDIR/tests/setup.sh"
start_sshd box
new_home
cat >"$H/sluice.yaml" <<YAML
executors:
  local: {type: local, slots: 2}
  box: $(ssh_config_json box '"slots_per_host": 2' "\"sluice_path\": \"$SLUICE\"")
YAML
# each task notes its start, prints a line, waits for its go file (a
# bounded poll), prints another and exits with its code
for d in ok:0 three:3; do
	name=${d%%:*}
	code=${d#*:}
	cat >"$H/dags/$name.yaml" <<YAML
dag: $name
defaults: {executor: box, retries: 0}
tasks:
  only: {command: 'echo x >> $T/starts.$name; echo "before \$SLUICE_TASK"; i=0; while [ ! -f $T/go.$name ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i+1)); done; echo "after \$SLUICE_TASK"; exit $code'}
YAML
done
sl dags validate >/dev/null
start_scheduler

# followed_more DAG N: the scheduler's log says more than N times that it
# follows DAG's try
followed_more() {
	[ "$(grep -c "$1 only: try 1 still belongs to executor box: following it" "$T/scheduler.log")" -gt "$2" ]
}

# adopt_case DAG PARTITION SIGNAL WANT_STATE WANT_CODE
adopt_case() {
	local dag=$1 part=$2 sig=$3 want=$4 code=$5 log follows
	rm -f "$T/starts.$dag" "$T/go.$dag"
	sl trigger "$dag" --partition "$part" >/dev/null
	wait_for 30 "the $dag try to start on the host" test -s "$T/starts.$dag"
	wait_ti "$dag" "$part" only running 10
	assert_contains "$(ti_field "$dag" "$part" only token)" "ssh-try host=127.0.0.1:" "an ssh token names the host"
	log=$H/logs/$dag/$part/only/try-1.log
	wait_for 10 "the first line in the log" grep -q "before only" "$log"
	# the line names no partition: wait for one more of it than now
	follows=$(grep -c "$dag only: try 1 still belongs to executor box: following it" "$T/scheduler.log" || true)
	kill "-$sig" "$SCHED_PID"
	wait_for 10 "the scheduler to stop ($sig)" pid_gone "$SCHED_PID"
	assert_eq running "$(task_state "$dag" "$part" only)" "the row stays running ($sig)"
	start_scheduler
	wait_for 10 "the try to be followed" followed_more "$dag" "$follows"
	touch "$T/go.$dag"
	wait_run "$dag" "$part" "$want" 30
	assert_eq "$want" "$(task_state "$dag" "$part" only)" "its real result ($sig)"
	assert_eq "$code" "$(ti_field "$dag" "$part" only exit_code)" "its real exit code ($sig)"
	assert_eq 1 "$(wc -l <"$T/starts.$dag")" "started once ($sig)"
	assert_eq 1 "$(ti_field "$dag" "$part" only try_number)" "no try spent ($sig)"
	assert_eq 1 "$(grep -c "before only" "$log")" "the first line once ($sig)"
	assert_eq 1 "$(grep -c "after only" "$log")" "the last line once, after the adoption ($sig)"
	assert_contains "$(head -n 1 "$log")" "on host 127.0.0.1:" "the header stays"
	stop_pid "$SCHED_PID"
	start_scheduler
}

adopt_case ok p1 KILL success 0
adopt_case ok p2 TERM success 0
adopt_case three p3 KILL failed 3
assert_eq 0 "$(q "SELECT count(*) FROM task_tries WHERE error LIKE 'lost%'")" "no try lost"

# the try ended while no scheduler ran: the next one still finds its
# status
rm -f "$T/starts.ok" "$T/go.ok"
sl trigger ok --partition p4 >/dev/null
wait_for 30 "the try to start" test -s "$T/starts.ok"
wait_ti ok p4 only running 10
id=$(ti_field ok p4 only token | sed 's/.* id=\([0-9a-f-]*\) .*/\1/')
status=$(getent passwd root | cut -d: -f6)/.sluice/tries/$id.status
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
touch "$T/go.ok"
wait_for 20 "the try to end on the host" test -s "$status"
assert_eq "exit 0" "$(cat "$status")" "the status file"
start_scheduler
wait_run ok p4 success 30
assert_eq 1 "$(grep -c "after only" "$H/logs/ok/p4/only/try-1.log")" "the last line copied once"
echo "run_ssh_adopt: ok"
