#!/bin/bash
# `sluice status DAG`: the partition map on the terminal. An hourly DAG in
# Europe/Berlin across the fall-back day (2026-10-25 has 25 hours): a line
# per local day, a character per hour, the legend, then counts per state;
# --from/--to resolved as every verb resolves partitions (a range past
# start:/end: cut to them, with a note); --json; a run
# an upstream change made stale (needs:) as o; a daily
# DAG as a line per month with future days; errors and --help.
. "$SLUICE_SRCDIR/tests/setup.sh"

new_home
printf 'dags_paused_at_creation: true\n' > "$H/sluice.yaml"
# three days of hours; 05:00 on the 24th fails
cat > "$H/dags/be.yaml" <<'YAML'
dag: be
schedule: "0 * * * *"
timezone: Europe/Berlin
start: 2026-10-24T00:00:00+02:00
end: 2026-10-27T00:00:00+01:00
max_active_runs: 80
tasks:
  a: {command: "case {{ ts_nodash }} in 20261024T05*) exit 1 ;; esac"}
YAML
# up -> cons (needs:, on_change: mark): up's first hour re-run after cons
# used it makes cons's first hour stale
cat > "$H/dags/up.yaml" <<'YAML'
dag: up
schedule: "0 * * * *"
start: 2026-10-24T00:00:00Z
end: 2026-10-24T03:00:00Z
tasks:
  a: {command: "true"}
YAML
cat > "$H/dags/cons.yaml" <<'YAML'
dag: cons
schedule: "0 * * * *"
start: 2026-10-24T00:00:00Z
end: 2026-10-24T03:00:00Z
needs:
  - dag: up
    on_change: mark
tasks:
  a: {command: "true"}
YAML
cat > "$H/dags/daily.yaml" <<'YAML'
dag: daily
schedule: "0 0 * * *"
start: 2026-01-01T00:00:00Z
tasks:
  a: {command: "true"}
YAML
# Sundays only: a Thursday holds no partition
cat > "$H/dags/weekly.yaml" <<'YAML'
dag: weekly
schedule: "@weekly"
start: 2026-01-01T00:00:00Z
tasks:
  a: {command: "true"}
YAML
cat > "$H/dags/adhoc.yaml" <<'YAML'
dag: adhoc
schedule: none
tasks:
  t: {command: "true"}
YAML
sl dags unpause be >/dev/null
sl dags unpause up >/dev/null
sl dags unpause cons >/dev/null
start_scheduler
done_runs() { [ "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'be' AND state IN ('success', 'failed')")" = 73 ]; }
wait_for 120 "73 finished runs of be" done_runs
cons_done() { [ "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'cons' AND state = 'success'")" = 3 ]; }
wait_for 60 "3 successful runs of cons" cons_done
sl clear up --partition 2026-10-24T01:00 --yes >/dev/null
cons_stale() { [ "$(q "SELECT stale FROM dag_runs WHERE dag_id = 'cons' AND partition = '2026-10-24T01:00:00+00:00'")" = 1 ]; }
wait_for 60 "cons's 01:00 to be marked stale" cons_stale
stop_pid "$SCHED_PID"
# 10:00 on the 26th loses its run: missing
sl runs delete be 2026-10-26T10:00:00+01:00 --yes >/dev/null

out=$(sl status be)
echo "$out"
assert_contains "$out" "73 partitions from 2026-10-24T00:00:00+02:00 to 2026-10-26T23:00:00+01:00"
assert_contains "$out" "2026-10-24  sssssFssssssssssssssssss" "the 24th: 05:00 failed"
assert_contains "$out" "2026-10-25  sssssssssssssssssssssssss" "the 25th: 25 hours"
assert_contains "$out" "2026-10-26  ssssssssss.sssssssssssss" "the 26th: 10:00 missing"
assert_contains "$out" "legend:  . missing  w waiting  r running  s success  F failed  o stale  L late  _ future"
assert_contains "$out" "success  71"
assert_contains "$out" "failed   1"
assert_contains "$out" "missing  1"
# the 25th line is 25 characters: one per hour, 02:00 twice
assert_eq 25 "$(echo "$out" | awk '$1 == "2026-10-25" { print length($2) }')" "25 hours"

# stale (needs:): o, and counted
out=$(sl status cons)
echo "$out"
assert_contains "$out" "2026-10-24  sos" "cons: 01:00 stale"
assert_contains "$out" "stale    1"
assert_contains "$(sl status up)" "2026-10-24  sss" "the upstream itself is not stale"
assert_eq stale "$(sl status cons --from 2026-10-24T01:00 --to 2026-10-24T01:00 --json | /usr/bin/python3 -c '
import json,sys
print(json.load(sys.stdin)["partitions"][0]["state"])')" "--json: stale"

# --from/--to: a date, a time, a key
out=$(sl status be --from 2026-10-26 --to "2026-10-26 11:30")
assert_contains "$out" "12 partitions from 2026-10-26T00:00:00+01:00 to 2026-10-26T11:00:00+01:00"
assert_contains "$out" "2026-10-26  ssssssssss.s"
assert_contains "$(sl status be --from 2026-10-26T03:00 --to 2026-10-26T03:00)" "be: 0 * * * * in Europe/Berlin, 1 partition from 2026-10-26T03:00:00+01:00 to"
# a range starting after the repeated hour of the fall-back day: each hour
# in the column it has in the whole day's line (03:00 the fifth, after
# 02:00 twice; it was the fourth)
out=$(sl status be --from 2026-10-25T03:00 --to 2026-10-25T05:00)
assert_contains "$out" "2026-10-25      sss" "03:00-05:00 of the 25th under their whole-day columns"
out=$(sl status be --from "2026-10-25T02:00:00+01:00" --to 2026-10-25T03:00)
assert_contains "$out" "2026-10-25     ss" "the second 02:00 in the fourth column"
out=$(sl status be --from 2026-10-24T05:00:00+02:00 --to 2026-10-24T05:00:00+02:00 --json)
assert_eq '{"dag": "be", "count": 1, "failed": 1, "state": "failed"}' "$(echo "$out" | /usr/bin/python3 -c '
import json,sys
d=json.load(sys.stdin)
print(json.dumps({"dag": d["dag"], "count": d["count"], "failed": d["counts"]["failed"], "state": d["partitions"][0]["state"]}))')" "--json"

# a daily DAG: a line per month; a paused DAG's past days are missing,
# the days to come future (months counted from today: fixed ones would
# turn past as the calendar moves on)
past=$(date -u -d "$(date -u +%Y-%m-01) -2 months" +%Y-%m)
next=$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%Y-%m)
days_in() { date -u -d "$1-01 +1 month -1 day" +%d; }
out=$(sl status daily --from "$past-01" --to "$next-$(days_in "$next")")
assert_contains "$out" "$past     $(printf '.%.0s' $(seq "$(days_in "$past")"))"
assert_contains "$out" "$next     $(printf '_%.0s' $(seq "$(days_in "$next")"))"
assert_contains "$out" "future   "

# errors and help
set +e
sl status adhoc >"$T/out" 2>&1
rc=$?
set -e
assert_eq 2 "$rc" "an unscheduled DAG has no map: an input error, as in backfill and dags next"
assert_contains "$(cat "$T/out")" "DAG adhoc has no schedule (schedule: none): it has no expected partitions to map; its runs are listed by \`sluice runs adhoc\`"
assert_contains "$(sl status --help)" "as is a DAG without a schedule" "status --help"
set +e
sl status be --from nonsense >"$T/out" 2>&1
rc=$?
set -e
assert_eq 2 "$rc" "a bad --from is a usage error"
assert_contains "$(cat "$T/out")" "neither a partition of DAG be nor a time"
# a range with no partition in it is an error, not an empty map and exit
# 0; outside the DAG's start..end it says where they are written
for range in "--from 2026-01-01 --to 2026-01-31|before the start of DAG be, 2026-10-24T00:00:00+02:00 ($H/dags/be.yaml:4)" \
	"--from 2099-01-01|the range from 2099-01-01 to now is past the end of DAG be, 2026-10-27T00:00:00+01:00 ($H/dags/be.yaml:5); its last partition is 2026-10-26T23:00:00+01:00"; do
	set +e
	sl status be ${range%%|*} >"$T/out" 2>&1
	rc=$?
	set -e
	assert_eq 2 "$rc" "status be ${range%%|*}"
	assert_contains "$(cat "$T/out")" "${range#*|}"
done
# within start..end, a range between two ticks says so as clear and
# backfill do, with the nearest partitions (it blamed the start and now)
set +e
sl status weekly --from 2026-12-03 --to 2026-12-03 >"$T/out" 2>&1
rc=$?
set -e
assert_eq 2 "$rc" "status of a range between two ticks"
assert_contains "$(cat "$T/out")" "no partition of DAG weekly from 2026-12-03 to 2026-12-03; nearest: 2026-11-22T00:00:00+00:00, 2026-11-29T00:00:00+00:00, 2026-12-06T00:00:00+00:00"
# a time that happens twice is read as every verb reads it, with the note
# they give (status said nothing); --json carries it
sl status be --from 2026-10-25T02 --to 2026-10-25T02 >"$T/out" 2>"$T/err"
assert_contains "$(cat "$T/out")" "2 partitions from 2026-10-25T02:00:00+02:00 to 2026-10-25T02:00:00+01:00" "both 02:00 of the fall-back day"
assert_contains "$(cat "$T/err")" "sluice: note: '2026-10-25T02' happens twice in Europe/Berlin (on 2026-10-25 the clocks go back from 03:00 to 02:00, +02:00 to +01:00): as the range's start (from) it is read as 2026-10-25T02:00:00+02:00" "the note of a time that happens twice"
notes=$(sl status be --from 2026-10-25T02 --to 2026-10-25T02 --json | /usr/bin/python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["notes"]))')
assert_contains "$notes" "as the range's end (to) it is read as 2026-10-25T02:00:00+01:00" "--json: the note of a time that happens twice"
# a range that ends before it starts: in the words of the other verbs
set +e
sl status be --from 2026-10-25T05 --to 2026-10-25T02 >"$T/out" 2>&1
rc=$?
set -e
assert_eq 2 "$rc" "status of a range backwards"
assert_contains "$(cat "$T/out")" "the range ends (to 2026-10-25T02) before it starts (from 2026-10-25T05)"
# a range reaching past start: and end: is cut to them, and says so (the
# header alone showed where the map began)
sl status be --from 2026-10-23T22:00 --to 2026-10-27T01:00 >"$T/out" 2>"$T/err" || fail "a range cut to start..end: $(cat "$T/err")"
assert_contains "$(cat "$T/out")" "73 partitions from 2026-10-24T00:00:00+02:00 to 2026-10-26T23:00:00+01:00" "the map holds start..end"
assert_contains "$(cat "$T/err")" "sluice: note: left out 2 partitions before the start of DAG be, 2026-10-24T00:00:00+02:00 ($H/dags/be.yaml:4); its first partition is 2026-10-24T00:00:00+02:00" "what the start left out"
assert_contains "$(cat "$T/err")" "sluice: note: left out 2 partitions past the end of DAG be, 2026-10-27T00:00:00+01:00 ($H/dags/be.yaml:5)" "what the end left out"
# --json carries the same notes (and nothing on stderr)
sl status be --from 2026-10-23T22:00 --to 2026-10-27T01:00 --json >"$T/out" 2>"$T/err" || fail "a range cut to start..end, --json: $(cat "$T/err")"
assert_eq "" "$(cat "$T/err")" "--json: the notes are in the JSON"
notes=$(/usr/bin/python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["notes"]))' <"$T/out")
assert_contains "$notes" "left out 2 partitions before the start of DAG be, 2026-10-24T00:00:00+02:00 ($H/dags/be.yaml:4)" "--json: what the start left out"
assert_contains "$notes" "left out 2 partitions past the end of DAG be, 2026-10-27T00:00:00+01:00 ($H/dags/be.yaml:5)" "--json: what the end left out"
sl status be --from 2026-10-25 --to 2026-10-25 >/dev/null 2>"$T/err"
assert_eq "" "$(cat "$T/err")" "a range inside start..end: no note"
assert_eq "[]" "$(sl status be --from 2026-10-25 --to 2026-10-25 --json | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["notes"]))')" "--json: a range inside start..end has no note"
if sl status >"$T/out" 2>&1; then fail "status needs a DAG"; fi
assert_contains "$(sl status --help)" "--from P"
assert_contains "$(sl --help)" "status"
echo "cli_status: ok"
