#!/bin/bash
# A person action whose commit meets a full disk says so in one wording,
# with SQLite's reason, from every CLI verb and the API:
# "H/sluice.db: commit: database or disk is full" (sluice mark said
# "database: commit failed", and so did the API's pause, trigger, clear
# and mark); so does the scheduler's lock file. The home is a small
# tmpfs, filled by a file.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

H=$T/home
mkdir -p "$H"
mount -t tmpfs -o size=16m tmpfs "$H" 2>"$T/mount.err" ||
	skip "cannot mount a small tmpfs as the home: $(cat "$T/mount.err")"
on_exit "umount -l '$H'"
web_home
printf 'dag: d\nschedule: none\ntasks:\n  a: {command: "true"}\n  b: {after: [a], command: "true"}\n' >"$H/dags/d.yaml"
sl trigger d --partition p >/dev/null
start_web
URL=$WURL
# a first write through the web (its connection opened), while there is room
assert_status 200 POST /dags/d/unpause

head -c 64m /dev/zero >"$H/filler" 2>/dev/null || true
WANT="$H/sluice.db: commit: database or disk is full"

# the CLI: each verb fails with the same words
cli_case() {	# NAME ARGS...
	local name=$1
	shift
	if sl "$@" >"$T/out" 2>"$T/err"; then
		fail "$name succeeded on a full disk: $(cat "$T/out")"
	fi
	assert_contains "$(cat "$T/err")" "sluice: $WANT" "$name"
	assert_not_contains "$(cat "$T/err")" "commit failed" "$name"
}
cli_case "mark" mark d a p failed
cli_case "clear" clear d --task a --partition p --yes
cli_case "dags pause" dags pause d
cli_case "trigger" trigger d --partition p2

# the API: a 500 with the same words
api_case() {	# PATH BODY
	assert_status 500 POST "$1" "$2"
	assert_eq "$WANT" "$(jget 'd["error"]')" "POST $1"
}
api_case /dags/d/pause ""
api_case /dags/d/runs '{"partition":"p3"}'
api_case /dags/d/clear '{"tasks":["a"],"partitions":["p"]}'
api_case /dags/d/mark '{"tasks":["a"],"partitions":["p"],"state":"failed"}'

# a scheduler started on the full disk says why its lock file holds no
# pid (it said "cannot write H/.scheduler.lock", no cause)
"$SLUICE" --home "$H" scheduler >"$T/sched_full.log" 2>&1 &
full_pid=$!
on_exit "stop_pid $full_pid"
said_lock() { grep -q "scheduler.lock" "$T/sched_full.log"; }
wait_for 20 "the scheduler to say its lock file" said_lock
assert_contains "$(cat "$T/sched_full.log")" \
	"sluice: cannot write this scheduler's pid into $H/.scheduler.lock: disk full" "the lock file's write"
stop_pid "$full_pid"

# room again: the same actions go through
rm -f "$H/filler"
sl mark d a p failed >/dev/null || fail "mark once there is room again"
assert_status 200 POST /dags/d/pause

# no process on the database: the reading verbs need a new -shm
stop_pid "$WPID"
sl dags list >/dev/null || fail "dags list with room"
[ ! -e "$H/sluice.db-shm" ] || fail "the -shm stayed after the last process: $(ls "$H")"
head -c 64m /dev/zero >"$H/filler" 2>/dev/null || true
for verb in "users list" "runs d" "tasks d p" "dags list" "db check" "db version" "db backup $T/bk.db"; do
	rc=0
	# shellcheck disable=SC2086
	out=$(sl $verb 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "$verb read on a full disk: $out"
	assert_contains "$out" "sluice: $H/sluice.db: disk full" "$verb on a full disk"
done
rm -f "$H/filler" "$H/sluice.db-shm" "$H/sluice.db-wal"
# a read-only file system
mount -o remount,ro "$H" || fail "cannot remount $H read-only"
for verb in "users list" "dags list" "db version" "trigger d --partition p9"; do
	rc=0
	# shellcheck disable=SC2086
	out=$(sl $verb 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "$verb on a read-only file system: $out"
	assert_contains "$out" "$H/sluice.db: read-only file system" "$verb on a read-only file system"
done
mount -o remount,rw "$H"
echo "cli_db_full: ok"
