#!/bin/bash
# ssh tries survive the scheduler: a try runs on its host detached from
# the channel (~/.sluice/tries/ID.{pid,log,status} there), so after a
# kill -9 or a SIGTERM of the scheduler the next one follows it again
# (adopt): the task starts once, its real exit code is recorded (0 as
# success, 3 as failure), its duration counts also the time before the
# adoption, and its log holds every line once. A try's secret values are
# masked in its log, also split across reads and across an adoption, and
# in what an adopted try prints after the restart (after a kill -9 and
# after a SIGTERM); the scheduler's own log never shows them.
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
# a secret param echoed whole, in two pieces with a pause between, and a
# tail that only starts like it; a long secret whose masking makes the
# local copy of the remote log shorter than the remote log, before the
# scheduler is killed (the adoption must resume after it, not inside it),
# and the secret printed again after the adoption
cat >"$H/dags/hush.yaml" <<YAML
dag: hush
params:
  token: {type: string, secret: true}
  long: {type: string, secret: true}
defaults: {executor: box, retries: 0}
tasks:
  shown: {command: 'echo "whole={{ params.token }};"; printf %s split=abc; sleep 0.3; printf "%s;\\n" def; printf tail=abc'}
  held: {command: 'printf "long=%s;\\nbefore\\n" "{{ params.long }}"; i=0; while [ ! -f $T/go.hush ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i+1)); done; printf "after long=%s;\\n" "{{ params.long }}"'}
YAML
# the start of a secret, held back as it may be one, when the scheduler
# stops (detach): the next one copies it again, not lost; then the
# secret whole, printed after the adoption
cat >"$H/dags/cut.yaml" <<YAML
dag: cut
params:
  long: {type: string, secret: true}
defaults: {executor: box, retries: 0}
tasks:
  only: {command: 'test -n "{{ params.long }}"; printf "before\\nheld=pw-Zq8"; i=0; while [ ! -f $T/go.cut ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i+1)); done; printf "X\\nagain=%s;\\n" "{{ params.long }}"'}
YAML
sl dags validate >/dev/null
start_scheduler

# followed_more DAG N [TASK]: the scheduler's log says more than N times
# that it follows the try of DAG's TASK (only)
followed_more() {
	[ "$(grep -c "$1 ${3:-only}: try 1 still belongs to executor box: following it" "$T/scheduler.log")" -gt "$2" ]
}

# ran_for SINCE_MS SECONDS: SECONDS have passed since SINCE_MS
ran_for() { [ "$(date +%s%3N)" -ge $(($1 + $2 * 1000)) ]; }

# adopt_case DAG PARTITION SIGNAL WANT_STATE WANT_CODE [RUN_FIRST]
# RUN_FIRST: let the try run that many seconds before the scheduler
# stops, and check that its recorded duration counts them (the host's
# files say when it started; the new scheduler's clock only saw the end)
adopt_case() {
	local dag=$1 part=$2 sig=$3 want=$4 code=$5 run_first=${6:-0} log follows seen go dur
	rm -f "$T/starts.$dag" "$T/go.$dag"
	sl trigger "$dag" --partition "$part" >/dev/null
	wait_for 30 "the $dag try to start on the host" test -s "$T/starts.$dag"
	wait_ti "$dag" "$part" only running 10
	assert_contains "$(ti_field "$dag" "$part" only token)" "ssh-try host=127.0.0.1:" "an ssh token names the host"
	log=$H/logs/$dag/$part/only/try-1.log
	wait_for 10 "the first line in the log" grep -q "before only" "$log"
	seen=$(date +%s%3N)
	wait_for $((run_first + 10)) "the try to run ${run_first}s" ran_for "$seen" "$run_first"
	# the line names no partition: wait for one more of it than now
	follows=$(grep -c "$dag only: try 1 still belongs to executor box: following it" "$T/scheduler.log" || true)
	kill "-$sig" "$SCHED_PID"
	wait_for 10 "the scheduler to stop ($sig)" pid_gone "$SCHED_PID"
	assert_eq running "$(task_state "$dag" "$part" only)" "the row stays running ($sig)"
	start_scheduler
	wait_for 10 "the try to be followed" followed_more "$dag" "$follows"
	go=$(date +%s%3N)
	touch "$T/go.$dag"
	wait_run "$dag" "$part" "$want" 30
	assert_eq "$want" "$(task_state "$dag" "$part" only)" "its real result ($sig)"
	assert_eq "$code" "$(ti_field "$dag" "$part" only exit_code)" "its real exit code ($sig)"
	assert_eq 1 "$(wc -l <"$T/starts.$dag")" "started once ($sig)"
	assert_eq 1 "$(ti_field "$dag" "$part" only try_number)" "no try spent ($sig)"
	assert_eq 1 "$(grep -c "^before only" "$log")" "the first line once ($sig)"
	assert_eq 1 "$(grep -c "^after only" "$log")" "the last line once, after the adoption ($sig)"
	assert_eq 0 "$(grep -c "sluice-took" "$log")" "the follower's word on the duration stays out of the log ($sig)"
	assert_contains "$(head -n 1 "$log")" "on host 127.0.0.1:" "the header stays"
	# it ran from before "before" was seen until after go; the host's
	# times are whole seconds
	dur=$(ti_field "$dag" "$part" only duration_ms)
	[ "$dur" -ge $((go - seen - 1500)) ] ||
		fail "duration ${dur}ms of the adopted try: it ran at least $((go - seen))ms ($sig)"
	stop_pid "$SCHED_PID"
	start_scheduler
}

adopt_case ok p1 KILL success 0 6
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
assert_eq 1 "$(grep -c "^after only" "$H/logs/ok/p4/only/try-1.log")" "the last line copied once"
# Secret values never reach an ssh try's log: written as *** on the way
# from the host, also when split across reads; across a kill -9 of the
# scheduler the copy resumes at the remote byte after the masked value.
long=pw-Zq81-param-value-42
sl trigger hush --partition s1 --param token=abcdef --param long=$long >/dev/null
wait_ti hush s1 shown success 30
shown=$(cat "$H/logs/hush/s1/shown/try-1.log")
while IFS='|' read -r want what; do
	assert_contains "$shown" "$want" "$what"
done <<CASES
whole=***;|a secret param echoed whole
split=***;|a secret param printed in two pieces with a pause between
tail=abc|a tail that only starts like a secret is written at the end
CASES
assert_not_contains "$shown" "abcdef" "the secret in the ssh try's log"
log=$H/logs/hush/s1/held/try-1.log
wait_for 30 "the held try's first lines" grep -q "^before" "$log"
# the masked value's note (where an adoption resumes) follows the write
wait_for 10 "the note of the masked copy" test -s "$log.ssh-copied"
follows=$(grep -c "hush held: try 1 still belongs to executor box: following it" "$T/scheduler.log" || true)
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
start_scheduler
wait_for 10 "the held try to be followed" followed_more hush "$follows" held
touch "$T/go.hush"
wait_run hush s1 success 30
held=$(cat "$log")
assert_contains "$held" "long=***;" "a long secret param"
assert_contains "$held" "after long=***;" "a secret param printed after the adoption (kill -9)"
assert_not_contains "$held" "value-42" "the long secret's tail, copied again after the adoption"
assert_eq 1 "$(grep -c "^before" "$log")" "the line before the kill once"
assert_eq 1 "$(grep -c "^after" "$log")" "the line after the adoption once"

sl trigger cut --partition c1 --param long=$long >/dev/null
log=$H/logs/cut/c1/only/try-1.log
# "held=" is in the log: the chunk that ends with the held start was read
wait_for 30 "the cut try's first lines" grep -q "^held=" "$log"
follows=$(grep -c "cut only: try 1 still belongs to executor box: following it" "$T/scheduler.log" || true)
kill -TERM "$SCHED_PID"
wait_for 10 "the scheduler to stop" pid_gone "$SCHED_PID"
start_scheduler
wait_for 10 "the cut try to be followed" followed_more cut "$follows"
touch "$T/go.cut"
wait_run cut c1 success 30
assert_eq 1 "$(grep -c "pw-Zq8X" "$log")" "the held start of a secret, copied once after the detach"
assert_contains "$(cat "$log")" "again=***;" "a secret param printed after the adoption (SIGTERM)"
assert_not_contains "$(cat "$log")" "value-42" "the secret in the log of a try adopted after a detach"
# nor in what the schedulers wrote about the tries they followed
assert_not_contains "$(cat "$T/scheduler.log")" "value-42" "the secret in the scheduler's log"
echo "run_ssh_adopt: ok"
