#!/bin/bash
# The loop never waits on a lock: while another process holds the
# database (sqlite3 in BEGIN EXCLUSIVE for 20 s) in the middle of a run,
# /health answers within 100 ms, API calls answer 503 "database is busy"
# within 5 s, the tries in flight keep running and are recorded when the
# lock is gone, and the run finishes with no try started twice or lost.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
. "$SLUICE_SRCDIR/tests/trust_db_lib.sh"

web_home
printf 'parallelism: 8\nweb: {bind: 127.0.0.1}\n' > "$H/sluice.yaml"
db_dag 1
start_standalone
sl trigger faults --partition f1 >/dev/null
wait_for 30 "the first tries to start" starts_over 4

# the holder: BEGIN EXCLUSIVE, then it waits (bounded) for the test's go
mkfifo "$T/lock.in"
sqlite3 "$H/sluice.db" < "$T/lock.in" > "$T/lock.out" 2>&1 &
LOCK_PID=$!
on_exit "kill $LOCK_PID"
exec 7>"$T/lock.in"
on_exit "exec 7>&-"
echo "PRAGMA busy_timeout=10000; BEGIN EXCLUSIVE; SELECT 'locked';" >&7
wait_for 10 "the external lock" grep -q locked "$T/lock.out"
locked_at=$(date +%s%N)
before=$(starts)

# /health, at once, again and again while the lock is held: within
# 100 ms (two of twenty may be slower, up to 1 s, on a loaded machine)
slow=0
for i in $(seq 20); do
	t=$(curl -sS -m 2 -o "$T/health" -w '%{time_total}' "$URL/health") ||
		fail "/health did not answer within 2 s under the lock (try $i)"
	assert_eq '{"status":"ok","scheduler":true,"scheduler_running":true}' "$(cat "$T/health")" "health $i"
	awk -v t="$t" 'BEGIN { exit !(t < 1) }' || fail "/health took ${t}s under the lock (try $i)"
	awk -v t="$t" 'BEGIN { exit !(t < 0.1) }' || slow=$((slow + 1))
done
[ "$slow" -le 2 ] || fail "/health took more than 100 ms $slow times out of 20 under the lock"
# a write and a read through the API: 503 in time, saying why (curl
# gives up after 10 s: a loop that waits on the lock fails here, not hangs)
api_limited() {
	local args=(-sS -m 10 -o "$T/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $OPS_TOKEN")
	[ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	curl "${args[@]}" "$URL/api/v1$2" || true
}
t0=$(date +%s%N)
code=$(api_limited POST /dags/faults/runs '{"partition":"f2"}')
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq 503 "$code" "trigger under the lock: $(cat "$T/body")"
[ "$ms" -lt 5000 ] || fail "the trigger took ${ms} ms to answer 503"
assert_contains "$(cat "$T/body")" "database is busy"
assert_contains "$(cat "$T/body")" '"status":503'
t0=$(date +%s%N)
code=$(api_limited GET /dags/faults/runs)
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 5000 ] || fail "a read took ${ms} ms under the lock"
# the tries that were running keep running (and end) while the lock is
# held; none starts anew: nothing can be recorded (their ends are checked
# below: every try started is recorded once)
while [ $((($(date +%s%N) - locked_at) / 1000000)) -lt 20000 ]; do
	curl -sS -m 1 -o /dev/null "$URL/health" || fail "/health did not answer under the lock"
	sleep 0.5	# the fault's duration, not a synchronisation
done
assert_eq "$before" "$(starts)" "tries started while nothing could be recorded"
assert_eq ok "$(curl -sS -m 2 "$URL/health" | sed 's/.*"status":"\([a-z]*\)".*/\1/')" "health at the end of the lock"
echo "COMMIT;" >&7
exec 7>&-
wait_for 10 "the holder to go" pid_gone "$LOCK_PID"
note "lock released after $((($(date +%s%N) - locked_at) / 1000000)) ms"

db_checks "database is locked"
# the API works again
assert_status 200 GET /dags/faults/runs
echo "trust_db_lock: ok"
