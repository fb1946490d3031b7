#!/bin/bash
# A try's status file is spent as soon as the scheduler has committed the
# try's end (the executor's recorded()), not 30 s later: after a run of
# twelve tries one at a time, no try's status file is left in the status
# folder, and the files were reused (at most two exist, as spares). A
# second run reuses them again. Kill -9 of the scheduler while a try runs
# still leaves that try's status file for the next scheduler, which
# adopts the try and records its end.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/sluice.yaml" <<YAML
parallelism: 1
executors:
  local: {type: local, slots: 1}
YAML
{
	echo "dag: chain"
	echo "tasks:"
	for i in $(seq 1 12); do
		echo "  t$i: {command: \"echo t$i\"$([ "$i" -gt 1 ] && echo ", after: [t$((i - 1))]")}"
	done
} >"$H/dags/chain.yaml"
start_scheduler

statuses() { find "$H/run/tries" -maxdepth 1 -name '*.status*' | wc -l; }
spares() { find "$H/run/tries" -maxdepth 1 -name '.spare-*' | wc -l; }
no_status() { [ "$(statuses)" -eq 0 ]; }

sl trigger chain --partition p1 --wait >/dev/null || fail "run p1 did not succeed: $(tail -5 "$T/scheduler.log")"
# well within the 30 s a status file would wait without the word
wait_for 10 "the status files of p1's tries to be spent" no_status
[ "$(spares)" -le 2 ] || fail "twelve tries one at a time made $(spares) status files"
[ "$(spares)" -ge 1 ] || fail "no spare kept"
sl trigger chain --partition p2 --wait >/dev/null || fail "run p2 did not succeed"
wait_for 10 "the status files of p2's tries to be spent" no_status
[ "$(spares)" -le 2 ] || fail "the second run made new status files: $(spares)"

# --- kill -9 while a try runs: its status file stays for the next one ---
cat >"$H/dags/slow.yaml" <<YAML
dag: slow
tasks:
  s: {command: "while [ ! -f $T/go-slow ]; do sleep 0.05; done; echo slept"}
YAML
wait_for 15 "the slow DAG to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q slow"
sl trigger slow --partition k >/dev/null
wait_ti slow k s running 15
# "running" is committed before the try starts (side effects after the
# commit): wait until its status file exists, then kill. The try runs
# until the test lets it end, after the kill (a fixed sleep could end
# first on a loaded machine, its status file spent before the kill).
has_status() { [ "$(statuses)" -ge 1 ]; }
wait_for 10 "the running try's status file" has_status
kill -9 "$SCHED_PID"
wait_for 10 "the killed scheduler" pid_gone "$SCHED_PID"
[ "$(statuses)" -ge 1 ] || fail "the running try's status file is gone"
start_scheduler
touch "$T/go-slow"
wait_run slow k success 30
assert_eq 1 "$(ti_field slow k s try_number)" "adopted, not run again"
assert_contains "$(sl logs slow s k)" "slept"
echo "run_status_spares: ok"
