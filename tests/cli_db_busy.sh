#!/bin/bash
# A command that waits for another process's write lock on the database
# says so on a terminal after a second (it was silent for up to 10 s),
# then goes on once the lock is gone; off a terminal nothing is added.
# The scheduler that starts behind a lock held longer than a write's
# wait (10 s) logs that it waits, with SQLite's reason, and starts once
# the lock is gone (it gave up, "cannot record the DAGs", with no cause).
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
printf 'dag: d\ntasks:\n  a: {command: "true"}\n' >"$H/dags/d.yaml"
sl db migrate >/dev/null

# hold_lock SECONDS: another process holds the write lock that long;
# returns once it holds it
hold_lock() {
	# (its own wait: the probe below may hold the lock for a moment)
	sqlite3 -cmd ".timeout 5000" "$H/sluice.db" "BEGIN IMMEDIATE; UPDATE dags SET paused = paused;" \
		".shell sleep $1" "COMMIT;" >/dev/null 2>&1 &
	LOCK_PID=$!
	locked() { ! sqlite3 "$H/sluice.db" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; }
	wait_for 10 "the other process to hold the lock" locked
}

hold_lock 5
script -qec "\"$SLUICE\" --home '$H' trigger d --partition p1" /dev/null >"$T/tty.out" </dev/null ||
	fail "trigger behind a lock: $(cat "$T/tty.out")"
assert_contains "$(cat "$T/tty.out")" "sluice: the database is busy (another process is writing to $H/sluice.db); waiting up to 10 s..." \
	"a wait on the database is said on a terminal"
assert_contains "$(cat "$T/tty.out")" "triggered d partition p1" "and the command goes on"
wait "$LOCK_PID"

hold_lock 2
sl trigger d --partition p2 >"$T/out" 2>"$T/err" || fail "trigger behind a lock, off a terminal: $(cat "$T/err")"
assert_not_contains "$(cat "$T/err")" "database is busy" "off a terminal nothing is added"
assert_contains "$(cat "$T/out")" "triggered d partition p2"
wait "$LOCK_PID"

# the scheduler's start behind a lock held past one write's wait: a
# waiting line with SQLite's reason, then it starts
hold_lock 13
SCHED_START_S=40 start_scheduler
assert_contains "$(cat "$T/scheduler.log")" \
	"database: $H/sluice.db: database is locked (another process is writing to it); waiting until it can be written" \
	"the scheduler says why it waits"
assert_contains "$(cat "$T/scheduler.log")" "database: $H/sluice.db can be written again" \
	"and when the wait is over"
assert_not_contains "$(cat "$T/scheduler.log")" "cannot record the DAGs"
wait "$LOCK_PID"
echo "cli_db_busy: ok"
