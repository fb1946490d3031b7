#!/bin/bash
# A lock that comes and goes (another process's short write transactions
# back to back, as `sluice db clean` makes): the chain keeps running
# between the locks, and when the locks stop the run finishes by itself,
# with no try started twice or lost and nothing left queued.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/trust_db_lib.sh"

new_home
N=150
: > "$T/trace"
{
	echo "dag: flap"
	echo "tasks:"
	echo "  c1: {command: 'echo \"\$SLUICE_TASK \$SLUICE_TRY\" >> $T/trace'}"
	for i in $(seq 2 "$N"); do
		echo "  c$i: {after: [c$((i - 1))], command: 'echo \"\$SLUICE_TASK \$SLUICE_TRY\" >> $T/trace'}"
	done
} > "$H/dags/flap.yaml"
start_scheduler
sl dags unpause flap >/dev/null
sl trigger flap --partition f1 >/dev/null
wait_for 30 "the chain to start" starts_over 1

# the locker: BEGIN EXCLUSIVE held 0.3-1.5 s, released 10-50 ms, for
# about 20 s (the fault's shape, not a synchronisation)
/usr/bin/python3 - "$H/sluice.db" <<'PY' &
import random, sqlite3, sys, time
random.seed(7)
db = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
end = time.time() + 20
while time.time() < end:
    db.execute("BEGIN EXCLUSIVE")
    time.sleep(random.uniform(0.3, 1.5))
    db.execute("COMMIT")
    time.sleep(random.uniform(0.01, 0.05))
PY
LOCK_PID=$!
on_exit "kill $LOCK_PID 2>/dev/null"
wait "$LOCK_PID" || fail "the locker failed"
note "locks over after $(starts) of $N tasks"

wait_run flap f1 success 60
dups=$(sort "$T/trace" | uniq -d)
assert_eq "" "$dups" "tries started twice (task try)"
assert_eq "$N" "$(starts)" "every task started once"
assert_eq 0 "$(q "SELECT count(*) FROM task_instances WHERE state IN ('running','queued','scheduled','up_for_retry')")" "task instances left unfinished"
assert_not_contains "$(cat "$T/scheduler.log")" "cannot rollback"
echo "trust_db_flap: ok"
