#!/bin/bash
# A full disk in the middle of a run: the home is a small tmpfs, filled by
# a big file while tries run, freed a few seconds later. The scheduler
# logs SQLite's "database or disk is full" once, starts nothing while
# writes fail, resumes by itself when space returns, and the run finishes:
# no try started twice (every start traced outside the tmpfs), nothing
# left running without a process.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/trust_db_lib.sh"

new_home
mount -t tmpfs -o size=16m tmpfs "$H" 2>"$T/mount.err" ||
	skip "cannot mount a small tmpfs as the home: $(cat "$T/mount.err")"
on_exit "umount -l '$H'"
mkdir -p "$H/dags"
printf 'parallelism: 8\n' > "$H/sluice.yaml"
db_dag 1
start_scheduler
sl trigger faults --partition f1 >/dev/null
wait_for 30 "the first tries to start" starts_over 4

# fill the disk (the write stops at ENOSPC) while tries run
head -c 64m /dev/zero > "$H/filler" 2>/dev/null || true
wait_for 30 "the scheduler to meet the full disk" sched_log_has "database or disk is full"
full_starts=$(starts)
sleep 4		# the fault lasts a few seconds (not a synchronisation)
assert_eq "$full_starts" "$(starts)" "tries started while the disk was full"
assert_eq 1 "$(grep -c 'database or disk is full' "$T/scheduler.log")" "logged once while the disk stayed full"
rm -f "$H/filler"

db_checks "database or disk is full"
assert_eq ok "$(q 'PRAGMA integrity_check')" "database integrity"
echo "trust_db_full: ok"
