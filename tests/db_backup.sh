#!/bin/bash
# `sluice db backup` while a scheduler runs a chain: the copy passes
# integrity_check, holds every run committed before the backup began
# (finished ones as finished, each with its task instances), and the
# scheduler went on committing meanwhile. `sluice db check` passes on the
# copy and names what is wrong in a damaged one (exit 1).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/db_lib.sh"
new_home
cat >"$H/dags/chain.yaml" <<'YAML'
dag: chain
tasks:
  a: {command: 'sleep 0.05'}
  b: {after: [a], command: 'sleep 0.05'}
  c: {after: [b], command: 'sleep 0.05'}
YAML
sl db migrate >/dev/null
# a database of some size: the copy takes many steps of 256 pages
db_history chain 3000 400 1500
note "database: $(stat -c %s "$H/sluice.db") bytes"
start_scheduler
sl trigger chain --partition p1 >/dev/null
wait_run chain p1 success 60
# the chain keeps committing through the backup
( for i in $(seq 2 40); do sl trigger chain --partition "p$i" >/dev/null; done ) &
TRIGGERS=$!
on_exit "kill $TRIGGERS 2>/dev/null"
has_p3() { [ -n "$(q "SELECT 1 FROM dag_runs WHERE partition = 'p3'")" ]; }
wait_for 30 "more runs to be triggered" has_p3

# what was committed before the backup began, kept aside
q "ATTACH '$T/before.db' AS b; CREATE TABLE b.runs AS SELECT id, state, (SELECT count(*) FROM task_instances WHERE run_id = r.id) AS tis FROM dag_runs r"
v0=$(q "SELECT count(*) FROM state_changes")
out=$(sl db backup "$T/copy.db") || fail "db backup failed: $out"
assert_contains "$out" "backed up" "backup says what it did"
[ -e "$T/copy.db.partial" ] && fail "the partial file stayed"
assert_eq ok "$(sqlite3 "$T/copy.db" "PRAGMA integrity_check")" "the copy passes integrity_check"
assert_eq "" "$(sqlite3 "$T/copy.db" "PRAGMA foreign_key_check")" "the copy passes foreign_key_check"

# every run committed before the backup began is in the copy; finished
# ones finished, each with its task instances
nbefore=$(sqlite3 "$T/before.db" "SELECT count(*) FROM runs")
[ "$nbefore" -gt 3000 ] || fail "only $nbefore runs before the backup"
missing=$(sqlite3 -batch -noheader "$T/copy.db" "ATTACH '$T/before.db' AS b;
  SELECT x.id || ' ' || x.state || ' -> ' || coalesce(r.state, 'missing') FROM b.runs x
  LEFT JOIN main.dag_runs r ON r.id = x.id
  WHERE r.id IS NULL
     OR (x.state IN ('success', 'failed') AND r.state <> x.state)
     OR (SELECT count(*) FROM main.task_instances WHERE run_id = x.id) <> x.tis")
assert_eq "" "$missing" "the copy holds every run committed before the backup"

# the scheduler went on: all 40 runs finish
wait "$TRIGGERS"
wait_run chain p40 success 120
[ "$(q "SELECT count(*) FROM state_changes")" -gt "$v0" ] || fail "no commits after the backup began"
kill -0 "$SCHED_PID" || fail "the scheduler died"

# a home on the copy: sluice reads it and db check passes
mkdir -p "$T/restored/dags"
cp "$H/dags/chain.yaml" "$T/restored/dags/"
printf 'database: %s\n' "$T/copy.db" >"$T/restored/sluice.yaml"
out=$("$SLUICE" --home "$T/restored" db check) || fail "db check of the copy: $out"
assert_contains "$out" "ok" "db check: ok"
assert_contains "$("$SLUICE" --home "$T/restored" runs chain)" "p1" "the restored home lists p1"

# an existing FILE is kept unless --force
rc=0; sl db backup "$T/copy.db" >/dev/null 2>&1 || rc=$?
assert_eq 1 "$rc" "backup refuses to overwrite"
sl db backup --force "$T/copy.db" >/dev/null || fail "backup --force"
# ... but never onto the live database or its WAL, even with --force: the
# running scheduler would write on into the replaced file
ino0=$(stat -c %i "$H/sluice.db")
for f in "$H/sluice.db" "$H/sluice.db-wal" "$H/./sluice.db"; do
	rc=0; sl db backup --force "$f" >/dev/null 2>"$T/err" || rc=$?
	assert_eq 1 "$rc" "backup --force onto $f"
	assert_contains "$(cat "$T/err")" "is the database" "backup onto $f says why"
done
assert_eq "$ino0" "$(stat -c %i "$H/sluice.db")" "the live database stayed the same file"
[ -e "$H/sluice.db.partial" ] && fail "a partial copy was left beside the database"

# damage: a task instance of no run, a state change of no run
sqlite3 "$T/copy.db" "PRAGMA foreign_keys=OFF; INSERT INTO task_instances (run_id, dag_id, task_id, updated_at) VALUES (999999, 'chain', 'a', 0); INSERT INTO state_changes (at, run_id, to_state) VALUES (0, 999998, 'success');"
rc=0; out=$("$SLUICE" --home "$T/restored" db check) || rc=$?
assert_eq 1 "$rc" "db check exits 1 on a damaged database"
assert_contains "$out" "foreign_key_check" "it names the foreign key problem"
assert_contains "$out" "task_instances" "... in task_instances"
assert_contains "$out" "state_changes of missing runs" "it names the orphan state changes"
rc=0; out=$("$SLUICE" --home "$T/restored" --json db check) || rc=$?
assert_eq 1 "$rc" "db check --json exits 1 too"
assert_contains "$out" '"ok": false' "--json says not ok"

# vacuum refuses while the scheduler runs, works on the copy
rc=0; sl db vacuum >/dev/null 2>&1 || rc=$?
assert_eq 1 "$rc" "vacuum refuses while a scheduler runs"
assert_contains "$("$SLUICE" --home "$T/restored" db vacuum)" "vacuumed" "vacuum on a home with no scheduler"
# the database and its backups hold password and token hashes: made for
# their owner alone, whatever the umask
assert_eq 600 "$(stat -c %a "$H/sluice.db")" "the mode of a new database"
assert_eq 600 "$(stat -c %a "$T/copy.db")" "the mode of a backup"
# a backup into a folder that is not there says why (it said only SQLite's
# "unable to open database file")
rc=0; out=$(sl db backup "$T/no/such/folder/copy.db" 2>&1) || rc=$?
assert_eq 1 "$rc" "db backup into a missing folder"
assert_contains "$out" "cannot open the database $T/no/such/folder/copy.db.partial: unable to open database file (No such file or directory)" "the reason is named"
# a backup onto a full disk fails, says so, and leaves nothing there
# (the copy's journal went too: it was left on the full disk)
mkdir -p "$T/small"
if mount -t tmpfs -o size=256k tmpfs "$T/small" 2>/dev/null; then
	on_exit "umount -l '$T/small'"
	rc=0; out=$(sl db backup "$T/small/copy.db" 2>&1) || rc=$?
	assert_eq 1 "$rc" "db backup onto a full disk"
	assert_contains "$out" "database or disk is full" "the reason is named"
	assert_eq "" "$(ls -A "$T/small")" "files left on the full disk"
else
	note "no tmpfs to fill: the full-disk backup is not checked"
fi
echo "db_backup: ok"
