#!/bin/bash
# Partition arguments through the REST API as a person types them: the
# CLI's one rule (scheduler/partition.h) for trigger, clear, mark and the
# run / task-instance / log endpoints. A date names the partitions starting
# that day, a time (space or T, seconds, Z and offset optional) the
# partition holding it in the DAG's zone, a key itself; one-partition
# endpoints answer 400 listing the nearest keys when an argument names
# none or several; a new key must be a tick of the schedule, or a safe key
# of an unscheduled DAG.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
# partitions start at 00:05 Berlin time; start in 2030 so the scheduler
# makes no run of its own (the runs made here are before the DAG's start:
# allow_outside_range)
cat > "$H/dags/retail.yaml" <<'YAML'
dag: retail
schedule: "5 0 * * *"
timezone: Europe/Berlin
start: 2030-01-01T00:00:00Z
catchup: false
tasks:
  extract: {command: 'echo "extract {{ ds }}"'}
  load: {command: 'echo load', after: [extract]}
YAML
cat > "$H/dags/hourly.yaml" <<'YAML'
dag: hourly
schedule: "0 * * * *"
timezone: UTC
start: 2030-01-01T00:00:00Z
tasks:
  x: {command: 'true'}
YAML
cat > "$H/dags/free.yaml" <<'YAML'
dag: free
schedule: none
tasks:
  x: {command: 'true'}
YAML
# burst stays paused: its runs wait
cat > "$H/dags/burst.yaml" <<'YAML'
dag: burst
schedule: none
tasks:
  x: {command: 'true'}
YAML
start_standalone
for d in retail hourly free; do assert_status 200 POST "/dags/$d/unpause" '{}'; done

K3=2026-12-03T00:05:00+01:00 K4=2026-12-04T00:05:00+01:00 K5=2026-12-05T00:05:00+01:00

# --- trigger: the spellings a person types name a tick of the schedule ---
assert_status 201 POST /dags/retail/runs '{"partition":"2026-12-03","allow_outside_range":true}'
assert_eq "$K3" "$(jget 'd["partition"]')" "a bare date: the partition starting that day"
assert_status 201 POST /dags/retail/runs '{"partition":"2026-12-04 05:00","allow_outside_range":true}'
assert_eq "$K4" "$(jget 'd["partition"]')" "a local time with a space: the partition holding it"
assert_status 201 POST /dags/retail/runs '{"partition":"2026-12-05T04Z","allow_outside_range":true}'
assert_eq "$K5" "$(jget 'd["partition"]')" "an hour in UTC: the partition holding it"
assert_status 409 POST /dags/retail/runs '{"partition":"2026-12-03T12:00:00+01:00","allow_outside_range":true}'
assert_contains "$(cat "$T/body")" "already has a run for partition $K3" "a time in an existing partition"
# what is no tick of the schedule is refused with a message
for bad in 'not-a-tick' '`id`' '$(id)' '../../x'; do
	assert_status 400 POST /dags/retail/runs "{\"partition\":\"$bad\"}"
	assert_contains "$(cat "$T/body")" "retail" "refusal of '$bad' names the DAG"
done
assert_status 400 POST /dags/retail/runs '{"partition":"2026-13-01","allow_outside_range":true}'
assert_contains "$(cat "$T/body")" "month 13" "a date that is none"
assert_eq 3 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='retail'")" "only the three runs"
# an unscheduled DAG: a new key is letters, digits and . _ : + -, up to 128
assert_status 201 POST /dags/free/runs '{"partition":"batch-42"}'
assert_eq batch-42 "$(jget 'd["partition"]')" "a free key"
long=$(printf 'k%.0s' $(seq 129))
for bad in 'a/b' '../../x' 'a b' "$long"; do
	assert_status 400 POST /dags/free/runs "{\"partition\":\"$bad\"}"
	assert_contains "$(cat "$T/body")" "letters, digits and . _ : + -" "refusal of '${bad:0:20}'"
done
assert_status 201 POST /dags/free/runs "{\"partition\":\"${long:1}\"}"
# no partition: the key is the current second, and a second trigger in
# it is told to name one (tried a few times across a second's edge)
for i in 1 2 3 4 5; do
	[ "$(api POST /dags/free/runs '{}')" = 201 ] || continue
	[ "$(api POST /dags/free/runs '{}')" = 409 ] && break
done
assert_contains "$(cat "$T/body")" "without a partition the key is the current second" "a second trigger in one second"
# "." and ".." (a link to the run would be a folder) and a leading -
for bad in . .. -x; do
	assert_status 400 POST /dags/free/runs "{\"partition\":\"$bad\"}"
	assert_contains "$(cat "$T/body")" "'$bad' cannot be a partition key" "refusal of '$bad'"
done
# several partitions of one day (hourly) for the "several" case below
assert_status 201 POST /dags/hourly/runs '{"partition":"2026-12-03 01:00","allow_outside_range":true}'
assert_status 201 POST /dags/hourly/runs '{"partition":"2026-12-03T02:30","allow_outside_range":true}'
assert_eq 2026-12-03T02:00:00+00:00 "$(jget 'd["partition"]')" "the hour holding 02:30"

for k in $K3 $K4 $K5; do wait_for 30 "retail $k load" state_is retail "$k" load success; done
wait_for 30 "free batch-42" state_is free batch-42 x success

# --- the run, task-instance and log endpoints ---
assert_status 200 GET "/dags/retail/runs/2026-12-03"
assert_eq "$K3" "$(jget 'd["partition"]')" "run by date"
assert_status 200 GET "/dags/retail/runs/$(pct '2026-12-04 05:00')/tasks/extract"
assert_eq "$K4" "$(jget 'd["partition"]')" "task instance by local time"
assert_eq success "$(jget 'd["state"]')" "task instance by local time: state"
assert_status 200 GET "/dags/retail/runs/2026-12-04T05/tasks/extract"
assert_eq "$K4" "$(jget 'd["partition"]')" "task instance by T05"
assert_status 200 GET "/dags/retail/runs/$(pct 2026-12-05T03:00:00Z)/tasks/extract"
assert_eq "$K5" "$(jget 'd["partition"]')" "task instance by a UTC time"
assert_status 200 GET "/dags/retail/runs/2026-12-03/tasks/extract/logs/1"
assert_contains "$(jget 'd["data"]')" "extract 2026-12-03" "log by date"
# none: 400 listing the nearest keys; several: 400 listing them
assert_status 400 GET "/dags/retail/runs/2026-12-06/tasks/extract"
assert_contains "$(cat "$T/body")" "$K5" "no run: the nearest key"
assert_status 400 GET "/dags/retail/runs/2026-12-02"
assert_contains "$(cat "$T/body")" "$K3" "no run: the nearest key"
assert_status 400 GET "/dags/hourly/runs/2026-12-03/tasks/x"
assert_contains "$(cat "$T/body")" "2026-12-03T01:00:00+00:00" "several: listed"
assert_contains "$(cat "$T/body")" "2026-12-03T02:00:00+00:00" "several: listed"

# --- clear (dry run): what resolved is listed; ranges are inclusive ---
assert_status 200 POST /dags/retail/clear '{"partitions":["2026-12-03"],"dry_run":true}'
assert_eq "[\"$K3\"]" "$(jget 'd["partitions"]')" "clear by date"
assert_eq 2 "$(jget 'd["count"]')" "clear by date: both tasks"
assert_status 200 POST /dags/retail/clear '{"tasks":["extract"],"from":"2026-12-03","to":"2026-12-04","dry_run":true}'
assert_eq "[\"$K3\", \"$K4\"]" "$(jget 'd["partitions"]')" "the range includes its last day"
assert_eq 2 "$(jget 'd["count"]')" "clear by range"
assert_status 200 POST /dags/retail/clear '{"from":"2026-12-04 05:00","to":"2026-12-05 00:05","dry_run":true}'
assert_eq "[\"$K4\", \"$K5\"]" "$(jget 'd["partitions"]')" "clear by times"
assert_status 400 POST /dags/retail/clear '{"partitions":["2026-12-02"],"dry_run":true}'
assert_contains "$(cat "$T/body")" "$K3" "clear of nothing lists the nearest key"
assert_status 400 POST /dags/retail/clear '{"from":"2026-12-06","to":"2026-12-09","dry_run":true}'
assert_status 200 POST /dags/free/clear '{"partitions":["batch-42"],"dry_run":true}'
assert_eq '["batch-42"]' "$(jget 'd["partitions"]')" "clear by a free key"
assert_eq success "$(grid_state retail "$K3" extract)" "dry runs changed nothing"

# runs made in one second share their start: from a run's key to
# another's is those runs and the ones made between them (it was every
# run of that second)
for k in jan feb mar; do assert_status 201 POST /dags/burst/runs "{\"partition\":\"$k\"}"; done
q "UPDATE dag_runs SET start_s = 1764547200, end_s = 1764547200 WHERE dag_id = 'burst'"
assert_status 200 POST /dags/burst/clear '{"from":"feb","to":"feb","dry_run":true}'
assert_eq '["feb"]' "$(jget 'd["partitions"]')" "clear from feb to feb"
assert_status 200 POST /dags/burst/clear '{"from":"jan","to":"feb","dry_run":true}'
assert_eq '["jan", "feb"]' "$(jget 'd["partitions"]')" "clear from jan to feb"
assert_status 200 GET "/dags/burst/runs?from=feb&to=feb"
assert_eq '["feb"]' "$(jget '[x["partition"] for x in d["runs"]]')" "runs from feb to feb"
assert_status 200 GET "/dags/burst/runs?from=feb"
assert_eq '["mar", "feb"]' "$(jget '[x["partition"] for x in d["runs"]]')" "runs from feb on"
assert_status 200 GET "/dags/burst/grid/keys?from=jan&to=feb"
assert_eq '["feb", "jan"]' "$(jget 'd["partitions"]')" "the grid's keys from jan to feb"
assert_status 400 GET "/dags/burst/runs?from=mar&to=jan"
assert_contains "$(cat "$T/body")" "the range ends (to jan) before it starts (from mar)" "a range backwards"

# --- mark and the runs list take the same spellings ---
assert_status 200 POST /dags/retail/mark '{"tasks":["load"],"partitions":["2026-12-05"],"state":"failed"}'
assert_eq "$K5" "$(jget 'd["task_instances"][0]["partition"]')" "mark by date"
assert_eq failed "$(grid_state retail "$K5" load)" "marked"
assert_status 200 GET "/dags/retail/runs?from=2026-12-04&to=2026-12-05"
assert_eq "[\"$K5\", \"$K4\"]" "$(jget '[x["partition"] for x in d["runs"]]')" "runs from/to by date, inclusive"

# --- a range's clear of the failed names the runs it clears, not every
# run of the range: K3's extract and K5's load failed, K4 did not (it
# said 3 runs, the audit row listing K4 too; the CLI said "(3)"); the
# audit row names the tasks cleared (the web's said "tasks: none") ---
assert_status 200 POST /dags/retail/mark '{"tasks":["extract"],"partitions":["2026-12-03"],"state":"failed"}'
assert_status 200 POST /dags/retail/clear '{"from":"2026-12-03","to":"2026-12-05","only_failed":true,"dry_run":true}'
assert_eq "[\"$K3\", \"$K5\"]" "$(jget 'd["partitions"]')" "only_failed: the failed runs"
assert_eq "$K3 extract,$K5 load" "$(jget '",".join(x["partition"] + " " + x["task"] for x in d["task_instances"])')" "only_failed: their failed tasks"
sl clear retail --from 2026-12-03 --to 2026-12-05 --only-failed --dry-run >/dev/null 2>"$T/clear.err"
assert_contains "$(cat "$T/clear.err")" "partitions: $K3 .. $K5 (2)" "the CLI's preview counts the same runs"
assert_status 200 POST /dags/retail/clear '{"from":"2026-12-03","to":"2026-12-05","only_failed":true}'
assert_eq "[\"$K3\", \"$K5\"]" "$(jget 'd["partitions"]')" "only_failed: cleared the failed runs"
assert_eq "{\"tasks\": [\"extract\", \"load\"], \"partitions\": [\"$K3\", \"$K5\"], \"count\": 2}" \
	"$(q "SELECT json_object('tasks', json(json_extract(detail, '$.tasks')), 'partitions', json(json_extract(detail, '$.partitions')), 'count', json_extract(detail, '$.count')) FROM audit WHERE action = 'clear' AND dag_id = 'retail' ORDER BY id DESC LIMIT 1" |
	/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')" "the audit row: the tasks and runs cleared"
for k in $K3 $K5; do wait_for 30 "retail $k re-run" state_is retail "$k" load success; done
# a clear of every task (the map sends none) names them as the CLI does
assert_status 200 POST /dags/retail/clear '{"partitions":["2026-12-04"]}'
assert_eq '["extract", "load"]' "$(q "SELECT json_extract(detail, '$.tasks') FROM audit WHERE action = 'clear' AND dag_id = 'retail' ORDER BY id DESC LIMIT 1" |
	/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')" "a clear of every task: its tasks"
wait_for 30 "retail $K4 re-run" state_is retail "$K4" load success
sl clear retail --partition 2026-12-04 --yes >/dev/null
assert_eq '["extract", "load"]' "$(q "SELECT json_extract(detail, '$.tasks') FROM audit WHERE action = 'clear' AND dag_id = 'retail' ORDER BY id DESC LIMIT 1" |
	/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')" "the CLI's clear: the same tasks"
wait_for 30 "retail $K4 re-run" state_is retail "$K4" load success

# --- backfill: from and to are inclusive, by the same rule ---
assert_status 200 POST /dags/retail/backfill '{"from":"2026-11-30","to":"2026-12-04","allow_outside_range":true}'
assert_eq '["2026-11-30T00:05:00+01:00", "2026-12-01T00:05:00+01:00", "2026-12-02T00:05:00+01:00"]' \
	"$(jget 'd["created"]')" "backfill creates the days up to its last"
assert_eq "[\"$K3\", \"$K4\"]" "$(jget 'd["existing"]')" "backfill names what existed"

# --- the pages read partitions the same way ---
page() { curl -sS -o "$T/page" -w '%{http_code}' -H "Authorization: Bearer $OPS_TOKEN" "$URL$1"; }
assert_eq 200 "$(page /dags/retail/runs/2026-12-03)" "run page by date"
assert_contains "$(cat "$T/page")" "<h1>$K3" "run page by date: the run"
assert_eq 200 "$(page "/dags/retail/runs/$(pct '2026-12-04 05:00')/tasks/extract")" "task page by local time"
assert_contains "$(cat "$T/page")" "data-partition=\"$K4\"" "task page by local time: the partition"
# the grid at Airflow's address of it (it was a 404) is the DAG's page
assert_eq 200 "$(page "/dags/retail/grid?at=2026-12-04")" "the grid at /dags/NAME/grid"
assert_contains "$(cat "$T/page")" 'id="grid-at"' "/dags/NAME/grid: the grid"
assert_eq 200 "$(page "/dags/retail/graph?partition=2026-12-04")" "graph by date"
assert_contains "$(cat "$T/page")" "data-partition=\"$K4\"" "graph by date: the partition"
# the graph of a partition without a run: a 404 whose nearest keys are
# links to the graph at each, and the link opens it
assert_eq 404 "$(page "/dags/retail/graph?partition=2026-12-09")" "graph of no run"
href=$(grep -o 'class="nearest" href="[^"]*"' "$T/page" | tail -1 | sed 's/.*href="//; s/"$//; s/&amp;/\&/g')
assert_contains "$href" "/dags/retail/graph?partition=" "the nearest key links to the graph at it"
assert_eq 200 "$(page "$href")" "the nearest key's link opens: $href"
assert_contains "$(cat "$T/page")" "data-partition=\"$K5\"" "at that partition"
assert_eq 404 "$(page /dags/retail/runs/2026-12-09)" "run page of no run"
assert_contains "$(cat "$T/page")" "$K5" "the page names the nearest key"
