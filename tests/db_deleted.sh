#!/bin/bash
# The database deleted while a scheduler runs on it: the scheduler sees
# within seconds that its file is gone (a stat of the path against the
# file it opened), says so and stops with exit 1 rather than write on
# into a file no one else opens; a CLI verb that would make a new, empty
# database while the deleted one's scheduler holds its lock refuses
# (nothing made, the -wal and -shm left alone); `sluice web` beside it
# reports the database gone in /health (503).
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/slow.yaml" <<'YAML'
dag: slow
schedule: none
tasks:
  a: {command: 'true'}
YAML
sl dags list >/dev/null

# a lock held as a scheduler holds it, the database gone: every verb
# that opens the database refuses, and nothing is made
( exec 9>>"$H/sluice.db-scheduler.lock"; flock 9; echo 4242 >&9; exec sleep 60 ) &
holder=$!
on_exit "stop_pid $holder"
_held() { ! flock -n "$H/sluice.db-scheduler.lock" true; }
wait_for 10 "the lock held" _held
rm "$H/sluice.db"
for verb in "trigger slow --partition p1" "dags list" "runs slow" "users list" "db migrate" "db check"; do
	rc=0
	# shellcheck disable=SC2086
	out=$(sl $verb 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "$verb made a new database: $out"
	assert_contains "$out" "sluice: $H/sluice.db does not exist, but a scheduler (pid" "$verb"
	assert_contains "$out" "holds its lock: the database it runs on was deleted" "$verb"
	[ ! -e "$H/sluice.db" ] || fail "$verb made $H/sluice.db"
done
stop_pid "$holder"

# a real scheduler (and a web beside it): the file deleted, it stops
sl dags list >/dev/null
start_scheduler
start_web
assert_eq 200 "$(curl -sS -o /dev/null -w '%{http_code}' "$WURL/health")" "/health before"
rm "$H/sluice.db"
_stopped() { pid_gone "$SCHED_PID"; }
wait_for 15 "the scheduler to stop on its deleted database" _stopped
rc=0; wait "$SCHED_PID" || rc=$?
assert_eq 1 "$rc" "the scheduler's exit status"
assert_contains "$(cat "$T/scheduler.log")" "database: $H/sluice.db was deleted while this scheduler ran on it: what it records from now on would be lost" "the scheduler's log"
code=$(curl -sS -o "$T/health" -w '%{http_code}' "$WURL/health")
assert_eq 503 "$code" "/health of the web on a deleted database"
assert_contains "$(cat "$T/health")" "the database $H/sluice.db was deleted while the web ran on it" "/health says why"
echo "db_deleted: ok"
