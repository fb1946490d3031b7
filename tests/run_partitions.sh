#!/bin/bash
# Scheduled DAGs: catch-up creates every missed partition since start (not
# past end) under max_active_runs; catchup: false creates only the latest;
# clearing a range of partitions with --downstream re-runs exactly those;
# backfill; depends_on_past; dags next.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
harness_config	# DAGs start active: dags list below is read before the scheduler starts
# 6 hourly partitions: 00:00 .. 05:00 on 2024-01-01
cat >"$H/dags/hourly.yaml" <<YAML
dag: hourly
schedule: "0 * * * *"
start: 2024-01-01T00:00:00Z
end: 2024-01-01T06:00:00Z
max_active_runs: 2
tasks:
  extract: {command: 'echo "{{ data_interval_start | %H }}" >> $T/extract.log; echo \$SLUICE_DATA_INTERVAL_START \$SLUICE_DATA_INTERVAL_END'}
  load: {after: [extract], command: 'echo "{{ data_interval_start | %H }}" >> $T/load.log'}
  report: {after: [load], command: 'echo "{{ ds }}" >> $T/report.log'}
  other: {command: 'echo x >> $T/other.log'}
YAML
# daily, no catch-up: only the latest complete day
cat >"$H/dags/latest.yaml" <<YAML
dag: latest
schedule: "@daily"
start: 2024-01-01
catchup: false
tags: [daily, a-rather-long-tag-name-for-the-column]
tasks:
  only: {command: "true"}
YAML
# one "next partition" (scheduler/next_partition.c) for dags next, dags
# list and the API: never ran with catchup: true -> the first tick; with
# catchup: false -> the latest finished day, not start; paused -> what it
# would create when unpaused
y1=$(date -u -d yesterday +%Y-%m-%d)
sl dags pause latest >/dev/null
out=$(sl dags next latest -n 1 2>"$T/next.err")
y2=$(date -u -d yesterday +%Y-%m-%d)
case "$out" in
"${y1}T00:00:00+00:00 "*|"${y2}T00:00:00+00:00 "*) ;;
*) fail "dags next of a paused catchup: false DAG that never ran: $out" ;;
esac
assert_contains "$(cat "$T/next.err")" "DAG latest is paused: the partitions it would create when unpaused"
assert_eq "2024-01-01T00:00:00+00:00 2024-01-01T01:00:00+00:00" "$(sl dags next hourly -n 1)" "dags next: the first tick"
# past its end: nothing to print, and a sentence that says why (it was silent)
out=$(sl dags next hourly --after 2024-01-01T05:30Z 2>"$T/next.err")
assert_eq "" "$out" "dags next after the end"
assert_contains "$(cat "$T/next.err")" "DAG hourly has no partition after that time: no partition starts at or after its end, 2024-01-01T06:00:00+00:00"
out=$(sl dags list)
echo "$out" | grep -Eq "^latest +@daily +UTC +1 +yes +daily,a-rather-long-tag~ +(${y1}|${y2})T00:00:00\+00:00 when unpaused\$" ||
	fail "dags list: $out"
echo "$out" | grep -Eq "^hourly +0 \* \* \* \* +UTC +4 +no +- +2024-01-01T00:00:00\+00:00 \(due\)\$" || fail "dags list: $out"
out=$(sl dags list --tag daily)
assert_contains "$out" "latest"
assert_not_contains "$out" "hourly"
sl --json dags list --tag daily | /usr/bin/python3 -c '
import json,sys
d = json.load(sys.stdin)
assert [x["dag"] for x in d] == ["latest"], d
assert d[0]["tags"] == ["daily", "a-rather-long-tag-name-for-the-column"], d
assert d[0]["paused"] is True and d[0]["next_created"] == "when unpaused", d
assert d[0]["next_partition"].endswith("T00:00:00+00:00"), d
'
sl dags unpause latest >/dev/null
out=$(sl dags next hourly -n 3 --after 2024-01-01T01:30:00Z 2>"$T/next.err")
assert_eq "2024-01-01T02:00:00+00:00 2024-01-01T03:00:00+00:00
2024-01-01T03:00:00+00:00 2024-01-01T04:00:00+00:00
2024-01-01T04:00:00+00:00 2024-01-01T05:00:00+00:00" "$out" "dags next"
# a time off the schedule: the list starts at the next tick, and says so
# (it moved silently, as if 01:30 were a partition)
assert_eq "sluice: note: --after 2024-01-01T01:30:00+00:00 is not on the schedule of DAG hourly (0 * * * *): listing from the first partition after it, 2024-01-01T02:00:00+00:00 (the partition holding it starts at 2024-01-01T01:00:00+00:00)" \
	"$(cat "$T/next.err")" "dags next --after a time off the schedule"
# on a tick: the partitions after it, nothing to say
assert_eq "2024-01-01T02:00:00+00:00 2024-01-01T03:00:00+00:00" \
	"$(sl dags next hourly -n 1 --after 2024-01-01T01:00Z 2>"$T/next.err")" "dags next --after a tick"
assert_eq "" "$(cat "$T/next.err")" "dags next --after a tick: no note"
# before start: from the first partition, saying so
assert_eq "2024-01-01T00:00:00+00:00 2024-01-01T01:00:00+00:00" \
	"$(sl dags next hourly -n 1 --after 2023-12-25 2>"$T/next.err")" "dags next --after a time before start"
assert_eq "sluice: note: --after 2023-12-25T00:00:00+00:00 is before the start of DAG hourly, 2024-01-01T00:00:00+00:00: listing from its first partition" \
	"$(cat "$T/next.err")" "dags next --after a time before start: the note"
# --after reads a local time as every verb reads a partition's: a time
# the clocks skip is an error naming the gap (it listed from past it,
# leaving out the partition after the gap), one they repeat its first
# reading with the note saying how to name the other (it said nothing)
for dag in "ny_hh|@hourly" "ny_2am|30 2 * * *"; do
	cat >"$H/dags/${dag%%|*}.yaml" <<YAML
dag: ${dag%%|*}
schedule: "${dag#*|}"
timezone: America/New_York
start: 2026-01-01
end: 2026-12-01
tasks:
  t: {command: "true"}
YAML
done
for c in "ny_hh|2026-03-08T02:00|the partition before the gap is 2026-03-08T01:00:00-05:00, after it 2026-03-08T03:00:00-04:00" \
	"ny_2am|2026-03-08T02:30|the partition before the gap is 2026-03-07T02:30:00-05:00, after it 2026-03-08T03:00:00-04:00"; do
	IFS='|' read -r dag at want <<<"$c"
	set +e
	sl dags next "$dag" -n 1 --after "$at" >"$T/next.out" 2>"$T/next.err"; st=$?
	set -e
	assert_eq 2 "$st" "dags next $dag --after $at: exit code"
	assert_contains "$(cat "$T/next.err")" "--after: '$at' does not exist in America/New_York: on 2026-03-08 the clocks go forward from 02:00 to 03:00, -05:00 to -04:00; $want" "dags next $dag --after $at"
done
assert_eq "2026-03-08T03:00:00-04:00 2026-03-08T04:00:00-04:00" \
	"$(sl dags next ny_hh -n 1 --after 2026-03-08T01:00 2>/dev/null)" "dags next --after the hour before the gap: the one after it"
assert_eq "2026-11-01T01:00:00-05:00 2026-11-01T02:00:00-05:00" \
	"$(sl dags next ny_hh -n 1 --after 2026-11-01T01:00 2>"$T/next.err")" "dags next --after a time that happens twice: its first reading"
assert_eq "sluice: note: '2026-11-01T01:00' happens twice in America/New_York (on 2026-11-01 the clocks go back from 02:00 to 01:00, -04:00 to -05:00): read as 2026-11-01T01:00:00-04:00, partition 2026-11-01T01:00:00-04:00; 2026-11-01T01:00:00-05:00 names the other (partition 2026-11-01T01:00:00-05:00)" \
	"$(cat "$T/next.err")" "dags next --after a time that happens twice: the note"
rm "$H/dags/ny_hh.yaml" "$H/dags/ny_2am.yaml"
start_scheduler
six_done() { [ "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='hourly' AND state='success'")" = 6 ]; }
wait_for 60 "6 hourly partitions to succeed" six_done
assert_eq 6 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='hourly'")" "no partition past end"
assert_eq "2024-01-01T00:00:00+00:00" "$(q "SELECT partition FROM dag_runs WHERE dag_id='hourly' ORDER BY start_s LIMIT 1")" "first partition"
assert_eq 6 "$(wc -l < "$T/load.log")" "loads"
# max_active_runs: never more than 2 running runs at once
max_running=$(q "SELECT max(n) FROM (SELECT a.id, (SELECT count(*) FROM dag_runs b WHERE b.dag_id='hourly' AND b.started_at <= a.started_at AND b.ended_at > a.started_at) AS n FROM dag_runs a WHERE a.dag_id='hourly')")
[ "$max_running" -le 2 ] || fail "max_active_runs 2, but $max_running runs overlapped"
assert_contains "$(sl logs hourly extract 2024-01-01T03:00:00+00:00)" "2024-01-01T03:00:00+00:00 2024-01-01T04:00:00+00:00"
wait_for 30 "the latest daily partition" sh -c "[ \"\$(sqlite3 '$H/sluice.db' \"SELECT count(*) FROM dag_runs WHERE dag_id='latest' AND state='success'\")\" = 1 ]"
assert_eq 1 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='latest'")" "catchup: false runs only the latest"
yesterday=$(date -u -d yesterday +%Y-%m-%dT00:00:00+00:00)
assert_eq "$yesterday" "$(q "SELECT partition FROM dag_runs WHERE dag_id='latest'")" "the latest complete day"

# clear load --downstream for 01:00 .. 03:00: exactly load and report of
# those three partitions run again; extract and other do not
out=$(sl clear hourly --task load --from 2024-01-01T01:00:00Z --to 2024-01-01T03:00:00Z --downstream --dry-run)
assert_contains "$out" "6 task instances would be cleared (dry run)"
assert_eq "2024-01-01T01:00:00+00:00 load success
2024-01-01T01:00:00+00:00 report success
2024-01-01T02:00:00+00:00 load success
2024-01-01T02:00:00+00:00 report success
2024-01-01T03:00:00+00:00 load success
2024-01-01T03:00:00+00:00 report success" "$(echo "$out" | grep -v 'would be cleared')" "dry-run list"
sl clear hourly --task load --from 2024-01-01T01:00:00Z --to 2024-01-01T03:00:00Z --downstream --yes >/dev/null
wait_for 30 "the cleared partitions to succeed again" six_done
rerun() { [ "$(q "SELECT count(*) FROM task_instances WHERE dag_id='hourly' AND try_number=2")" = 6 ]; }
wait_for 30 "six re-runs" rerun
assert_eq "load|01 load|02 load|03 report|01 report|02 report|03" \
	"$(q "SELECT ti.task_id || '|' || strftime('%H', r.start_s, 'unixepoch') FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE ti.dag_id='hourly' AND ti.try_number = 2 ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')" "what ran again"
assert_eq 9 "$(wc -l < "$T/load.log")" "loads after the clear"
assert_eq 6 "$(wc -l < "$T/extract.log")" "extract did not run again"
assert_eq 6 "$(wc -l < "$T/other.log")" "other did not run again"
assert_eq 1 "$(q "SELECT count(*) FROM audit WHERE action='clear' AND dag_id='hourly'")" "the clear is audited (not the dry run)"

# a time inside a partition triggers that partition
out=$(sl trigger latest --partition 2024-02-03T15:00:00Z)
assert_contains "$out" "triggered latest partition 2024-02-03T00:00:00+00:00"
assert_eq "1706918400 86400" "$(q "SELECT start_s || ' ' || (end_s - start_s) FROM dag_runs WHERE partition = '2024-02-03T00:00:00+00:00'")" "the day's interval"

# --only-failed
sl mark hourly extract 2024-01-01T04:00:00+00:00 failed >/dev/null
wait_run hourly 2024-01-01T04:00:00+00:00 failed
out=$(sl clear hourly --only-failed --dry-run)
assert_contains "$out" "1 task instance would be cleared"
assert_contains "$out" "2024-01-01T04:00:00+00:00 extract failed"

# backfill before start: refused as a likely typo, naming the start: line
set +e
sl backfill hourly --from 2023-12-31T22:00:00Z --to 2023-12-31T23:00:00Z >"$T/bf.out" 2>"$T/bf.err"; st=$?
set -e
assert_eq 2 "$st" "exit code of a backfill wholly before the DAG's start"
assert_contains "$(cat "$T/bf.err")" "the range from 2023-12-31T22:00:00Z to 2023-12-31T23:00:00Z is before the start of DAG hourly, 2024-01-01T00:00:00+00:00 ($H/dags/hourly.yaml:3); its first partition is 2024-01-01T00:00:00+00:00 (--allow-outside-range backfills it anyway)"
# ... and made on request: history before the DAG's start
sl backfill hourly --allow-outside-range --from 2023-12-31T22:00:00Z --to 2023-12-31T23:00:00Z --wait >"$T/bf.out"
assert_contains "$(cat "$T/bf.out")" "2 runs created"
assert_eq success "$(run_state hourly 2023-12-31T22:00:00+00:00)"
assert_eq backfill "$(q "SELECT run_type FROM dag_runs WHERE partition='2023-12-31T23:00:00+00:00'")"

# three backfills of overlapping ranges at the same moment: each creates
# what the others did not, none fails (the last ones exited 3 with "DAG
# hourly already has a run for partition ..."), one run a partition
for r in "10 15" "12 18" "14 20"; do
	set -- $r
	sl backfill hourly --allow-outside-range --from "2023-12-31T$1:00:00Z" --to "2023-12-31T$2:00:00Z" \
		>"$T/bfc.$1.out" 2>&1 &
done
for r in 10 12 14; do
	wait -n || fail "a concurrent backfill failed: $(cat "$T"/bfc.*.out)"
done
assert_eq 11 "$(q "SELECT count(DISTINCT partition) FROM dag_runs WHERE dag_id = 'hourly' AND partition BETWEEN '2023-12-31T10' AND '2023-12-31T20:59'")" "the partitions backfilled"
assert_eq 11 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'hourly' AND partition BETWEEN '2023-12-31T10' AND '2023-12-31T20:59'")" "one run a partition"

# depends_on_past: a partition waits for the previous one's task
cat >"$H/dags/past.yaml" <<YAML
dag: past
schedule: "0 * * * *"
start: 2024-01-01T00:00:00Z
end: 2024-01-01T03:00:00Z
max_active_runs: 3
tasks:
  step:
    depends_on_past: true
    command: 'if [ "{{ data_interval_start | %H }}" = 00 ] && [ ! -f $T/past.ok ]; then exit 1; fi; echo "{{ data_interval_start | %H }}" >> $T/past.log'
YAML
wait_run past 2024-01-01T00:00:00+00:00 failed 30
# the later partitions wait (their run is active, their task stays none)
wait_run past 2024-01-01T01:00:00+00:00 running 30
assert_eq none "$(task_state past 2024-01-01T01:00:00+00:00 step)" "waits for the past"
touch "$T/past.ok"
cleared_ms=$(( $(date +%s%N) / 1000000 ))
sl clear past --task step --partition 2024-01-01T00:00:00+00:00 --yes >/dev/null
wait_run past 2024-01-01T02:00:00+00:00 success 30
# the cleared run's start is its new run's (sluice runs' DURATION counted
# from its first start)
[ "$(q "SELECT started_at FROM dag_runs WHERE dag_id = 'past' AND partition = '2024-01-01T00:00:00+00:00'")" -ge "$cleared_ms" ] ||
	fail "the cleared run kept its first start"
assert_eq "00 01 02" "$(tr '\n' ' ' < "$T/past.log" | sed 's/ $//')" "in partition order"
echo "run_partitions: ok"
