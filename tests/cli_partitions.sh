#!/bin/bash
# Partition arguments as a person types them, against real runs: one rule
# for tasks, logs, mark, clear, runs, trigger, test and backfill. A date
# names the partitions starting that day, a time the partition holding it,
# a key itself; ranges are inclusive at both ends; matching nothing is an
# error (exit 2) that lists the nearest keys; dry runs list what resolved.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
# partitions start at 00:05 UTC (the key of 2026-12-03 is 00:05, not 00:00);
# start in 2030 so the scheduler makes no run of its own: the partitions
# run here are history before the DAG's start (--allow-outside-range)
cat >"$H/dags/retail.yaml" <<'YAML'
dag: retail
schedule: "5 0 * * *"
timezone: UTC
start: 2030-01-01T00:00:00Z
catchup: false
tasks:
  extract: {command: 'echo "extract {{ ds }} {{ data_interval_start }}"'}
  load: {command: 'echo load', after: [extract]}
YAML
cat >"$H/dags/hourly.yaml" <<'YAML'
dag: hourly
schedule: "0 * * * *"
start: 2030-01-01T00:00:00Z
tasks:
  x: {command: 'true'}
YAML
cat >"$H/dags/free.yaml" <<'YAML'
dag: free
schedule: none
tasks:
  x: {command: 'true'}
YAML
# burst stays paused: its runs wait, as a person's often do
cat >"$H/dags/burst.yaml" <<'YAML'
dag: burst
schedule: none
tasks:
  x: {command: 'true'}
YAML
start_scheduler
for d in retail hourly free; do sl dags unpause $d >/dev/null; done

# expect_usage_error WHAT NEEDLE CMD...: exit 2 and NEEDLE on stderr
expect_usage_error() {
	local what=$1 needle=$2 st
	shift 2
	set +e
	"$@" >"$T/out" 2>"$T/err"; st=$?
	set -e
	assert_eq 2 "$st" "exit code of $what"
	assert_contains "$(cat "$T/err")" "$needle" "$what"
}

# backfill --dry-run lists what it would create and creates nothing;
# --to is inclusive
out=$(sl backfill retail --allow-outside-range --from 2026-11-28 --to 2026-11-30 --dry-run)
assert_eq "would create 2026-11-28T00:05:00+00:00
would create 2026-11-29T00:05:00+00:00
would create 2026-11-30T00:05:00+00:00
backfill retail: 3 runs would be created (dry run)" "$out" "backfill --dry-run"
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='retail'")" "a dry run creates nothing"
# too long a range: how long, and a count cut where listing stops is
# said to be one ("100000 or more", not 100000: this one is ~320,000)
expect_usage_error "a backfill of 2 years of hours" "a backfill may run at most 10000 partitions at once (this range: 17520); backfill it in shorter ranges" \
	sl backfill hourly --allow-outside-range --from 2026-01-01 --to 2027-12-31T23 --dry-run
expect_usage_error "a backfill of 36 years of hours" "(this range: 100000 or more); backfill it in shorter ranges" \
	sl backfill hourly --allow-outside-range --from 1990-01-01 --to 2026-12-01 --dry-run
# --wait prints progress on stderr: not a terminal, a line per change
# (SLUICE_PROGRESS_SECONDS=0: no pause between lines) and a last one
out=$(SLUICE_PROGRESS_SECONDS=0 sl backfill retail --allow-outside-range --from 2026-11-28 --to 2026-11-30 --wait 2>"$T/progress")
assert_contains "$out" "backfill retail: 3 runs created"
[ "$(wc -l <"$T/progress")" -ge 2 ] || fail "backfill --wait progress lines: $(cat "$T/progress")"
grep -Eq '^retail: [0-2]/3 runs done, [0-3] running, 0 failed; tasks [0-5]/6 done, [0-3] running$' "$T/progress" ||
	fail "backfill --wait: no progress line before the end: $(cat "$T/progress")"
assert_eq "retail: 3/3 runs done, 0 running, 0 failed; tasks 6/6 done, 0 running" \
	"$(tail -n 1 "$T/progress")" "backfill --wait: the last progress line"
assert_eq "2026-11-28T00:05:00+00:00 2026-11-29T00:05:00+00:00 2026-11-30T00:05:00+00:00" \
	"$(q "SELECT group_concat(partition, ' ') FROM (SELECT partition FROM dag_runs WHERE dag_id='retail' ORDER BY start_s)")" "the runs, 11-30 included"
# the result names what was created and what already existed
out=$(sl backfill retail --allow-outside-range --from "2026-11-29 12:00" --to 2026-12-01T00:05:00+00:00 --wait)
assert_eq "created 2026-12-01T00:05:00+00:00
exists 2026-11-29T00:05:00+00:00
exists 2026-11-30T00:05:00+00:00
backfill retail: 1 run created, 2 partitions already had a run (clear them to re-run)" "$out" "backfill over existing runs"
# nothing to run: no backfill object (it stayed listed "done 0/0", and
# the CLI pointed at `backfill cancel` of it)
nbf=$(q "SELECT count(*) FROM backfills")
sl backfill retail --allow-outside-range --from 2026-11-29 --to 2026-11-30 >"$T/out" 2>"$T/err"
assert_contains "$(cat "$T/out")" "backfill retail: 0 runs created, 2 partitions already had a run"
assert_not_contains "$(cat "$T/err")" "backfill cancel" "the hint of a backfill that was not made"
assert_eq null "$(sl --json backfill retail --allow-outside-range --from 2026-11-29 --to 2026-11-30 --only failed | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["id"]))')" "the id of no backfill"
assert_eq "$nbf" "$(q "SELECT count(*) FROM backfills")" "backfills made for nothing"
# --only failed leaves a partition without a run alone: listed as missing,
# not as one that "already had a run"
out=$(sl backfill retail --allow-outside-range --from 2026-12-01 --to 2026-12-02 --only failed --dry-run)
assert_eq "exists 2026-12-01T00:05:00+00:00
missing 2026-12-02T00:05:00+00:00
backfill retail: 0 runs would be created (dry run), 1 partition already had a run (not in --only, or not ended), 1 without a run left out (--only failed creates none: --only missing or all does)" \
	"$out" "--only failed over a partition without a run"
assert_eq '["2026-12-02T00:05:00+00:00"]' "$(sl --json backfill retail --allow-outside-range --from 2026-12-01 --to 2026-12-02 --only failed --dry-run |
	/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["skip_missing"]))')" "skip_missing in --json"

# trigger and test take a date: the one partition starting that day
out=$(sl trigger retail --allow-outside-range --partition 2026-12-03 --wait)
assert_contains "$out" "triggered retail partition 2026-12-03T00:05:00+00:00"
out=$(sl test retail extract 2026-11-30 2>&1)
assert_contains "$out" "extract 2026-11-30 2026-11-30T00:05:00+00:00"
assert_contains "$out" "partition 2026-11-30T00:05:00+00:00"
expect_usage_error "a date naming 24 partitions" "'2026-12-03' names 24 partitions of DAG hourly; name one: 2026-12-03T00:00:00+00:00, 2026-12-03T01:00:00+00:00" \
	sl test hourly x 2026-12-03
out=$(sl test hourly x "2026-12-03 05:30" 2>&1)
assert_contains "$out" "partition 2026-12-03T05:00:00+00:00"
# a date of the hourly DAG names its one run of that day: a note says which
sl trigger hourly --allow-outside-range --partition "2026-12-04 07:00" --wait >/dev/null 2>&1
out=$(sl tasks hourly 2026-12-04 2>"$T/err")
echo "$out" | grep -Eq '^x +success' || fail "tasks hourly 2026-12-04: $out"
assert_eq "sluice: note: 2026-12-04 is partition 2026-12-04T07:00:00+00:00, the only run that starts on that date" \
	"$(cat "$T/err")" "the note of a date naming the day's one run"
# a daily DAG's date is its partition: nothing to say
assert_eq "" "$(sl tasks retail 2026-12-03 2>&1 >/dev/null)" "a note for a daily DAG's date"

# every spelling of one partition, for tasks and logs
for p in 2026-12-03 "2026-12-03 05:00" 2026-12-03T05 2026-12-03T05:00Z "2026-12-03 05:00:00" \
	2026-12-03T07:00+02:00 2026-12-03T00:05:00+00:00; do
	out=$(sl tasks retail "$p") || fail "tasks retail '$p'"
	echo "$out" | grep -Eq '^extract +success' || fail "tasks retail '$p': $out"
	assert_contains "$(sl logs retail extract "$p")" "extract 2026-12-03 2026-12-03T00:05:00+00:00" "logs '$p'"
done
# 00:00 on 12-03 lies in the partition that started 12-02 00:05: none here
expect_usage_error "a time in no run" "DAG retail has no run for partition '2026-12-03 00:00'; nearest: 2026-11-28T00:05:00+00:00, 2026-11-29T00:05:00+00:00, 2026-11-30T00:05:00+00:00, 2026-12-01T00:05:00+00:00, 2026-12-03T00:05:00+00:00" \
	sl tasks retail "2026-12-03 00:00"
expect_usage_error "a partition with no run" "nearest: " sl logs retail extract 2026-12-02
# times no partition can hold say why, and suggest only partitions that
# can be made (not the time itself, nor one ending past 9999)
expect_usage_error "a time before 1970" "no partition of DAG hourly matches '1969-12-31T23': partitions start on 1970-01-01 or later; nearest: 1970-01-01T00:00:00+00:00, 1970-01-01T01:00:00+00:00" \
	sl trigger hourly --allow-outside-range --partition 1969-12-31T23
expect_usage_error "a time past 9999" "no partition of DAG hourly matches '9999-12-31T23': its partition would end after 9999-12-31T23:59:59Z, the latest time sluice handles; nearest: 9999-12-31T21:00:00+00:00, 9999-12-31T22:00:00+00:00" \
	sl trigger hourly --allow-outside-range --partition 9999-12-31T23
expect_usage_error "a bad spelling" "'december' is neither a partition of DAG retail nor a time: bad time 'december'" sl tasks retail december

# clear: --partition with a date; a dry run lists what resolved
out=$(sl clear retail --task extract --partition 2026-12-03 --dry-run 2>"$T/err")
assert_eq "2026-12-03T00:05:00+00:00 extract success
1 task instance would be cleared (dry run)" "$out" "clear --partition DATE --dry-run"
assert_contains "$(cat "$T/err")" "partitions: 2026-12-03T00:05:00+00:00"
out=$(sl clear retail --task extract --from 2026-11-28 --to "2026-11-30 23:00" --dry-run 2>/dev/null)
assert_eq "2026-11-28T00:05:00+00:00 extract success
2026-11-29T00:05:00+00:00 extract success
2026-11-30T00:05:00+00:00 extract success
3 task instances would be cleared (dry run)" "$out" "clear --from/--to dates, inclusive"
# matching nothing is never a quiet success
expect_usage_error "clear --dry-run of a day with no run" "DAG retail has no run for partition '2026-12-02'; nearest: " \
	sl clear retail --partition 2026-12-02 --dry-run
expect_usage_error "clear of a range with no run" "no run of DAG retail from 2026-12-10 to 2026-12-12" \
	sl clear retail --from 2026-12-10 --to 2026-12-12 --yes
expect_usage_error "clear --dry-run with no instance left" "nothing would be cleared" \
	sl clear retail --partition 2026-12-03 --only-failed --dry-run

# runs --from/--to, inclusive
out=$(sl runs retail --from 2026-11-29 --to 2026-11-30)
assert_eq 2 "$(echo "$out" | grep -c '^2026-11-')" "runs --from/--to: $out"
expect_usage_error "runs of a range with no run" "no run of DAG retail" sl runs retail --from 2026-12-20 --to 2026-12-21

# mark with a typed time names the partition holding it
out=$(sl mark retail load "2026-12-03 05:00" failed)
assert_eq "marked retail load 2026-12-03T00:05:00+00:00 failed" "$out"
assert_eq failed "$(task_state retail 2026-12-03T00:05:00+00:00 load)"

# runs delete: a run goes with its task instances, its logs stay, the
# deletion is audited with the run's params; then it can run afresh
log28="$H/logs/retail/2026-11-28T00:05:00+00:00/extract/try-1.log"
test -f "$log28" || fail "no log of 11-28"
out=$(sl runs delete retail 2026-11-28 "2026-11-29 10:00" --dry-run)
assert_eq "would delete 2026-11-28T00:05:00+00:00
would delete 2026-11-29T00:05:00+00:00
2 runs would be deleted with their task instances (dry run; logs stay)" "$out" "runs delete --dry-run"
assert_eq 2 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='retail' AND partition LIKE '2026-11-2_T%' AND partition < '2026-11-30'")" "a dry run deletes nothing"
# a range names the same runs (it was refused: delete took partitions only)
assert_eq "$out" "$(sl runs delete retail --from 2026-11-28 --to "2026-11-29 10:00" --dry-run)" "runs delete --from --to"
assert_eq "$out" "$(sl runs delete retail 2026-11-28 --to 2026-11-29 --dry-run)" "a partition and an open range"
expect_usage_error "runs delete without --yes off a terminal" "add --yes" sl runs delete retail 2026-11-28
# --json: the runs as JSON, dry run or not (it was text)
assert_eq '[{"partition": "2026-11-28T00:05:00+00:00", "deleted": false}, {"partition": "2026-11-29T00:05:00+00:00", "deleted": false}]' \
	"$(sl --json runs delete retail 2026-11-28 "2026-11-29 10:00" --dry-run | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')" "runs delete --dry-run --json"
expect_usage_error "runs delete --json without --yes" "add --yes" sl --json runs delete retail 2026-11-28
expect_usage_error "runs delete of a partition with no run" "DAG retail has no run for partition '2026-12-02'" \
	sl runs delete retail 2026-11-28 2026-12-02 --yes
assert_eq 2 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='retail' AND partition < '2026-11-30'")" "nothing deleted when one argument is wrong"
out=$(sl runs delete retail 2026-11-28 --yes --json)
assert_eq '[{"partition": "2026-11-28T00:05:00+00:00", "deleted": true}]' \
	"$(echo "$out" | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')" "runs delete --yes --json"
out=$(sl runs delete retail "2026-11-29 10:00" --yes)
assert_contains "$out" "deleted 1 run of retail"
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='retail' AND partition < '2026-11-30'")" "runs deleted"
assert_eq 0 "$(q "SELECT count(*) FROM task_instances ti WHERE ti.run_id NOT IN (SELECT id FROM dag_runs)")" "their task instances too"
test -f "$log28" || fail "the log of a deleted run stays"
assert_eq "2" "$(q "SELECT count(*) FROM audit WHERE action='delete_run' AND dag_id='retail' AND json_extract(detail, '$.partition') LIKE '2026-11-2%' AND json_type(detail, '$.params') IS NOT NULL")" "audited with the params"
out=$(sl trigger retail --allow-outside-range --partition 2026-11-28 --wait)
assert_contains "$out" "triggered retail partition 2026-11-28T00:05:00+00:00"

# runs of an unscheduled DAG made in one second share their start: a
# range between keys is the runs from the one to the other in the order
# they were made (it was every run of that second: a clear or a delete
# of one took the others with it)
wait_for 20 "DAG burst to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q '^burst '"
for k in jan feb mar; do sl trigger burst --partition $k >/dev/null 2>&1; done
q "UPDATE dag_runs SET start_s = 1764547200, end_s = 1764547200 WHERE dag_id = 'burst'"
out=$(sl clear burst --from feb --to feb -n 2>&1)
assert_contains "$out" "partitions: feb"$'\n' "clear of one run: that run"
assert_contains "$out" "1 task instance would be cleared" "clear of one run: its task"
assert_contains "$(sl clear burst --from jan --to feb -n 2>&1)" "partitions: jan .. feb (2)" "clear from one run to the next"
assert_eq "feb" "$(sl runs burst --from feb --to feb --json | jq -r '.[].partition')" "runs of one run"
assert_eq "mar feb" "$(sl runs burst --from feb --json | jq -r '.[].partition' | xargs)" "runs from a run on"
expect_usage_error "a range between runs backwards" "the range ends (to jan) before it starts (from mar)" \
	sl runs burst --from mar --to jan
out=$(sl runs delete burst --from jan --to jan --yes)
assert_contains "$out" "deleted 1 run of burst"
assert_eq "feb mar" "$(q "SELECT group_concat(partition, ' ') FROM (SELECT partition FROM dag_runs WHERE dag_id = 'burst' ORDER BY id)")" "the other runs of that second stay"

# a run with a task running is refused, also in the dry run, and the
# other runs named with it stay: nothing is deleted
cat >"$H/dags/hold.yaml" <<YAML
dag: hold
tasks:
  w: {command: 'while [ ! -f $T/go ]; do sleep 0.05; done'}
YAML
touch "$T/go"
wait_for 20 "DAG hold to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q '^hold '"
sl trigger hold --partition h0 --wait >/dev/null
rm "$T/go"
sl trigger hold --partition h1 >/dev/null
wait_ti hold h1 w running
for how in --dry-run --yes; do
	set +e
	sl runs delete hold h0 h1 "$how" >"$T/out" 2>"$T/err"; st=$?
	set -e
	assert_eq 1 "$st" "runs delete $how of a running run"
	assert_contains "$(cat "$T/err")" "run hold h1 has 1 task instance queued or running: mark or clear it first (nothing deleted)" "runs delete $how says why"
	assert_not_contains "$(cat "$T/out")" "delete" "runs delete $how lists nothing to delete"
done
assert_eq 2 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='hold'")" "both runs stay"
touch "$T/go"
wait_run hold h1 success

# backfills of a misspelt DAG is an error, not "no backfills of" it; of a
# known DAG without any, that sentence and exit 0
set +e
sl backfills retial >"$T/out" 2>&1; st=$?
set -e
assert_eq 2 "$st" "exit code of backfills with an unknown DAG"
assert_contains "$(cat "$T/out")" "no DAG named 'retial'"
assert_eq "no backfills of free" "$(sl backfills free)"

# runs cut at --limit says so (it was silent: older runs looked missing)
sl runs retail --limit 1 >"$T/out" 2>"$T/err"
assert_eq 2 "$(wc -l <"$T/out")" "runs --limit 1: the header and one run"
assert_contains "$(cat "$T/err")" "1 run shown (newest partitions first); there are more"
sl runs retail --limit 1000 >/dev/null 2>"$T/err"
assert_eq "" "$(cat "$T/err")" "runs that fit say nothing more"

# an unscheduled DAG: keys of its own, within limits
out=$(sl trigger free --partition load.v2:2026+retry-1_x)
assert_contains "$out" "triggered free partition load.v2:2026+retry-1_x"
expect_usage_error "a key with a slash" "'a/b' cannot be a partition key: a key is 1 to 128 letters, digits and . _ : + -" \
	sl trigger free --partition a/b
expect_usage_error "a key of 129 characters" "cannot be a partition key" \
	sl trigger free --partition "$(printf 'k%.0s' $(seq 129))"
# "." and ".." would be folders in a link to the run (the browser drops
# or climbs them, %2E too); a leading - an option on a command line
expect_usage_error "the key .." "'..' cannot be a partition key: a link to its run would read it as a folder" \
	sl trigger free --partition ..
expect_usage_error "the key ." "'.' cannot be a partition key" sl trigger free --partition .
expect_usage_error "a key starting with -" "'-x' cannot be a partition key: a key starting with - would read as an option" \
	sl trigger free --partition=-x
expect_usage_error "a key of non-ASCII letters" "'ünï' cannot be a partition key: a key is 1 to 128 letters, digits and . _ : + - (ASCII ones)" \
	sl trigger free --partition ünï
# without --partition the key is the current second: a second trigger
# in that second says how to name another (it only spoke of clear);
# each pair starts in the first 100 ms of a second, and is tried again
# (up to 20 times) when a loaded machine still puts the two on either
# side of one
for i in $(seq 20); do
	until [ "$(date +%N | cut -c1)" = 0 ]; do :; done
	sl trigger free >/dev/null 2>&1 || continue
	if ! sl trigger free >"$T/out" 2>"$T/err"; then break; fi
done
assert_contains "$(cat "$T/err")" "already has a run for partition" "a second trigger in one second"
assert_contains "$(cat "$T/err")" "without --partition the key is the current second: --partition names a new one"
out=$(sl trigger free --partition ..:.. --wait)
assert_contains "$out" "triggered free partition ..:.."
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='free' AND partition IN ('.', '..', '-x', 'ünï')")" "no run of a refused key"
# on a terminal: one line, updated in place
script -qec "\"$SLUICE\" --home '$H' backfill retail --allow-outside-range --from 2026-11-10 --to 2026-11-11 --wait" /dev/null >"$T/tty.out" </dev/null
tr '\r' '\n' <"$T/tty.out" | grep -q "^.\[Kretail: 2/2 runs done, 0 running, 0 failed; tasks 4/4 done, 0 running" ||
	fail "backfill --wait on a terminal: $(cat -v "$T/tty.out")"
echo "cli_partitions: ok"
