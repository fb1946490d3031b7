#!/bin/bash
# Tries survive the scheduler. Ten kill -9 of the scheduler during a
# 300-task run, each followed by a restart: every task runs exactly once
# (the trace of task starts has 300 distinct lines and no duplicate), none
# is lost, the run succeeds. A SIGTERM leaves the running try running; the
# next scheduler adopts it and records its result once, and what it
# prints after the adoption still has its secret values masked (the
# try's supervisor got them at its start). --drain waits for
# the running try and records it before exiting; a second SIGTERM while
# draining stops without waiting. (run_adopt_fork_server.sh runs it all
# again with the local executor's fork_server: true.)
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/sluice.yaml" <<YAML
parallelism: 10
executors:
  local: {type: local, slots: 10, fork_server: ${ADOPT_FORK_SERVER:-false}}
YAML

# --- 30 layers of 10 tasks, each after the same column of the layer
# before; a task appends its name to the trace, then sleeps 1.0-1.4 s ---
{
	echo "dag: big"
	echo "tasks:"
	for l in $(seq 1 30); do
		for c in $(seq 1 10); do
			echo "  t${l}_$c:"
			[ "$l" -gt 1 ] && echo "    after: [t$((l - 1))_$c]"
			echo "    command: 'echo t${l}_$c >> $T/trace; sleep 1.\$((RANDOM % 5))'"
		done
	done
} >"$H/dags/big.yaml"
start_scheduler
sl trigger big --partition b1 >/dev/null
lines() { { wc -l <"$T/trace"; } 2>/dev/null || echo 0; }
grown() { [ "$(lines)" -ge "$1" ]; }
for k in $(seq 1 10); do
	# a kill at a point where tries run: some progress since the last one
	wait_for 90 "the run to progress before kill $k" grown $(($(lines) + 8))
	[ "$(lines)" -lt 300 ] || fail "the run ended before kill $k: make its tasks longer"
	kill -9 "$SCHED_PID"
	wait_for 10 "the scheduler to die ($k)" pid_gone "$SCHED_PID"
	start_scheduler
done
wait_run big b1 success 60
assert_eq 300 "$(sort -u "$T/trace" | wc -l)" "every task ran"
assert_eq "" "$(sort "$T/trace" | uniq -d | head -5)" "no task ran twice"
assert_eq 300 "$(wc -l <"$T/trace")" "300 starts in all"
assert_eq 0 "$(q "SELECT count(*) FROM task_tries WHERE error LIKE 'lost%'")" "no try lost"
assert_eq 1 "$(q "SELECT max(try_number) FROM task_instances")" "one try each"
adopted=$(grep -c 'still belongs to executor local: following it' "$T/scheduler.log" || true)
[ "$adopted" -gt 0 ] || fail "no try was adopted across ten kills"
note "tries adopted across the kills: $adopted"

# --- SIGTERM: the running try keeps running; the next scheduler adopts
# it and records its result once ---
cat >"$H/dags/term.yaml" <<YAML
dag: term
tasks:
  only:
    env: {API_TOKEN: pw-Local-Adopt-55}
    command: 'echo x >> $T/ran.term; echo \$\$ > $T/term.pid; i=0; while [ ! -f $T/go.term ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done; echo "said=\$API_TOKEN;"; exit 4'
  next: {after: [only], trigger_rule: all_done, command: 'echo x >> $T/ran.next'}
YAML
wait_for 10 "term to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q term"
sl trigger term --partition s1 >/dev/null
wait_for 20 "the try to start" test -s "$T/term.pid"
wait_ti term s1 only running 10
pid=$(cat "$T/term.pid")
kill -TERM "$SCHED_PID"
wait_for 10 "the scheduler to stop on SIGTERM" pid_gone "$SCHED_PID"
assert_contains "$(cat "$T/scheduler.log")" "1 running try left running for the next scheduler"
kill -0 "$pid" 2>/dev/null || fail "SIGTERM stopped the running try"
assert_eq running "$(task_state term s1 only)" "the row stays running"
assert_contains "$(ti_field term s1 only token)" "status=$H/run/tries/" "status files live in HOME/run/tries"
start_scheduler
assert_contains "$(cat "$T/scheduler.log")" "term only: try 1 still belongs to executor local: following it"
touch "$T/go.term"
wait_run term s1 failed 30
assert_eq failed "$(task_state term s1 only)" "its real result"
assert_eq 4 "$(ti_field term s1 only exit_code)" "its real exit code"
assert_eq 1 "$(wc -l <"$T/ran.term")" "it ran once"
assert_eq 1 "$(ti_field term s1 only try_number)" "no try spent"
assert_eq 1 "$(q "SELECT count(*) FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = 'only' AND ti.run_id = (SELECT id FROM dag_runs WHERE dag_id = 'term')")" "its result recorded once"
assert_eq 1 "$(wc -l <"$T/ran.next")" "the downstream ran"
assert_contains "$(cat "$H/logs/term/s1/only/try-1.log")" "said=***;" "a secret printed after the adoption"
assert_not_contains "$(cat "$H/logs/term/s1/only/try-1.log")" "Local-Adopt" "the secret in the adopted try's log"

# --- --drain: SIGTERM waits for the running try, records it, exits ---
stop_pid "$SCHED_PID"
start_scheduler --drain
rm -f "$T/term.pid" "$T/go.term"
sl trigger term --partition s2 >/dev/null
wait_for 20 "the try to start" test -s "$T/term.pid"
wait_ti term s2 only running 10
kill -TERM "$SCHED_PID"
wait_for 10 "the scheduler to drain" grep -q "scheduler draining" "$T/scheduler.log"
kill -0 "$SCHED_PID" 2>/dev/null || fail "a draining scheduler exited before its try ended"
touch "$T/go.term"
wait_for 20 "the drained scheduler to exit" pid_gone "$SCHED_PID"
assert_eq failed "$(task_state term s2 only)" "the drained try recorded"
assert_eq 4 "$(ti_field term s2 only exit_code)"
assert_eq "" "$(ti_field term s2 only token)"
assert_eq none "$(task_state term s2 next)" "nothing new started while draining"
# the scheduler's log ends by saying it stopped (a drain said nothing)
tail -n 1 "$T/scheduler.log" | grep -q "Z scheduler stopped$" ||
	fail "the drained scheduler's last log line: $(tail -n 3 "$T/scheduler.log")"

# a second SIGTERM while draining: stop without waiting (the try is left
# running, adopted next time)
start_scheduler --drain
wait_run term s2 failed 30
rm -f "$T/term.pid" "$T/go.term"
sl trigger term --partition s3 >/dev/null
wait_for 20 "the try to start" test -s "$T/term.pid"
wait_ti term s3 only running 10
pid=$(cat "$T/term.pid")
kill -TERM "$SCHED_PID"
wait_for 10 "the scheduler to drain" sh -c "[ \$(grep -c 'scheduler draining' '$T/scheduler.log') -ge 2 ]"
kill -TERM "$SCHED_PID"
wait_for 10 "the scheduler to stop on the second SIGTERM" pid_gone "$SCHED_PID"
kill -0 "$pid" 2>/dev/null || fail "the second SIGTERM stopped the running try"
assert_eq running "$(task_state term s3 only)"
start_scheduler
touch "$T/go.term"
wait_run term s3 failed 30
assert_eq 4 "$(ti_field term s3 only exit_code)" "recorded by the next scheduler"
# --- task keys: log_max (per task, and the config's default) and
# keep_children reach the try ---
cat >"$H/dags/keys.yaml" <<YAML
dag: keys
tasks:
  capped: {log_max: 4KB, command: 'i=0; while [ \$i -lt 3000 ]; do echo "line \$i"; i=\$((i+1)); done'}
  kept: {keep_children: true, command: 'sh -c "echo \\\$\\\$ > $T/kept.pid; exec sleep 60" & i=0; while [ ! -s $T/kept.pid ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done'}
  ended: {command: 'sh -c "echo \\\$\\\$ > $T/ended.pid; exec sleep 60" & i=0; while [ ! -s $T/ended.pid ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done'}
YAML
wait_for 10 "keys to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q keys"
sl trigger keys --partition k1 >/dev/null
wait_run keys k1 success 30
log=$H/logs/keys/k1/capped/try-1.log
[ "$(stat -c %s "$log")" -le 4200 ] || fail "log_max 4KB left a log of $(stat -c %s "$log") bytes"
assert_eq "line 0" "$(head -n 1 "$log")" "the head is kept"
assert_contains "$(cat "$log")" "bytes of output dropped here"
kept=$(cat "$T/kept.pid")
on_exit "kill $kept"
kill -0 "$kept" 2>/dev/null || fail "keep_children: true: the child did not outlive the try"
wait_for 20 "a left-behind child to be ended" pid_gone "$(cat "$T/ended.pid")"

assert_eq ok "$(q 'PRAGMA integrity_check')" "database integrity"
echo "run_adopt: ok"
