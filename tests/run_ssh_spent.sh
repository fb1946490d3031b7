#!/bin/bash
# The host's files of an ssh try (~/.sluice/tries/ID.*: its pid, status
# and its raw, unmasked output) stay while the try runs, so a restarted
# scheduler can follow it, and go once the scheduler has committed the
# try's end (recorded), for a try that succeeded and one that failed, and
# for tries whose result is dropped: one cleared and one marked while they
# ran, and one cleared while no scheduler ran (its end recorded by the
# next scheduler's recovery).
. "$SLUICE_SRCDIR/tests/setup.sh"
start_sshd box
new_home
cat >"$H/sluice.yaml" <<YAML
executors:
  box: $(ssh_config_json box '"slots_per_host": 8')
YAML
# each task notes its remote log's path (its stderr, like its stdout),
# prints a value, waits for a file, and ends as told
cat >"$H/dags/spent.yaml" <<YAML
dag: spent
defaults: {executor: box, retries: 0}
tasks:
  good: {command: 'readlink /proc/self/fd/2 > $T/good.path; echo value-$$-good; n=0; while [ ! -e $T/go ] && [ \$n -lt 1200 ]; do sleep 0.1; n=\$((n+1)); done'}
  bad: {command: 'readlink /proc/self/fd/2 > $T/bad.path; echo value-$$-bad; n=0; while [ ! -e $T/go ] && [ \$n -lt 1200 ]; do sleep 0.1; n=\$((n+1)); done; exit 3'}
YAML
# the same, each waiting to be stopped (the second try of each ends at once)
for t in cleared marked away; do
	cat >>"$H/dags/spent.yaml" <<YAML
  $t: {command: 'test -e $T/$t.path && exit 0; readlink /proc/self/fd/2 > $T/$t.path; echo secret-$$-$t; sleep 300'}
YAML
done
sl dags validate >/dev/null
start_scheduler
sl trigger spent --partition p1 >/dev/null
wait_for 60 "both tries to run on the host" test -s "$T/good.path" -a -s "$T/bad.path"
for t in good bad; do
	log=$(cat "$T/$t.path")
	assert_contains "$log" "/.sluice/tries/"
	wait_for 10 "$t: its output in $log" grep -q "value-$$-$t" "$log"
	[ -e "${log%.log}.pid" ] || fail "$t: no pid file beside $log while it runs"
done
touch "$T/go"
wait_ti spent p1 good success 60
wait_ti spent p1 bad failed 60
for t in good bad; do
	log=$(cat "$T/$t.path")
	wait_for 20 "$t: its files on the host to go" eval "! ls '${log%.log}'.* >/dev/null 2>&1"
	assert_contains "$(cat "$H/logs/spent/p1/$t/try-1.log")" "value-$$-$t"
done

# a try cleared, and one marked, while they run: their results are dropped,
# the tries recorded as stopped, and their files go as any ended try's
remote_files_gone() { ! ls "${1%.log}".* >/dev/null 2>&1; }
for t in cleared marked away; do
	wait_for 60 "$t: its try to run on the host" test -s "$T/$t.path"
	log=$(cat "$T/$t.path")
	wait_for 10 "$t: its output in $log" grep -q "secret-$$-$t" "$log"
done
sl clear spent --task cleared --partition p1 --yes >/dev/null
sl mark spent marked p1 failed >/dev/null
wait_ti spent p1 cleared success 60
for t in cleared marked; do
	log=$(cat "$T/$t.path")
	wait_for 20 "$t: its files on the host to go after it was stopped" remote_files_gone "$log"
done
# one cleared while no scheduler runs: the next one records the try as
# stopped, and its files go too
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
sl clear spent --task away --partition p1 --yes >/dev/null
start_scheduler
wait_ti spent p1 away success 60
wait_for 20 "away: its files on the host to go after a clear while no scheduler ran" remote_files_gone "$(cat "$T/away.path")"
echo "run_ssh_spent: ok"
