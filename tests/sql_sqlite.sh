#!/bin/bash
# The sql task type end to end on SQLite, as the scheduler runs it: a
# partition's statements from file: in one transaction (a failing later
# statement rolls back an earlier DELETE), a quoted value with a quote in it, an
# injection attempt through a param that stays data, | ident, the date
# helpers in SQL, and checks that pass, fail and warn.
. "$SLUICE_SRCDIR/tests/setup.sh"
[ -x "$SLUICE" ] || fail "no sluice binary at $SLUICE"
command -v sqlite3 >/dev/null || skip "the sqlite3 CLI is not installed"

new_home
DB=$H/warehouse.db
sqlite3 "$DB" "CREATE TABLE \"sales facts\" (store text, ds text, amount int);
	INSERT INTO \"sales facts\" VALUES ('old', '2024-03-09', 5);"
cat > "$H/sluice.yaml" <<'CFG'
connections:
  wh: {url: "sqlite:warehouse.db"}
CFG
mkdir -p "$H/dags/sql"
cat > "$H/dags/sql/load.sql" <<'SQL'
/* one partition of sales; re-runs replace it */
DELETE FROM {{ params.table | ident }} WHERE ds = {{ ds }};
INSERT INTO {{ params.table | ident }} VALUES ({{ params.store }}, '{{ ds }}', 10);
INSERT INTO {{ params.table | ident }} VALUES ({{ params.evil }}, {{ ds }}, 20);
INSERT INTO {{ params.table | ident }}
  SELECT 'yesterday: ' || {{ prev_ds }} || ' / ' || {{ data_interval_start | add: -1d | %Y%m%d }}, {{ ds }}, 0;
SQL
cat > "$H/dags/sales.yaml" <<'DAG'
dag: sales
schedule: "0 0 * * *"
start: 2024-03-10T00:00:00Z
end: 2024-03-10T01:00:00Z
catchup: false
params:
  table: {type: string, default: "sales facts"}
  store: {type: string, default: "Joe's"}
  evil: {type: string, default: "x', 1, 1); DELETE FROM \"sales facts\"; --"}
  fail_last: {type: string, default: "no"}
tasks:
  load:
    type: sql
    connection: wh
    file: sql/load.sql
  check:
    type: sql
    connection: wh
    after: load
    checks:
      - name: rows
        query: "SELECT count(*) FROM {{ params.table | ident }} WHERE ds = {{ ds }}"
        between: [3, 3]
      - name: quoted
        query: "SELECT count(*) FROM \"sales facts\" WHERE store = {{ params.store }}"
        equals: 1
      - name: big_day
        query: "SELECT sum(amount) FROM \"sales facts\" WHERE ds = '{{ ds }}'"
        min: 1000
        warn: true
  broken:
    type: sql
    connection: wh
    after: check
    sql: |
      DELETE FROM "sales facts" WHERE ds = {{ ds }};
      INSERT INTO no_such_table VALUES (1);
  strict:
    type: sql
    connection: wh
    after: load
    checks:
      - name: big_day
        query: "SELECT sum(amount) FROM \"sales facts\" WHERE ds = '{{ ds }}'"
        min: 1000
DAG
sl dags validate >"$T/validate.out" 2>&1 || fail "the DAG does not validate: $(cat "$T/validate.out")"
start_scheduler
P=2024-03-10T00:00:00+00:00
sl backfill sales --from 2024-03-10 --to 2024-03-10 --wait >"$T/backfill.out" 2>&1 || true
wait_run sales "$P" failed 60
log() { cat "$H/logs/sales/$P/$1/try-1.log"; }
for t in load check; do
	[ "$(task_state sales "$P" $t)" = success ] || fail "$t: $(task_state sales "$P" $t): $(log $t)"
done
assert_eq failed "$(task_state sales "$P" strict)" strict

assert_eq "Joe's|2024-03-10|10
old|2024-03-09|5
x', 1, 1); DELETE FROM \"sales facts\"; --|2024-03-10|20
yesterday: 2024-03-09 / 20240309|2024-03-10|0" \
	"$(sqlite3 "$DB" "SELECT * FROM \"sales facts\" ORDER BY store")" "rows"
assert_contains "$(log load)" "statements from sql/load.sql"
assert_contains "$(log load)" "DELETE FROM \"sales facts\" WHERE ds = '2024-03-10';"
assert_contains "$(log load)" "VALUES ('Joe''s', '2024-03-10', 10);"
assert_contains "$(log load)" "statement 4 → 1 row changed"
assert_contains "$(log load)" "rows: 1 (the last statement)"
assert_contains "$(log load)" "4 statements committed in "
assert_contains "$(log check)" "check rows passed: value 3, rule between [3, 3]"
assert_contains "$(log check)" "check quoted passed: value 1, rule equals 1"
assert_contains "$(log check)" "WARNING: check big_day failed: value 30, rule min 1000 (warn: true, the task goes on)"
assert_contains "$(log check)" "no warning email: the task and its DAG set no email recipients"
assert_contains "$(log strict)" "check big_day FAILED: value 30, rule min 1000"

# One transaction: broken's DELETE of the partition is rolled back when
# its next statement fails.
assert_eq failed "$(task_state sales "$P" broken)" broken
assert_contains "$(log broken)" "statement 1 → 3 rows changed"
assert_contains "$(log broken)" "sql failed: statement 2, line 2, column 1 of the SQL: no such table: no_such_table"
assert_contains "$(log broken)" "SQL: ROLLBACK;"
assert_eq 4 "$(sqlite3 "$DB" "SELECT count(*) FROM \"sales facts\"")" "rows after the rolled-back try"

# A SQLite warehouse that does not exist is not made by a sql task (a
# mistyped path would be an empty warehouse every query misses): said so
cat >"$H/dags/typo.yaml" <<'DAG'
dag: typo
schedule: none
tasks:
  q: {type: sql, connection: typo, sql: "SELECT 1"}
DAG
set +e
out=$(SLUICE_CONN_TYPO=sqlite:warehuose.db "$SLUICE" --home "$H" test typo q 2>&1)
st=$?
set -e
assert_eq 1 "$st" "exit code of a sql task on a missing SQLite file: $out"
assert_contains "$out" "cannot open $H/warehuose.db: no such file (a sql task does not create a SQLite warehouse; a warehouse_copy with create_table: true does)"
[ ! -e "$H/warehuose.db" ] || fail "the sql task created the mistyped warehouse"
echo "sql_sqlite: ok"
