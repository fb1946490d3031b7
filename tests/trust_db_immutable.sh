#!/bin/bash
# A database that cannot be written for a few seconds in the middle of a
# run (chattr +i on the database and its WAL: every write fails with an
# I/O error): the failure is logged once with SQLite's message, nothing
# starts while writes fail, the scheduler resumes by itself when the file
# is writable again, and the run finishes with no try started twice and
# nothing left running without a process.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/trust_db_lib.sh"

new_home
printf 'parallelism: 8\n' > "$H/sluice.yaml"
db_dag 1
start_scheduler
sl trigger faults --partition f1 >/dev/null
wait_for 30 "the first tries to start" starts_over 4

on_exit "chattr -i '$H/sluice.db' '$H/sluice.db-wal'"
chattr +i "$H/sluice.db" "$H/sluice.db-wal" 2>"$T/chattr.err" ||
	skip "cannot make the database immutable: $(cat "$T/chattr.err")"
wait_for 30 "the scheduler to meet the read-only file" sched_log_has "database: .* failed"
ro_starts=$(starts)
sleep 4		# the fault lasts a few seconds (not a synchronisation)
assert_eq "$ro_starts" "$(starts)" "tries started while the database could not be written"
chattr -i "$H/sluice.db" "$H/sluice.db-wal"

db_checks "disk I/O error\|readonly\|read-only\|attempt to write"
assert_eq ok "$(q 'PRAGMA integrity_check')" "database integrity"
echo "trust_db_immutable: ok"
