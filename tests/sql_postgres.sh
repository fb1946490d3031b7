#!/bin/bash
# The sql task type end to end on a real PostgreSQL 15, as the scheduler
# runs it: statements with param values inserted as SQL literals (a quote
# inside, an injection attempt that stays data), | ident, file:, checks
# that pass, fail (naming check, value and rule) and warn (the task
# succeeds and the warning email reaches the test SMTP server), a refused
# statement named by number and place (line and column of sql:, or
# FILE:LINE:COL of file:) with the server's message as it wrote it, the same
# check through a redshift:// url (libpq, as Redshift speaks), load-time
# errors with their place, and a killed try cancelling its pg_sleep query
# on the server.
. "$SLUICE_SRCDIR/tests/setup.sh"
[ -x "$SLUICE" ] || fail "no sluice binary at $SLUICE"

start_postgres
start_smtp
DW_PASSWORD="etl-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
export DW_PASSWORD
DW_WRONG="wrong-$DW_PASSWORD"
export DW_WRONG
# passwords written inside a connection's url: as a libpq url parameter,
# and in a libpq keyword string given by mistake (both wrong)
DW_URL_PW="urlpw-$DW_PASSWORD"
DW_KW_PW="kwpw-$DW_PASSWORD"
pg_sql "CREATE ROLE etl LOGIN PASSWORD '$DW_PASSWORD'"
pg_sql "CREATE DATABASE dw OWNER etl"
dw() { pg_sql "$1" dw; }
dw "SET ROLE etl; CREATE TABLE people (name text, ds date);
    CREATE TABLE \"Odd Table\" (n int); INSERT INTO \"Odd Table\" VALUES (7);"

new_home
cat > "$H/sluice.yaml" <<CFG
connections:
  dw: {url: "postgresql://etl@127.0.0.1:$PG_PORT/dw", password_env: DW_PASSWORD}
  rs: {url: "redshift://etl@127.0.0.1:$PG_PORT/dw", password_env: DW_PASSWORD}
  dw_wrong: {url: "postgresql://etl@127.0.0.1:$PG_PORT/dw", password_env: DW_WRONG}
  dw_url_pw: {url: "postgresql://etl@127.0.0.1:$PG_PORT/dw?password=$DW_URL_PW&connect_timeout=3"}
  dw_keywords: {url: "host=127.0.0.1 port=$PG_PORT password=$DW_KW_PW dbname=dw"}
smtp: {url: "$SMTP_URL", from: sluice@example.com}
CFG
mkdir -p "$H/dags/sql"
cat > "$H/dags/sql/count.sql" <<'SQL'
-- the partition's people, from a file next to the DAG
INSERT INTO people (name, ds)
SELECT 'from file', {{ ds }}
WHERE (SELECT count(*) FROM people WHERE ds = '{{ ds }}') = 2;
SQL
cat > "$H/dags/sql/typo.sql" <<'SQL'
-- a typo in a column, on line 3
SELECT 1;
SELECT count(*) FROM people WHERE nmae = {{ params.name }};
SQL
cat > "$H/dags/people.yaml" <<'DAG'
dag: people
schedule: "@daily"
start: 2024-01-01T00:00:00Z
end: 2024-01-01T01:00:00Z
catchup: false
email: [dq@example.com]
params:
  name: {type: string, default: "O'Brien"}
  evil: {type: string, default: "x'); DROP TABLE people; --"}
  odd: {type: string, default: "Odd Table"}
tasks:
  load:
    type: sql
    connection: dw
    sql: |
      INSERT INTO people (name, ds) VALUES ({{ params.name }}, {{ ds }});
      INSERT INTO people (name, ds) VALUES ({{ params.evil }}, '{{ ds }}');
  from_file:
    type: sql
    connection: dw
    file: sql/count.sql
    after: load
  checks:
    type: sql
    connection: dw
    after: from_file
    checks:
      - name: partition_rows
        query: "SELECT count(*) FROM people WHERE ds = {{ ds }}"
        equals: 3
      - name: quoted_name
        query: "SELECT name FROM people WHERE name = {{ params.name }}"
        equals: "O'Brien"
      - name: odd_table
        query: "SELECT n FROM {{ params.odd | ident }}"
        between: [1, 10]
      - name: all_there
        query: "SELECT count(*) = 3 FROM people"
        is_true: true
  redshift_url:
    type: sql
    connection: rs
    after: checks
    checks:
      - name: partition_rows
        query: "SELECT count(*) FROM people WHERE ds = '{{ ds }}'"
        equals: 3
  too_few_warn:
    type: sql
    connection: dw
    after: checks
    checks:
      - name: at_least_100
        query: "SELECT count(*) FROM people WHERE ds = {{ ds }}"
        min: 100
        warn: true
  typo:
    type: sql
    connection: dw
    sql: |
      SELECT 1;
      UPDATE people SET nmae = {{ params.name }} WHERE ds = {{ ds }};
  typo_file:
    type: sql
    connection: dw
    file: sql/typo.sql
  wrong_password:
    type: sql
    connection: dw_wrong
    sql: SELECT 1
  url_password:
    type: sql
    connection: dw_url_pw
    sql: SELECT 1
  keyword_url:
    type: sql
    connection: dw_keywords
    sql: SELECT 1
  too_few:
    type: sql
    connection: dw
    after: checks
    checks:
      - name: fine
        query: "SELECT 1"
        not_empty: true
      - name: at_least_100
        query: "SELECT count(*) FROM people WHERE ds = {{ ds }}"
        min: 100
DAG
sl dags validate >"$T/validate.out" 2>&1 || fail "the DAG does not validate: $(cat "$T/validate.out")"

# ---- load-time errors name their place ----
bad() {	# bad NAME KEYS: a DAG NAME whose one sql task c has KEYS (YAML lines
	# from line 5) must not validate; the output in $T/NAME.out
	printf 'dag: %s\ntasks:\n  c:\n    type: sql\n%s\n' "$1" "$2" >"$H/dags/$1.yaml"
	sl dags validate >"$T/$1.out" 2>&1 && fail "$1 validated"
	rm "$H/dags/$1.yaml"
}
bad bad_rule '    connection: dw
    checks:
      - name: a
        query: SELECT 1
        equals: 1
      - name: b
        query: SELECT 1
        minimum: 1'
assert_contains "$(cat "$T/bad_rule.out")" "bad_rule.yaml:12:18: tasks.c.checks[1].minimum: unknown key 'minimum' in a check"
bad bad_between '    connection: dw
    checks:
      - name: a
        query: SELECT 1
        between: [10, 1]'
assert_contains "$(cat "$T/bad_between.out")" "bad_between.yaml:9:18: tasks.c.checks[0].between: between [10, 1]: the low bound is above the high one"
bad bad_conn '    sql: SELECT 1'
assert_contains "$(cat "$T/bad_conn.out")" "bad_conn.yaml:4:5: tasks.c: missing required key 'connection' for a sql task"
bad bad_tmpl '    connection: dw
    checks:
      - name: a
        query: "SELECT 1 -- {{ ds }}"
        equals: 1'
assert_contains "$(cat "$T/bad_tmpl.out")" "bad_tmpl.yaml:8:32: tasks.c.checks[0].query: '{{ ds }}' (line 1, column 16 of the SQL): it stands inside a -- comment"
printf 'SELECT 1;\n/* {{ ds }} */\n' > "$H/dags/sql/bad.sql"
bad bad_file '    connection: dw
    file: sql/bad.sql'
assert_contains "$(cat "$T/bad_file.out")" "/sql/bad.sql:2:7: tasks.c.file: '{{ ds }}' (line 2, column 7 of the SQL): it stands inside a /* */ comment"
rm "$H/dags/sql/bad.sql"
bad bad_outside '    connection: dw
    file: ../sluice.yaml'
assert_contains "$(cat "$T/bad_outside.out")" "bad_outside.yaml:6:11: tasks.c.file: ../sluice.yaml is outside the DAG folder"
sl dags validate >"$T/validate.out" 2>&1 || fail "the folder does not validate: $(cat "$T/validate.out")"

# ---- one partition: load, file, checks, a warning and a failure ----
start_scheduler
P=2024-01-01T00:00:00+00:00
sl backfill people --from 2024-01-01 --to 2024-01-01 --wait >"$T/backfill.out" 2>&1 || true
wait_run people "$P" failed 60
log() { cat "$H/logs/people/$P/$1/try-1.log"; }
for t in load from_file checks redshift_url too_few_warn; do
	[ "$(task_state people "$P" $t)" = success ] || fail "$t: $(task_state people "$P" $t): $(log $t)"
done
for t in too_few typo typo_file wrong_password url_password keyword_url; do
	assert_eq failed "$(task_state people "$P" $t)" "$t"
done

# the values went in as data: the quote and the injection attempt are rows
assert_eq "O'Brien|2024-01-01
from file|2024-01-01
x'); DROP TABLE people; --|2024-01-01" "$(dw "SELECT name, ds FROM people ORDER BY name")" "rows"
assert_contains "$(log load)" "VALUES ('O''Brien', '2024-01-01');"
assert_contains "$(log load)" "VALUES ('x''); DROP TABLE people; --', '2024-01-01');"
assert_contains "$(log load)" "statement 2 → INSERT 0 1"
assert_contains "$(log load)" "rows: 1 (the last statement)"
assert_contains "$(log load)" "2 statements committed in "
assert_contains "$(log load)" "  statement 1 → INSERT 0 1 (0."
# a statement the server refuses: its number, its place in the SQL (the
# file's line and column for file:), the server's message on lines of
# their own, and one readable line for the failure
assert_contains "$(log typo)" "  statement 1 → SELECT 1 (rows returned) (0."
assert_contains "$(log typo)" "  statement 2 FAILED (line 2, column 19 of the SQL):
    ERROR:  column \"nmae\" of relation \"people\" does not exist
    LINE 2: UPDATE people SET nmae = 'O''Brien' WHERE ds = '2024-01-01';
                              ^
SQL: ROLLBACK;"
assert_contains "$(log typo)" "sql failed: statement 2, line 2, column 19 of the SQL: column \"nmae\" of relation \"people\" does not exist"
assert_contains "$(log typo_file)" "sql failed: statement 2, sql/typo.sql:3:35: column \"nmae\" does not exist"
assert_not_contains "$(log typo_file)" ";;"
# a refused password: the url once (masked), the server's reason, and
# which environment variable the password came from
assert_contains "$(log wrong_password)" "sql: cannot connect to postgresql://etl@127.0.0.1:$PG_PORT/dw: connection to server at"
assert_contains "$(log wrong_password)" 'password authentication failed for user "etl" (the password is from the environment variable DW_WRONG)'
# a password in the url's parameters: masked like the userinfo's; a
# connection string that is not a url: named, never quoted
assert_contains "$(log url_password)" "sql: cannot connect to postgresql://etl@127.0.0.1:$PG_PORT/dw?password=***&connect_timeout=3: connection to server at"
assert_contains "$(log keyword_url)" "sql: connection dw_keywords: its url must start with postgresql://, redshift:// or sqlite:; it holds keyword=value settings instead: write them as postgresql://USER@HOST:PORT/DBNAME"
assert_contains "$(log from_file)" "statements from sql/count.sql"
assert_contains "$(log from_file)" "SELECT 'from file', '2024-01-01'"
assert_contains "$(log checks)" "check partition_rows passed: value 3, rule equals 3"
assert_contains "$(log checks)" "check quoted_name passed: value O'Brien, rule equals O'Brien"
assert_contains "$(log checks)" 'SELECT n FROM "Odd Table"'
assert_contains "$(log checks)" "check odd_table passed: value 7, rule between [1, 10]"
assert_contains "$(log checks)" "check all_there passed: value t, rule is_true"
assert_contains "$(log redshift_url)" "sql: Redshift at redshift://etl@127.0.0.1:$PG_PORT/dw; 1 check"
assert_contains "$(log too_few)" "check fine passed: value 1, rule not_empty"
assert_contains "$(log too_few)" "check at_least_100 FAILED: value 3, rule min 100"
assert_contains "$(log too_few)" "sql failed: check at_least_100 failed"
assert_contains "$(log too_few_warn)" "WARNING: check at_least_100 failed: value 3, rule min 100 (warn: true, the task goes on)"

# the warning's email reached the SMTP server, once
one_mail() { [ "$(smtp_count)" -ge 1 ]; }
wait_for 30 "the warning email" one_mail
assert_eq 1 "$(smtp_count)" "emails"
assert_eq "[sluice] WARNING: people.too_few_warn $P (try 1)" "$(smtp_mail header:Subject)" subject
assert_eq "dq@example.com" "$(smtp_mail header:To)" to
assert_contains "$(smtp_mail text)" "Task too_few_warn of DAG people succeeded with a warning on partition $P"
assert_contains "$(smtp_mail text)" "warning: check at_least_100: value 3, rule min 100"

# ---- a killed try cancels its query on the server ----
cat > "$H/dags/sleepy.yaml" <<'DAG'
dag: sleepy
schedule: "@daily"
start: 2024-01-01T00:00:00Z
end: 2024-01-01T01:00:00Z
catchup: false
tasks:
  nap:
    type: sql
    connection: dw
    timeout: 3s
    sql: "SELECT pg_sleep(300) /* sluice-kill-test */"
DAG
sl dags validate >/dev/null || fail "sleepy does not validate: $(sl dags validate 2>&1)"
sl backfill sleepy --from 2024-01-01 --to 2024-01-01 >"$T/backfill2.out" 2>&1 &
on_exit "kill $! 2>/dev/null"
sleeping() { [ "$(dw "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%sluice-kill-' || 'test%' AND state = 'active'")" = 1 ]; }
wait_for 60 "the pg_sleep query to run" sleeping
not_sleeping() { ! sleeping; }
wait_for 30 "the query to be cancelled" not_sleeping
wait_run sleepy "$P" failed 30
nap=$(cat "$H/logs/sleepy/$P/nap/try-1.log")
assert_contains "$nap" "the try was stopped: cancel request sent to the server"
assert_contains "$nap" "canceling statement due to user request"

if grep -r -F -e "$DW_PASSWORD" -e "$DW_WRONG" -e "$DW_URL_PW" -e "$DW_KW_PW" "$H/logs" "$T/scheduler.log" >/dev/null; then
	fail "the warehouse password appears in a log"
fi
# nor in the tries' recorded errors (sluice tasks, the API, the web)
if q "SELECT * FROM task_tries" | grep -F -e "$DW_URL_PW" -e "$DW_KW_PW" >/dev/null; then
	fail "a password written in a url appears in a recorded error"
fi
