#!/bin/bash
# Partition arguments at the edges, through the CLI and the API alike (one
# resolver, scheduler/partition.c):
#   - a partition before the DAG's start: or past its end: is refused as a
#     likely typo, naming the start or end and its line, until confirmed
#     (--allow-outside-range, allow_outside_range); a backfill range is
#     cut to them, saying how many partitions were left out, and one
#     wholly outside is refused;
#   - a local time that happens twice (New York, 2026-11-01 01:30) is read
#     as its first occurrence, and a note says how to name the second; one
#     the clocks skip (2026-03-08 02:30) is an error naming the gap;
#   - an unscheduled DAG that needs a scheduled one takes that DAG's keys:
#     a free key that could never match is refused at trigger time, a
#     time names the upstream partition holding it, and a run whose key
#     can never match (made before the need was added) says so where it
#     waits;
#   - a backfill cut to start: or end: records the range it covers (its
#     total and progress agree), the typed one kept as asked.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
# the hourly DAG stays paused: no catch-up of years of hours. Its end:
# lies far ahead (2040): the test asks for "the latest complete
# partition" and for partitions not ended yet, which an end: that has
# passed would change
printf 'dags_paused_at_creation: true\n' >>"$H/sluice.yaml"
cat >"$H/dags/hny.yaml" <<'YAML'
dag: hny
schedule: "0 * * * *"
timezone: America/New_York
start: 2024-01-01T00:00
end: 2040-01-01T00:00
tasks:
  x: {command: 'true'}
YAML
cat >"$H/dags/adhoc.yaml" <<'YAML'
dag: adhoc
needs: [{dag: hny}]
tasks:
  compute: {command: 'true'}
YAML
# a run of it made before it needed anything, with a free key
cat >"$H/dags/late.yaml" <<'YAML'
dag: late
tasks:
  compute: {command: 'true'}
YAML
sl trigger late --partition adhoc-1 >/dev/null 2>&1
cat >"$H/dags/late.yaml" <<'YAML'
dag: late
needs: [{dag: hny}]
tasks:
  compute: {command: 'true'}
YAML
# consumers of hny: every task with needs (the DAG's), and one task with
# needs beside one without
cat >"$H/dags/hneeds.yaml" <<'YAML'
dag: hneeds
schedule: "0 * * * *"
timezone: America/New_York
start: 2024-01-01T00:00
needs: [{dag: hny}]
tasks:
  x: {command: 'true'}
YAML
cat >"$H/dags/hsome.yaml" <<'YAML'
dag: hsome
schedule: "0 * * * *"
timezone: America/New_York
start: 2024-01-01T00:00
tasks:
  fetch: {command: 'true'}
  roll: {command: 'true', needs: [{dag: hny}]}
YAML
# an unscheduled consumer of an unscheduled producer
cat >"$H/dags/uprod.yaml" <<'YAML'
dag: uprod
tasks:
  t: {command: 'true'}
YAML
cat >"$H/dags/ucons.yaml" <<'YAML'
dag: ucons
tasks:
  t: {command: 'true', needs: [{dag: uprod, task: t}]}
YAML
# a daily DAG whose end: has passed
cat >"$H/dags/ended.yaml" <<'YAML'
dag: ended
schedule: "@daily"
start: 2024-01-01
end: 2024-01-05
tasks:
  x: {command: 'true'}
YAML
start_standalone
assert_status 200 POST /dags/late/unpause '{}'

# cli_err WHAT WANT ARGS...: exit 2, and stderr is exactly WANT
cli_err() {
	local what=$1 want=$2 st
	shift 2
	set +e
	sl "$@" >"$T/out" 2>"$T/err"; st=$?
	set -e
	assert_eq 2 "$st" "exit code of $what"
	assert_eq "$want" "$(cat "$T/err")" "$what"
}
runs() { q "SELECT count(*) FROM dag_runs WHERE dag_id='$1'"; }
# stderr without the reminder that hny is paused
errs() { grep -v ' is paused: ' "$T/err" || true; }
START="the start of DAG hny, 2024-01-01T00:00:00-05:00 ($H/dags/hny.yaml:4); its first partition is 2024-01-01T00:00:00-05:00"
END="the end of DAG hny, 2040-01-01T00:00:00-05:00 ($H/dags/hny.yaml:5); its last partition is 2039-12-31T23:00:00-05:00"

# --- outside the DAG's start and end ---
cli_err "trigger before the start" \
	"sluice: partition 2023-12-03T05:00:00-05:00 is before $START (--allow-outside-range runs it anyway)" \
	trigger hny --partition 2023-12-03T05
cli_err "trigger past the end" \
	"sluice: partition 2040-06-01T05:00:00-04:00 is past $END (--allow-outside-range runs it anyway)" \
	trigger hny --partition "2040-06-01 05:00"
cli_err "trigger of a day before the start" \
	"sluice: partition 2023-12-31T00:00:00-05:00 is before $START (--allow-outside-range runs it anyway)" \
	trigger hny --partition 2023-12-31
assert_eq 0 "$(runs hny)" "nothing refused was made"
sl trigger hny --allow-outside-range --partition 2023-12-03T05 >"$T/out" 2>"$T/err"
assert_eq "triggered hny partition 2023-12-03T05:00:00-05:00" "$(cat "$T/out")" "confirmed"
assert_contains "$(cat "$T/err")" "sluice: note: partition 2023-12-03T05:00:00-05:00 is before $START"
assert_eq 1 "$(q "SELECT count(*) FROM audit WHERE action='trigger' AND json_extract(detail, '\$.allow_outside_range')")" \
	"the audit says it was confirmed"
# the last partition is in; the one at the end is not
sl trigger hny --partition "2039-12-31 23:59" >"$T/out" 2>/dev/null
assert_eq "triggered hny partition 2039-12-31T23:00:00-05:00" "$(cat "$T/out")" "the last partition"

# backfill: cut to the DAG's start (a dry run shows the same), or refused
sl backfill hny --from 2023-12-31T22:00 --to 2024-01-01T01:00 --dry-run >"$T/out" 2>"$T/err"
assert_eq "would create 2024-01-01T00:00:00-05:00
would create 2024-01-01T01:00:00-05:00
backfill hny: 2 runs would be created (dry run)" "$(cat "$T/out")" "a backfill cut at the start"
assert_eq "sluice: note: left out 2 partitions before $START" "$(cat "$T/err")" "what was cut, and why"
sl --json backfill hny --from 2039-12-31T22:00 --to 2040-01-01T02:00 --dry-run >"$T/body"
assert_eq '["2039-12-31T22:00:00-05:00"]' "$(jget 'd["create"]')" "a backfill cut at the end"
assert_eq "left out 3 partitions past $END" "$(jget 'd["notes"][0]')" "--json notes"
cli_err "a backfill wholly before the start" \
	"sluice: the range from 2023-12-01 to 2023-12-02 is before $START (--allow-outside-range backfills it anyway)" \
	backfill hny --from 2023-12-01 --to 2023-12-02 --dry-run
sl backfill hny --allow-outside-range --from 2023-12-31T23:00 --to 2024-01-01T00:00 --dry-run >"$T/out" 2>"$T/err"
assert_contains "$(cat "$T/out")" "would create 2023-12-31T23:00:00-05:00"
assert_contains "$(cat "$T/err")" "1 partition of the range is before the start of DAG hny"

# the API: the same rules, the same words, a boolean to confirm
assert_status 400 POST /dags/hny/runs '{"partition":"2023-12-03T06"}'
assert_eq "partition 2023-12-03T06:00:00-05:00 is before $START (allow_outside_range: true runs it anyway)" \
	"$(jget 'd["error"]')" "API: trigger before the start"
assert_status 201 POST /dags/hny/runs '{"partition":"2023-12-03T06","allow_outside_range":true}'
assert_eq "partition 2023-12-03T06:00:00-05:00 is before $START" "$(jget 'd["notes"][0]')" "API: the confirmed trigger's note"
assert_status 200 POST /dags/hny/backfills '{"from":"2023-12-31T22:00","to":"2024-01-01T01:00","dry_run":true}'
assert_eq '["2024-01-01T00:00:00-05:00", "2024-01-01T01:00:00-05:00"]' "$(jget 'd["create"]')" "API: a backfill cut"
assert_eq "left out 2 partitions before $START" "$(jget 'd["notes"][0]')" "API: what was cut"
assert_status 400 POST /dags/hny/backfills '{"from":"2040-02-01","to":"2040-02-02"}'
assert_eq "the range from 2040-02-01 to 2040-02-02 is past $END (allow_outside_range: true backfills it anyway)" \
	"$(jget 'd["error"]')" "API: a backfill wholly past the end"

# backfill without --to: up to the latest partition whose interval has
# ended (the hour before this one, in the DAG's zone), saying so; of a
# DAG whose end: has passed, up to its last partition
latest() { TZ=America/New_York date -d "@$(( $(date +%s) / 3600 * 3600 - 3600 ))" +%Y-%m-%dT%H:00:00%:z; }
want=$(latest)
sl backfill hny --from "$(TZ=America/New_York date -d "@$(( $(date +%s) - 3 * 3600 ))" +%Y-%m-%dT%H:00)" \
	--dry-run >"$T/out" 2>"$T/err"
got=$(sed -n 's/^would create //p' "$T/out" | tail -1)
[ "$got" = "$want" ] || [ "$got" = "$(latest)" ] || fail "backfill without --to ends at $got, not $want"
assert_eq 3 "$(grep -c '^would create ' "$T/out")" "three hours up to the latest complete one"
assert_contains "$(cat "$T/err")" "sluice: note: no end given: up to the latest complete partition, $got"
sl backfill ended --from 2024-01-02 --dry-run >"$T/out" 2>"$T/err"
assert_eq "would create 2024-01-02T00:00:00+00:00
would create 2024-01-03T00:00:00+00:00
would create 2024-01-04T00:00:00+00:00
backfill ended: 3 runs would be created (dry run)" "$(cat "$T/out")" "without --to, a DAG that has ended: up to its end"
assert_status 200 POST /dags/hny/backfills "{\"from\":\"$got\",\"dry_run\":true}"
assert_eq "[\"$got\"]" "$(jget 'd["create"]')" "API: a backfill without to"
# --from a partition that has not ended, without --to: the error says
# where the end it did not type came from
next_hour=$(TZ=America/New_York date -d "@$(( $(date +%s) + 3600 ))" +%Y-%m-%dT%H:00)
set +e
sl backfill hny --from "$next_hour" --dry-run >"$T/out" 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "exit code of a backfill --from the future without --to"
assert_contains "$(cat "$T/err")" "before it starts (from $next_hour); no end was given, so the range ends at the latest complete partition, " \
	"a backfill --from the future without --to"
assert_eq "no end given: up to the latest complete partition, $got" "$(jget 'd["notes"][0]')" "API: the end it took"

# --- a partition whose interval has not ended: it may run now, and the
# person is told the scheduler will not run it again when it ends ---
soon=$(TZ=America/New_York date -d "@$(( $(date +%s) + 3 * 3600 ))" +%Y-%m-%dT%H:00)
sl backfill hny --from "$(TZ=America/New_York date -d "@$(( $(date +%s) - 3 * 3600 ))" +%Y-%m-%dT%H:00)" \
	--to "$soon" --dry-run >"$T/out" 2>"$T/err"
assert_contains "$(cat "$T/err")" "of these partitions have not ended yet (the last ends " "a backfill into the future says so"
assert_contains "$(cat "$T/err")" "the scheduler does not run them again when they end" "and what it means"
assert_status 200 POST /dags/hny/backfills "{\"from\":\"$soon\",\"to\":\"$soon\",\"dry_run\":true}"
assert_contains "$(jget '" | ".join(d["notes"])')" "1 of the partitions has not ended yet" "API: the backfill's note"
sl backfill hny --from 2024-06-01T00:00 --to 2024-06-01T02:00 --dry-run >"$T/out" 2>"$T/err"
assert_not_contains "$(cat "$T/err")" "not ended yet" "a past range: no such note"
sl trigger hny --partition "$soon" >"$T/out" 2>"$T/err"
assert_contains "$(cat "$T/err")" "has not ended yet (it ends " "trigger of a partition not ended says so"
assert_contains "$(cat "$T/err")" "it runs now, on the data there is so far" "and what it means"
# with needs:, a partition not ended waits for its end (and its needs),
# whoever runs it: the note says so, not that it runs now
while IFS='|' read -r dag says many; do
	sl trigger "$dag" --partition "$soon" >"$T/out" 2>"$T/err"
	assert_contains "$(cat "$T/err")" "partition $soon" "$dag: trigger of a partition not ended"
	assert_contains "$(cat "$T/err")" "$says" "$dag: what happens to it"
	[ "$dag" = hsome ] || assert_not_contains "$(cat "$T/err")" "runs now" "$dag: it does not run now"
	assert_status 201 POST "/dags/$dag/runs" "{\"partition\":\"$next_hour\"}"
	assert_contains "$(jget '" | ".join(d["notes"])')" "$says" "$dag: API trigger's note"
	sl backfill "$dag" --from "$(TZ=America/New_York date -d "@$(( $(date +%s) - 3 * 3600 ))" +%Y-%m-%dT%H:00)" \
		--to "$soon" --dry-run >"$T/out" 2>"$T/err"
	assert_contains "$(cat "$T/err")" "of these partitions have not ended yet (the last ends " "$dag: backfill --dry-run"
	assert_contains "$(cat "$T/err")" "$many" "$dag: backfill's note"
	later=$(TZ=America/New_York date -d "@$(( $(date +%s) + 5 * 3600 ))" +%Y-%m-%dT%H:00)
	assert_status 200 POST "/dags/$dag/backfills" "{\"from\":\"$later\",\"to\":\"$later\",\"dry_run\":true}"
	assert_contains "$(jget '" | ".join(d["notes"])')" "1 of the partitions has not ended yet" "$dag: API backfill's note"
	assert_contains "$(jget '" | ".join(d["notes"])')" "${says#its tasks}" "$dag: what happens to it"
done <<'CASES'
hneeds|it waits for its interval to end and for its needs (needs:), then runs|they wait for their intervals to end and for their needs (needs:), then run
hsome|its tasks with needs: (roll) wait for its interval to end and for their needs; the others run now, on the data there is so far|in each, the tasks with needs: (roll) wait for the interval to end and for their needs
CASES

# --- a local time that happens twice, one the clocks skip ---
TWICE="'2026-11-01T01:30' happens twice in America/New_York (on 2026-11-01 the clocks go back from 02:00 to 01:00, -04:00 to -05:00)"
sl trigger hny --partition 2026-11-01T01:30 >"$T/out" 2>"$T/err"
assert_eq "triggered hny partition 2026-11-01T01:00:00-04:00" "$(cat "$T/out")" "the first occurrence"
assert_eq "sluice: note: $TWICE: read as 2026-11-01T01:30:00-04:00, partition 2026-11-01T01:00:00-04:00; 2026-11-01T01:30:00-05:00 names the other (partition 2026-11-01T01:00:00-05:00)" \
	"$(errs)" "the note names both"
sl trigger hny --partition 2026-11-01T01:30:00-05:00 >"$T/out" 2>"$T/err"
assert_eq "triggered hny partition 2026-11-01T01:00:00-05:00" "$(cat "$T/out")" "the second, by its offset"
assert_eq "" "$(errs)" "an offset is no question"
sl trigger hny --partition 2026-11-01T06:45Z >"$T/out" 2>&1 || true
assert_contains "$(cat "$T/out")" "already has a run for partition 2026-11-01T01:00:00-05:00" "in UTC"
sl tasks hny 2026-11-01T01:30 >/dev/null 2>"$T/err"
assert_contains "$(cat "$T/err")" "sluice: note: $TWICE: read as 2026-11-01T01:30:00-04:00" "tasks says which"
sl runs hny --from 2026-11-01T00:30 --to 2026-11-01T01:30 >"$T/out" 2>"$T/err"
assert_eq 2 "$(grep -c '^2026-11-01T01:00' "$T/out")" "a range ending at 01:30 holds both 01:00 hours"
assert_contains "$(cat "$T/err")" "as the range's end (to) it is read as 2026-11-01T01:30:00-05:00"
assert_status 200 POST /dags/hny/clear '{"partitions":["2026-11-01T01:30"],"dry_run":true}'
assert_eq '["2026-11-01T01:00:00-04:00"]' "$(jget 'd["partitions"]')" "API clear: the first occurrence"
assert_contains "$(jget 'd["notes"][0]')" "$TWICE: read as 2026-11-01T01:30:00-04:00" "API clear: the note"
assert_status 200 POST /dags/hny/mark '{"tasks":["x"],"partitions":["2026-11-01T01:30"],"state":"success","dry_run":true}'
assert_contains "$(jget 'd["notes"][0]')" "$TWICE: read as 2026-11-01T01:30:00-04:00" "API mark: the note"
assert_status 201 POST /dags/hny/runs '{"partition":"2025-11-02 01:15"}'
assert_eq 2025-11-02T01:00:00-04:00 "$(jget 'd["partition"]')" "API: the first occurrence"
assert_contains "$(jget 'd["notes"][0]')" "2025-11-02T01:15:00-05:00 names the other (partition 2025-11-02T01:00:00-05:00)" "API: the note"
GAP="'2026-03-08T02:30' does not exist in America/New_York: on 2026-03-08 the clocks go forward from 02:00 to 03:00, -05:00 to -04:00; the partition before the gap is 2026-03-08T01:00:00-05:00, after it 2026-03-08T03:00:00-04:00"
cli_err "a time in the gap" "sluice: $GAP" trigger hny --partition 2026-03-08T02:30
assert_status 400 POST /dags/hny/runs '{"partition":"2026-03-08T02:30"}'
assert_eq "$GAP" "$(jget 'd["error"]')" "API: a time in the gap"

# --- an unscheduled DAG that needs a scheduled one ---
NEED="DAG adhoc needs DAG hny ($H/dags/adhoc.yaml:2): a run of adhoc waits for the partition of hny with its own key, so its key must be one of hny's partitions"
set +e
sl trigger adhoc --partition adhoc-1 >"$T/out" 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "exit code of a free key no partition of hny has"
assert_contains "$(cat "$T/err")" "sluice: $NEED: 'adhoc-1' is neither a partition of DAG hny nor a time: bad time 'adhoc-1': not a date" "a free key is refused"
assert_contains "$(cat "$T/err")" "; nearest: " "the refusal names keys that would do"
assert_eq 0 "$(runs adhoc)" "no run that would wait for ever"
assert_status 400 POST /dags/adhoc/runs '{"partition":"adhoc-1"}'
assert_contains "$(jget 'd["error"]')" "$NEED: 'adhoc-1' is neither a partition of DAG hny nor a time" "API: the same refusal"
sl trigger adhoc --partition "2026-12-03 05:00" >"$T/out" 2>/dev/null
assert_eq "triggered adhoc partition 2026-12-03T00:00:00-05:00" "$(cat "$T/out")" "a time (UTC, adhoc's zone) names hny's hour"
assert_status 409 POST /dags/adhoc/runs '{"partition":"2026-12-03T00:00:00-05:00"}'
assert_contains "$(jget 'd["error"]')" "already has a run for partition 2026-12-03T00:00:00-05:00" "API: hny's key names that run"
# the run made before: its waiting reason says it can never start
never() { sl tasks late adhoc-1 2>/dev/null | grep -q "never met"; }
wait_for 20 "late's run to say it waits for good" never
assert_contains "$(sl tasks late adhoc-1)" "not running: hny: never met: 'adhoc-1' is never a partition key of hny: its keys are the starts of its partitions, like " "sluice tasks"
assert_status 200 GET "/dags/late/runs/adhoc-1/tasks/compute"
assert_contains "$(jget 'd["waiting_for"]["text"]')" "hny: never met: 'adhoc-1' is never a partition key of hny" "API: waiting_for"

# --- a backfill cut to the DAG's start: or end: records the range it
# covers (its first and last partition), the typed one as asked ---
sl --json backfill hny --from 2023-12-31T22:00 --to 2024-01-01T01:00 >"$T/body" 2>/dev/null
BF=$(jget 'd["id"]')
assert_eq "2024-01-01T00:00:00-05:00 .. 2024-01-01T01:00:00-05:00" "$(jget 'd["from"] + " .. " + d["to"]')" \
	"the backfill made says the range it covers"
assert_eq "2023-12-31T22:00 .. 2024-01-01T01:00, 2" "$(jget 'd["asked_from"] + " .. " + d["asked_to"] + ", " + str(d["left_out"])')" \
	"and the range asked, with how many were left out"
assert_eq "2024-01-01T00:00:00-05:00|2024-01-01T01:00:00-05:00|2023-12-31T22:00|2024-01-01T01:00|2|2" \
	"$(q "SELECT from_key, to_key, asked_from, asked_to, left_out, total FROM backfills WHERE id = $BF")" "as recorded"
sl --json backfills hny >"$T/body"
assert_eq "$BF 2024-01-01T00:00:00-05:00 2024-01-01T01:00:00-05:00 2 2 0" \
	"$(jget '" ".join(str(d[0][k]) for k in ("id", "from", "to", "total", "left_out", "done"))')" \
	"sluice backfills --json: the range, total and progress agree"
line=$(sl backfills hny | grep "^$BF ")
assert_contains "$line" " 0/2 " "sluice backfills: progress of the 2 runs it covers"
assert_contains "$line" "2024-01-01T00:00:00-05:00 .. 2024-01-01T01:00:00-05:00 (missing; asked 2023-12-31T22:00 .. 2024-01-01T01:00, 2 partitions outside start:/end: left out)" \
	"sluice backfills: the range covered, then the one asked"
assert_eq "$(q "SELECT min(partition) || ' ' || max(partition) FROM dag_runs WHERE backfill_id = $BF")" \
	"2024-01-01T00:00:00-05:00 2024-01-01T01:00:00-05:00" "its runs are the range it lists"
assert_contains "$(q "SELECT detail FROM audit WHERE action = 'backfill' AND json_extract(detail, '\$.id') = $BF")" \
	'"from":"2024-01-01T00:00:00-05:00","to":"2024-01-01T01:00:00-05:00","asked_from":"2023-12-31T22:00","asked_to":"2024-01-01T01:00"' \
	"the audit row says both"
# the API: made cut at the end, and read back
assert_status 201 POST /dags/hny/backfills '{"from":"2039-12-31T22:00","to":"2040-01-01T02:00"}'
API_BF=$(jget 'd["id"]')
assert_eq "2039-12-31T22:00:00-05:00 2039-12-31T23:00:00-05:00 3 1" "$(jget 'd["from"] + " " + d["to"] + " " + str(d["left_out"]) + " " + str(d["total"])')" \
	"API: the backfill made covers the two partitions before the end (one to run: 23:00 has a run)"
assert_status 200 GET "/backfills/$API_BF"
assert_eq "2039-12-31T22:00:00-05:00 .. 2039-12-31T23:00:00-05:00 asked 2039-12-31T22:00 .. 2040-01-01T02:00 3" \
	"$(jget 'd["from"] + " .. " + d["to"] + " asked " + d["asked_from"] + " .. " + d["asked_to"] + " " + str(d["left_out"])')" \
	"GET /backfills/ID: covered and asked"
# one taken as given (--allow-outside-range): nothing left out, the keys it covers
sl --json backfill hny --allow-outside-range --from 2023-11-30T23:00 --to 2023-12-01T00:30 >"$T/body" 2>/dev/null
WIDE=$(jget 'd["id"]')
assert_eq "2023-11-30T23:00:00-05:00 2023-12-01T00:00:00-05:00 0" "$(jget 'd["from"] + " " + d["to"] + " " + str(d["left_out"])')" \
	"a range taken as given: its keys, nothing left out"
assert_not_contains "$(sl backfills hny | grep "^$WIDE ")" "asked" "nothing cut: no asked range listed"
# the backfills page, and app.js's rows drawn from the API, say the same
page=$(curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/backfills")
# (each key one word, html_partition; the ellipsis kept to the first)
K() { printf '<span class="part-key">%s</span>' "$1"; }
assert_contains "$page" "$(K 2024-01-01T00:00:00-05:00)&nbsp;… $(K 2024-01-01T01:00:00-05:00)<span class=\"bf-asked note\">asked $(K 2023-12-31T22:00)&nbsp;… $(K 2024-01-01T01:00): 2 partitions outside start:/end: left out</span>" \
	"the backfills page: covered, then asked"
assert_eq 2 "$(grep -o 'class="bf-asked note"' <<<"$page" | wc -l)" "only the two cut backfills show an asked range"
# migration 0016 on a database made before it: what a backfill recorded
# then was the typed range, so that is what it asked; nothing known cut
sqlite3 "$H/sluice.db" ".backup '$T/old.db'"
sqlite3 "$T/old.db" "ALTER TABLE backfills DROP COLUMN asked_from; ALTER TABLE backfills DROP COLUMN asked_to;
	ALTER TABLE backfills DROP COLUMN left_out; UPDATE backfills SET from_key = '2023-12-31T22:00' WHERE id = $BF;
	DELETE FROM schema_migrations WHERE version = 16;"
mkdir -p "$T/old"
echo "database: $T/old.db" >"$T/old/sluice.yaml"
"$SLUICE" --home "$T/old" db migrate >/dev/null
assert_eq "2023-12-31T22:00|2023-12-31T22:00|2024-01-01T01:00:00-05:00|0" \
	"$(sqlite3 "$T/old.db" "SELECT from_key, asked_from, asked_to, left_out FROM backfills WHERE id = $BF")" "0016: an older backfill's range is what it asked"

# --- an unscheduled consumer of an unscheduled producer, no key: the key
# of the producer's newest successful run; none yet: refused, naming it ---
cli_err "trigger of ucons before uprod has succeeded" \
	"sluice: DAG ucons needs uprod.t ($H/dags/ucons.yaml:3), whose runs have no schedule, by a run's own key, and uprod.t has no successful run yet to take the key from: run uprod first, or name a key with --partition (API: \"partition\")" \
	trigger ucons
assert_status 400 POST /dags/ucons/runs '{}'
assert_contains "$(jget 'd["error"]')" "uprod.t has no successful run yet" "API: the same error"
assert_eq 0 "$(runs ucons)" "nothing refused was made"
assert_status 200 POST /dags/uprod/unpause '{}'
assert_status 200 POST /dags/ucons/unpause '{}'
sl trigger uprod --partition batch-1 >/dev/null 2>&1
wait_ti uprod batch-1 t success
sl trigger uprod --partition batch-2 >/dev/null 2>&1
wait_ti uprod batch-2 t success
sl trigger ucons >"$T/out" 2>"$T/err"
assert_eq "triggered ucons partition batch-2" "$(cat "$T/out")" "the newest successful run's key"
assert_contains "$(cat "$T/err")" "no partition given: the key of the newest successful run of the DAG it needs, batch-2"
wait_ti ucons batch-2 t success
assert_status 409 POST /dags/ucons/runs '{}'
assert_contains "$(jget 'd["error"]')" "already has a run for partition batch-2" "API: the same key, which has a run"
echo "partition_edges: ok"
