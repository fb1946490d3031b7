#!/bin/bash
# A home whose database the first sluice made (schema version 1, from
# migrations/0001_init.sql, with finished and failed runs): `db version`
# says how many migrations are pending and changes nothing (the file's
# bytes stay); `db backup` copies it at version 1; `db migrate` brings it to this sluice's version with its
# runs, task instances and tries kept; `db check` passes; a scheduler
# runs a new partition on it. A newer database: version refuses, exit 3.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/c.yaml" <<'YAML'
dag: c
tasks:
  a: {command: 'true'}
  b: {after: [a], command: 'true'}
YAML
now=$(($(date +%s) * 1000))
sqlite3 "$H/sluice.db" <"$SLUICE_SRCDIR/migrations/0001_init.sql"
sqlite3 "$H/sluice.db" <<SQL
PRAGMA journal_mode=WAL;
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
INSERT INTO schema_migrations VALUES (1, '0001_init', $now);
INSERT INTO dags (dag_id, file, updated_at) VALUES ('c', '$H/dags/c.yaml', $now);
INSERT INTO dag_runs VALUES (1, 'c', 'p1', 0, 3600, 'manual', 'success', NULL, $now, $now, $now);
INSERT INTO dag_runs VALUES (2, 'c', 'p2', 3600, 7200, 'manual', 'failed', NULL, $now, $now, $now);
INSERT INTO task_instances (id, run_id, dag_id, task_id, state, try_number, updated_at) VALUES
 (1, 1, 'c', 'a', 'success', 1, $now), (2, 1, 'c', 'b', 'success', 1, $now),
 (3, 2, 'c', 'a', 'failed', 1, $now), (4, 2, 'c', 'b', 'upstream_failed', 0, $now);
INSERT INTO task_tries (ti_id, try_number, state, started_at, ended_at, exit_code) VALUES
 (1, 1, 'success', $now, $now, 0), (2, 1, 'success', $now, $now, 0), (3, 1, 'failed', $now, $now, 1);
PRAGMA wal_checkpoint(TRUNCATE);
SQL
mine=$("$SLUICE" --version | sed -n 's/.*schema version \([0-9]*\).*/\1/p')
n=$(ls "$SLUICE_SRCDIR"/migrations/[0-9]*.sql | wc -l)
before=$(md5sum <"$H/sluice.db")
out=$(sl db version) || fail "db version: $out"
assert_eq "$H/sluice.db: schema version 1 (this sluice: $mine); $((n - 1)) migrations pending: \`sluice db migrate\` applies them, as does any other command or a scheduler's start" \
	"$out" "db version of a version 1 database"
assert_eq "$before" "$(md5sum <"$H/sluice.db")" "db version changed the database"
assert_eq 1 "$(q "SELECT max(version) FROM schema_migrations")" "db version migrated"
# a backup before the first start keeps the old version (an older
# sluice can open it again)
sl db backup "$T/v1.db" >/dev/null || fail "db backup of a version 1 database"
assert_eq 1 "$(sqlite3 "$T/v1.db" "SELECT max(version) FROM schema_migrations")" "the backup's version"
assert_eq 1 "$(q "SELECT max(version) FROM schema_migrations")" "db backup migrated"

# "upgrade", as other tools say, names the command that does it; it
# changes nothing
rc=0; out=$(sl db upgrade 2>&1) || rc=$?
assert_eq 2 "$rc" "db upgrade"
assert_contains "$out" "unknown subcommand 'upgrade' (did you mean 'sluice db migrate'?)" "db upgrade"
assert_eq 1 "$(q "SELECT max(version) FROM schema_migrations")" "db upgrade migrated"
out=$(sl db migrate) || fail "db migrate: $out"
assert_eq "$H/sluice.db: schema version $mine (this sluice: $mine)" "$out" "db migrate"
assert_eq "$H/sluice.db: schema version $mine (this sluice: $mine)" "$(sl db version)" "db version after migrate"
assert_contains "$(sl db check)" ": ok" "db check after the upgrade"
runs=$(sl runs c)
assert_contains "$runs" "p1" "runs after the upgrade"
assert_contains "$runs" "p2" "runs after the upgrade"
assert_eq "success failed" "$(q "SELECT group_concat(state, ' ') FROM (SELECT state FROM dag_runs ORDER BY id)")" "runs' states kept"
assert_eq 3 "$(q "SELECT count(*) FROM task_tries")" "tries kept"

printf 'dags_paused_at_creation: false\n' >"$H/sluice.yaml"
start_scheduler
sl dags unpause c >/dev/null 2>&1 || true
sl trigger c --partition p3 >/dev/null
wait_run c p3 success 30

# a database newer than this sluice: version refuses it, read only
stop_pid "$SCHED_PID"
q "INSERT INTO schema_migrations VALUES (9999, 'future', 0)"
rc=0; out=$(sl db version 2>&1) || rc=$?
assert_eq 3 "$rc" "db version of a newer database: exit"
assert_contains "$out" "schema version 9999, newer than this sluice understands ($mine)" "db version of a newer database"
echo "db_upgrade: ok"
