#!/bin/bash
# `trigger --wait` and `backfill --wait` with no scheduler on the home:
# they say so, give up after 60 s and exit 3, the runs left queued. Of
# a paused DAG, they and logs --follow say it is paused first.
# SLUICE_NO_SCHEDULER_SECONDS=0 (read by cli_wait_runs for tests) gives
# up at the first look after the warning instead of after a minute.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/adhoc.yaml" <<'YAML'
dag: adhoc
schedule: none
tasks:
  x: {command: 'true'}
YAML
cat >"$H/dags/hist.yaml" <<'YAML'
dag: hist
schedule: "0 * * * *"
start: 2030-01-01T00:00:00Z
tasks:
  x: {command: 'true'}
YAML

set +e
SLUICE_NO_SCHEDULER_SECONDS=0 sl trigger adhoc --partition k1 --wait >"$T/tr.out" 2>"$T/tr.err"; st=$?
set -e
assert_eq 3 "$st" "exit code of trigger --wait with no scheduler"
assert_contains "$(cat "$T/tr.out")" "triggered adhoc partition k1" "trigger made its run"
assert_contains "$(cat "$T/tr.err")" "sluice: no scheduler is running on the database $H/sluice.db; the run will start when one does" \
	"trigger --wait says no scheduler runs"
assert_contains "$(cat "$T/tr.err")" "sluice: still no scheduler on the database $H/sluice.db after 0 s: not waiting any longer (the run stays queued)" \
	"trigger --wait says why it gave up"
assert_not_contains "$(cat "$T/tr.out")" "succeeded" "trigger --wait with no scheduler"
assert_eq queued "$(q "SELECT state FROM dag_runs WHERE dag_id = 'adhoc' AND partition = 'k1'")" \
	"the triggered run stays queued"

set +e
SLUICE_PROGRESS_SECONDS=0 SLUICE_NO_SCHEDULER_SECONDS=0 sl backfill hist --allow-outside-range \
	--from 2029-01-01T00:00Z --to 2029-01-01T01:00Z --wait >"$T/bf.out" 2>"$T/bf.err"; st=$?
set -e
assert_eq 3 "$st" "exit code of backfill --wait with no scheduler"
assert_contains "$(cat "$T/bf.err")" "sluice: no scheduler is running on the database $H/sluice.db; the runs will start when one does" \
	"backfill --wait says no scheduler runs"
assert_contains "$(cat "$T/bf.err")" "sluice: still no scheduler on the database $H/sluice.db after 0 s: not waiting any longer (the runs stay queued)" \
	"backfill --wait says why it gave up"
assert_eq 2 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'hist' AND state = 'queued'")" \
	"the backfill's runs stay queued"
# hist is paused (dags_paused_at_creation): backfill says so, as trigger
# does, before its wait (it said "0/2 runs done" and waited on)
paused_note="sluice: DAG hist is paused: its runs start once it is unpaused (sluice dags unpause hist)"
assert_contains "$(cat "$T/bf.err")" "$paused_note" "backfill of a paused DAG"
assert_eq "$paused_note" "$(grep -m1 -e 'is paused' -e 'runs done' "$T/bf.err")" \
	"the paused note comes before the wait's progress"
assert_contains "$(cat "$T/tr.err")" "sluice: DAG adhoc is paused: its runs start once it is unpaused" \
	"trigger of a paused DAG"
# logs --follow of a task of the paused DAG that has not started says so
# too, off a terminal
"$SLUICE" --home "$H" logs adhoc x k1 --follow >"$T/lf.out" 2>"$T/lf.err" &
lf=$!
on_exit "stop_pid $lf"
said_paused() { grep -q "is paused" "$T/lf.err"; }
wait_for 10 "logs --follow to say the DAG is paused" said_paused
assert_contains "$(cat "$T/lf.err")" "sluice: DAG adhoc is paused: its runs start once it is unpaused (sluice dags unpause adhoc)" \
	"logs --follow of a paused DAG's task"
stop_pid "$lf"

# the help of both says so, with the minute users get
assert_contains "$("$SLUICE" trigger --help | tr '\n' ' ')" "3 when no scheduler ran on the home for 60 s (the run stays queued)" \
	"trigger --help: exit 3"
assert_contains "$("$SLUICE" backfill --help | tr '\n' ' ')" "3 if no scheduler ran on the home for 60 s (the runs stay queued)" \
	"backfill --help: exit 3"
echo "cli_wait_alone: ok"
