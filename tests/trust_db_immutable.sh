#!/bin/bash
# A database that cannot be written for a few seconds in the middle of a
# run (chattr +i on the database and its WAL: every write fails with an
# I/O error): the failure is logged once with SQLite's message, nothing
# starts while writes fail, the scheduler resumes by itself when the file
# is writable again, and the run finishes with no try started twice and
# nothing left running without a process. CLI writes meanwhile are refused
# with SQLite's message and change nothing.
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
# a person's writes meanwhile fail with SQLite's message (not "not an
# error", which a rollback leaves as the connection's message) and change
# nothing
for verb in "dags pause faults" "trigger faults --partition f2" "clear faults --partition f1 --yes"; do
	rc=0
	sl $verb >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -ne 0 ] || fail "sluice $verb succeeded on a database that cannot be written"
	grep -qE "readonly|read-only|disk I/O error" "$T/err" ||
		fail "sluice $verb does not say why: $(cat "$T/err")"
	assert_not_contains "$(cat "$T/err")" "not an error" "sluice $verb"
done
sleep 4		# the fault lasts a few seconds (not a synchronisation)
assert_eq "$ro_starts" "$(starts)" "tries started while the database could not be written"
chattr -i "$H/sluice.db" "$H/sluice.db-wal"

db_checks "disk I/O error\|readonly\|read-only\|attempt to write"
assert_eq 0 "$(q "SELECT paused FROM dags WHERE dag_id = 'faults'")" "the DAG paused by a refused pause"
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE partition = 'f2'")" "runs made by a refused trigger"
assert_eq ok "$(q 'PRAGMA integrity_check')" "database integrity"
echo "trust_db_immutable: ok"
