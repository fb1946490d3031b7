#!/bin/bash
# A full disk is reported as a full disk: by the supervisor when the log
# fills up while the try runs (a line at the end of the log and the
# status's error), and by the local executor when there is no room to
# start a try at all. The disk is a 1 MB tmpfs mounted by the test.
. "$SLUICE_SRCDIR/tests/setup.sh"
SUP=$SLUICE_BUILDDIR/sluice-try
DRIVER=$SLUICE_BUILDDIR/tests/exec_driver
CONF="{\"type\":\"local\",\"supervisor\":\"$SUP\",\"status_dir\":\"$T/full/run\"}"

mkdir -p "$T/full"
mount -t tmpfs -o size=1m tmpfs "$T/full" 2>"$T/mount.err" ||
	skip "cannot mount a small tmpfs to fill: $(cat "$T/mount.err")"
on_exit "umount -l '$T/full'"
mkdir -p "$T/full/run" "$T/full/logs"

# --- the log fills the disk while the try runs; the status file (made
#     while there was room) still gets the final record ---
rc=0
"$SUP" -s "$T/full/run/a.status" -- sh -c 'echo first; head -c 3000000 /dev/zero | tr "\0" x; echo; echo done' \
	>>"$T/full/logs/a.log" 2>&1 || rc=$?
assert_eq 0 "$rc" "the command itself succeeded"
st=$(cat "$T/full/run/a.status")
assert_contains "$st" "state=ended"
assert_contains "$st" "error=disk full: "
assert_eq first "$(head -n 1 "$T/full/logs/a.log")" "what fitted is kept"
assert_contains "$(tail -c 200 "$T/full/logs/a.log")" "sluice: disk full: " "the log's last line"
assert_not_contains "$(cat "$T/full/logs/a.log")" "No such file"

# --- the same through the local executor: the command ran, so its own
#     exit stands (a try that did its work is not failed, and so run
#     again, for want of its output; as over ssh); the executor says
#     the log is incomplete ---
rm -f "$T/full/logs/a.log" "$T/full/run/a.status"
"$DRIVER" -Y -c "$CONF" -L "$T/full/logs" -- sh -c 'head -c 3000000 /dev/zero' >"$T/out" 2>"$T/err"
assert_not_contains "$(cat "$T/out")" '"error"'
assert_contains "$(cat "$T/out")" '"exit_code":0'
assert_contains "$(cat "$T/err")" "is incomplete: disk full: "
"$DRIVER" -Y -c "$CONF" -L "$T/full/logs" -- sh -c 'head -c 3000000 /dev/zero; exit 4' >"$T/out" 2>/dev/null
assert_not_contains "$(cat "$T/out")" '"error"'
assert_contains "$(cat "$T/out")" '"exit_code":4' "a failed command's own exit"
assert_eq "" "$(ls "$T/full/run")" "no status file left behind"

# --- through the scheduler, the home's logs on the full disk: a task
#     that succeeded is recorded as a success and runs once ---
rm -f "$T/full/logs/"*
new_home
printf 'logs: %s\n' "$T/full/logs" >"$H/sluice.yaml"
cat >"$H/dags/loud.yaml" <<YAML
dag: loud
tasks:
  talk: {retries: 2, retry_delay: 0s, command: 'echo x >> $T/ran.talk; head -c 3000000 /dev/zero'}
YAML
start_scheduler
sl trigger loud --partition p1 >/dev/null
wait_run loud p1 success 30
assert_eq 1 "$(wc -l <"$T/ran.talk")" "the task ran once"
assert_eq "1|0|" "$(ti_field loud p1 talk try_number)|$(ti_field loud p1 talk exit_code)|$(ti_field loud p1 talk error)" "try, exit code, error"
assert_contains "$(cat "$T/scheduler.log")" "/loud/p1/talk/try-1.log is incomplete: disk full: "
stop_pid "$SCHED_PID"
rm -rf "$T/full/logs/loud"

# --- no room at all: the try does not start, and says why ---
rm -f "$T/full/logs/"*
head -c 2000000 /dev/zero >"$T/full/filler" 2>/dev/null || true
"$DRIVER" -Y -c "$CONF" -L "$T/full/logs" -- true >"$T/out"
assert_contains "$(cat "$T/out")" "disk full"
assert_not_contains "$(cat "$T/out")" "No such file"
assert_eq "" "$(ls "$T/full/run")" "no status file left behind"
echo "try_disk_full: ok"
