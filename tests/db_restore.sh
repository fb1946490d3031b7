#!/bin/bash
# `sluice db restore FILE`: the home's database becomes a backup. It
# refuses while a scheduler runs on the database (changing nothing; asked
# of the database's lock, so also from another home whose sluice.yaml
# names it, as vacuum and executors ask), refuses
# a file that is not a whole sluice database or is newer than this sluice
# (naming the file and why), keeps the database it replaces unless
# --force, and migrates an older backup. The restored home runs again.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/c.yaml" <<'YAML'
dag: c
tasks:
  a: {command: 'true'}
YAML
sl db migrate >/dev/null
sl trigger c --partition p1 >/dev/null
sl db backup "$T/b1.db" >/dev/null
sl trigger c --partition p2 >/dev/null
runs() { q "SELECT group_concat(partition, ' ') FROM (SELECT partition FROM dag_runs ORDER BY partition)"; }
assert_eq "p1 p2" "$(runs)" "runs before the restore"

# refused while a scheduler runs: nothing changes
start_scheduler
rc=0; out=$(sl db restore "$T/b1.db" 2>&1) || rc=$?
assert_eq 1 "$rc" "restore while a scheduler runs: exit"
assert_contains "$out" "a scheduler runs on the database $H/sluice.db" "restore while a scheduler runs"
assert_contains "$out" "stop it first" "restore while a scheduler runs"
assert_eq "p1 p2" "$(runs)" "the database after a refused restore"
# another home whose sluice.yaml names this database: its verbs ask the
# database's lock, not their home's
H3=$T/home3
mkdir -p "$H3/dags"
printf 'database: %s/sluice.db\n' "$H" >"$H3/sluice.yaml"
rc=0; out=$("$SLUICE" --home "$H3" db restore "$T/b1.db" 2>&1) || rc=$?
assert_eq 1 "$rc" "restore from another home naming the database: exit"
assert_contains "$out" "a scheduler runs on the database $H/sluice.db" "restore from another home"
assert_eq "p1 p2" "$(runs)" "the database after a refused restore from another home"
rc=0; out=$("$SLUICE" --home "$H3" db vacuum 2>&1) || rc=$?
assert_eq 1 "$rc" "vacuum from another home: exit"
assert_contains "$out" "a scheduler runs on the database $H/sluice.db" "vacuum from another home"
assert_contains "$("$SLUICE" --home "$H3" executors 2>&1)" "(a scheduler is running on this home's database;" "executors from another home"
stop_pid "$SCHED_PID"

# files that are not a backup of this sluice: refused, naming the file
echo "not a database" >"$T/junk.db"
rc=0; out=$(sl db restore "$T/junk.db" 2>&1) || rc=$?
assert_eq 1 "$rc" "restore of a non-database: exit"
assert_contains "$out" "$T/junk.db: not an SQLite database" "restore of a non-database"
sqlite3 "$T/other.db" "CREATE TABLE t (x)"
rc=0; out=$(sl db restore "$T/other.db" 2>&1) || rc=$?
assert_eq 1 "$rc" "restore of another program's database: exit"
assert_contains "$out" "$T/other.db: not a sluice database" "restore of another program's database"
cp "$T/b1.db" "$T/newer.db"
sqlite3 "$T/newer.db" "INSERT INTO schema_migrations VALUES (9999, 'future', 0)"
rc=0; out=$(sl db restore "$T/newer.db" 2>&1) || rc=$?
assert_eq 1 "$rc" "restore of a newer database: exit"
assert_contains "$out" "$T/newer.db: schema version 9999, newer than this sluice" "restore of a newer database"
rc=0; out=$(sl db restore "$T/missing.db" 2>&1) || rc=$?
assert_eq 1 "$rc" "restore of a missing file: exit"
assert_contains "$out" "$T/missing.db: No such file" "restore of a missing file"
assert_eq "p1 p2" "$(runs)" "the database after refused restores"

# a backup in a folder this user cannot write (nobody's restore from a
# root-owned folder): read as it is, nothing made beside it
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
	chmod 755 "$T"
	H2=$T/home2
	mkdir -p "$H2/dags" "$T/ro"
	cp "$T/b1.db" "$T/ro/bk.db"
	chmod 644 "$T/ro/bk.db"
	chmod 555 "$T/ro"
	chown -R nobody "$H2"
	out=$(runuser -u nobody -- "$SLUICE" --home "$H2" db restore "$T/ro/bk.db" 2>&1) ||
		fail "restore from a folder nobody cannot write: $out"
	assert_eq "bk.db" "$(ls "$T/ro")" "files beside the backup after the restore"
	assert_eq "p1" "$(sqlite3 "$H2/sluice.db" "SELECT group_concat(partition, ' ') FROM dag_runs")" "the restored runs"
fi
ls "$H" | grep -q replaced && fail "a refused restore kept a copy: $(ls "$H")"

# the restore: the backup's runs, the replaced database kept beside it
out=$(sl db restore "$T/b1.db") || fail "db restore: $out"
assert_contains "$out" "restored $H/sluice.db from $T/b1.db" "db restore"
assert_eq "p1" "$(runs)" "runs after the restore"
kept=$(ls "$H" | grep '^sluice\.db\.replaced-') || fail "the replaced database was not kept: $(ls "$H")"
assert_contains "$out" "the database it replaced: $H/$kept" "db restore names the kept copy"
assert_eq "p1 p2" "$(sqlite3 "$H/$kept" "SELECT group_concat(partition, ' ') FROM (SELECT partition FROM dag_runs ORDER BY partition)")" "the kept copy"
assert_contains "$(sl db check)" ": ok" "db check after the restore"
rm "$H/$kept"

# an older backup (before migration 15) is migrated; --force keeps no copy
sqlite3 "$T/b1.db" "ALTER TABLE users DROP COLUMN last_login_at; DELETE FROM schema_migrations WHERE version = 15;"
mine=$("$SLUICE" --version | sed -n 's/.*schema version \([0-9]*\).*/\1/p')
out=$(sl db restore --force "$T/b1.db") || fail "db restore of an older backup: $out"
assert_contains "$out" "schema version $mine)" "an older backup is migrated"
assert_eq 1 "$(q "SELECT count(*) FROM pragma_table_info('users') WHERE name = 'last_login_at'")" "migration 15 applied"
ls "$H" | grep -q replaced && fail "--force kept a copy: $(ls "$H")"

# the restored home runs again
start_scheduler
sl dags unpause c >/dev/null 2>&1 || true
wait_run c p1 success 30
echo "db_restore: ok"
