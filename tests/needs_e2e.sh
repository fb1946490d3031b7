#!/bin/bash
# needs: end to end with the real scheduler: an hourly upstream (one day,
# 24 partitions) and a daily consumer that needs the day's 24 hours. With
# 23 hours done the consumer's run exists and its task waits (no try),
# and `sluice tasks` says what for; the 24th hour's success starts it
# within 1 s (measured between the two recorded times). Then one hour is
# cleared: the clear preview names the consumer partitions that re-run,
# the rerun consumer re-runs once, the mark consumer is only marked stale
# and `clear --only-stale` re-runs it; `sluice tasks` says what each
# consumer's latest try consumed and which of it changed since.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
web_home
cat >"$H/dags/up.yaml" <<YAML
dag: trades_hourly
schedule: "0 * * * *"
start: 2024-01-01T00:00:00Z
end: 2024-01-02T00:00:00Z
max_active_runs: 24
max_active_tasks: 24
tasks:
  load: {command: 'if [ "{{ data_interval_start | %H }}" = 23 ]; then while [ ! -e $T/go ]; do sleep 0.05; done; fi'}
YAML
cat >"$H/dags/down.yaml" <<YAML
dag: bands_daily
schedule: "0 0 * * *"
start: 2024-01-01T00:00:00Z
end: 2024-01-02T00:00:00Z
needs:
  - dag: trades_hourly
    task: load
tasks:
  compute: {command: 'date +%s%N > $T/compute.started'}
YAML
cat >"$H/dags/audit.yaml" <<YAML
dag: audit_daily
schedule: "0 0 * * *"
start: 2024-01-01T00:00:00Z
end: 2024-01-02T00:00:00Z
needs:
  - dag: trades_hourly
    on_change: mark
tasks:
  check: {command: 'echo x >> $T/check.runs'}
YAML
out=$(sl dags validate) || fail "dags validate: $out"
start_standalone
day=2024-01-01T00:00:00+00:00
last=2024-01-01T23:00:00+00:00
wait_ti trades_hourly "$last" load running 60
done23() { [ "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='trades_hourly' AND state='success'")" = 23 ]; }
wait_for 60 "23 hours to succeed" done23
wait_for 30 "the daily run to exist" sh -c "[ -n \"\$(sqlite3 '$H/sluice.db' \"SELECT id FROM dag_runs WHERE dag_id='bands_daily'\")\" ]"
# the consumer's run exists and its task waits without a try
assert_eq none "$(ti_field bands_daily "$day" compute state)" "the consumer waits"
assert_eq 0 "$(ti_field bands_daily "$day" compute try_number)" "no try while it waits"
out=$(sl tasks bands_daily "$day")
assert_contains "$out" "trades_hourly.load: 23 of 24 partitions, missing 2024-01-01T23:00+00:00"
sl --json tasks bands_daily "$day" | /usr/bin/python3 -c '
import json,sys
t = [x for x in json.load(sys.stdin) if x["task"] == "compute"][0]
w = t["waiting_for"]
assert w["kind"] == "needs" and "23 of 24" in w["text"], t
' || fail "the API/CLI JSON names the wait kind needs"
touch "$T/go"
wait_ti bands_daily "$day" compute success 30
# the last hour's end and the consumer's start, as the store recorded them
gap=$(q "SELECT c.started_at - l.ended_at FROM task_instances c JOIN dag_runs cr ON cr.id = c.run_id, task_instances l JOIN dag_runs lr ON lr.id = l.run_id WHERE cr.dag_id='bands_daily' AND c.task_id='compute' AND lr.dag_id='trades_hourly' AND lr.partition='$last' AND l.task_id='load'")
note "last hour's end -> consumer start: $gap ms"
[ "$gap" -ge 0 ] && [ "$gap" -le 1000 ] || fail "the consumer started $gap ms after the last hour (want <= 1000)"

wait_run audit_daily "$day" success 30
wait_run bands_daily "$day" success 30
# clear one hour: the preview lists what re-runs downstream in other DAGs
out=$(sl clear trades_hourly --partition 2024-01-01T05:00 --dry-run)
assert_contains "$out" "then, in other DAGs (needs:), these partitions re-run:"
assert_contains "$out" "  bands_daily $day"
assert_not_contains "$out" "audit_daily"
sl clear trades_hourly --partition 2024-01-01T05:00 --yes >/dev/null
reran() { [ "$(ti_field bands_daily "$day" compute try_number)" = 2 ] && ti_is bands_daily "$day" compute success; }
wait_for 30 "bands_daily to re-run once" reran
stale_marked() { [ "$(q "SELECT stale FROM dag_runs WHERE dag_id='audit_daily'")" = 1 ]; }
wait_for 30 "audit_daily to be marked stale" stale_marked
assert_eq 1 "$(wc -l < "$T/check.runs")" "on_change: mark re-runs nothing"
assert_contains "$(sl runs audit_daily)" "stale: an upstream partition it used changed"
# `sluice tasks` says what a task that ran consumed, and what changed since
out=$(sl tasks audit_daily "$day")
assert_contains "$out" "consumed (needs, try 1): trades_hourly: 24 partitions 2024-01-01T00:00:00+00:00 .. 2024-01-01T23:00:00+00:00; succeeded again since: 2024-01-01T05:00:00+00:00"
out=$(sl tasks bands_daily "$day")
assert_contains "$out" "consumed (needs, try 2): trades_hourly.load: 24 partitions 2024-01-01T00:00:00+00:00 .. 2024-01-01T23:00:00+00:00"
assert_not_contains "$out" "succeeded again" "the re-run consumed the new hour"
assert_eq 24 "$(sl --json tasks audit_daily "$day" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["lineage"]))')" "--json: the lineage"
# the API and the task page: lineage and staleness
assert_status 200 GET "/dags/audit_daily/runs/$(pct "$day")/tasks/check"
assert_eq 1 "$(jget 'd["stale"]')" "API: stale"
assert_eq 24 "$(jget 'len(d["lineage"])')" "API: the 24 hours its try consumed"
assert_eq '["2024-01-01T05:00:00+00:00"]' "$(jget '[x["partition"] for x in d["lineage"] if x["changed"]]')" "API: the hour that changed"
assert_eq null "$(jget 'd["lineage"][0]["task"]')" "API: a whole-run need"
page=$(curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/dags/audit_daily/runs/$(pct "$day")/tasks/check")
assert_contains "$page" "Consumed (needs)"
assert_contains "$page" "succeeded again since"
assert_contains "$page" 'id="ti-stale"'
assert_status 200 GET "/dags/bands_daily/runs/$(pct "$day")/tasks/compute"
assert_eq 48 "$(jget 'len(d["lineage"])')" "API: two tries, 24 hours each"
assert_eq "2 load" "$(jget 'str(d["lineage"][0]["try"]) + " " + d["lineage"][0]["task"]')" "API: the newest try first"
sl clear audit_daily --only-stale --yes >/dev/null
wait_for 30 "the stale run to re-run" sh -c "[ \"\$(wc -l < '$T/check.runs')\" = 2 ]"
wait_run audit_daily "$day" success 30
assert_eq 0 "$(q "SELECT stale FROM dag_runs WHERE dag_id='audit_daily'")" "fresh again"
assert_eq 2 "$(ti_field bands_daily "$day" compute try_number)" "bands_daily re-ran exactly once"
