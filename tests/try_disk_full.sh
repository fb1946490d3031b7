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

# --- the same through the local executor: the try fails with the
#     reason, not with a confusing error ---
rm -f "$T/full/logs/a.log" "$T/full/run/a.status"
"$DRIVER" -c "$CONF" -L "$T/full/logs" -- sh -c 'head -c 3000000 /dev/zero' >"$T/out"
assert_contains "$(cat "$T/out")" '"error":"disk full: '
assert_contains "$(cat "$T/out")" '"exit_code":0'
assert_eq "" "$(ls "$T/full/run")" "no status file left behind"

# --- no room at all: the try does not start, and says why ---
rm -f "$T/full/logs/"*
head -c 2000000 /dev/zero >"$T/full/filler" 2>/dev/null || true
"$DRIVER" -c "$CONF" -L "$T/full/logs" -- true >"$T/out"
assert_contains "$(cat "$T/out")" "disk full"
assert_not_contains "$(cat "$T/out")" "No such file"
assert_eq "" "$(ls "$T/full/run")" "no status file left behind"
echo "try_disk_full: ok"
