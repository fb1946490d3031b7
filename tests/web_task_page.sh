#!/bin/bash
# Why a task instance is not running, in the task-instance API
# (waiting_for) and in `sluice tasks`: upstream, depends_on_past, a full
# pool, max_active_tasks, max_active_runs, a sensor's next poke, a retry,
# a paused DAG. What each try ran (masked) and the DAG file's version it
# ran from, kept per try across an edit of the DAG. A cleared task that
# is then skipped shows no exit code of its old try. The task page shows
# a sensor's poke_interval as written (1h), not in milliseconds.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
printf 'web: {bind: 127.0.0.1}\npools: {default: 128, one: 1}\nexecutors: {local: {type: local}, narrow: {type: local, slots: 1}}\n' > "$H/sluice.yaml"
# every task that holds waits for its own flag file
hold() { echo "while [ ! -f $T/go-$1 ]; do sleep 0.05; done"; }
cat > "$H/dags/pooled.yaml" <<YAML
dag: pooled
schedule: none
tasks:
  p1: {pool: one, priority: 2, command: "$(hold p1)"}
  p2: {pool: one, command: "$(hold p2)"}
YAML
cat > "$H/dags/chain.yaml" <<YAML
dag: chain
schedule: none
tasks:
  a: {command: "$(hold a)"}
  b: {after: [a], command: "true"}
YAML
cat > "$H/dags/mat.yaml" <<YAML
dag: mat
schedule: none
max_active_tasks: 1
tasks:
  m1: {priority: 2, command: "$(hold m1)"}
  m2: {command: "$(hold m2)"}
YAML
cat > "$H/dags/ex.yaml" <<YAML
dag: ex
schedule: none
tasks:
  e1: {executor: narrow, priority: 2, command: "$(hold e1)"}
  e2: {executor: narrow, command: "$(hold e2)"}
YAML
cat > "$H/dags/mar.yaml" <<YAML
dag: mar
schedule: none
max_active_runs: 1
tasks:
  r: {command: "$(hold r)"}
YAML
cat > "$H/dags/past.yaml" <<YAML
dag: past
schedule: "@hourly"
start: 2024-01-01T00:00:00Z
end: 2024-01-01T02:00:00Z
tasks:
  x: {depends_on_past: true, command: "test {{ partition }} != 2024-01-01T00:00:00+00:00"}
YAML
cat > "$H/dags/sense.yaml" <<YAML
dag: sense
schedule: none
tasks:
  wait: {type: s3_sensor, url: "file://$T/landing/ready", poke_interval: 1h, timeout: 2h}
YAML
cat > "$H/dags/retry.yaml" <<YAML
dag: retry
schedule: none
tasks:
  flaky: {retries: 1, retry_delay: 1h, command: "exit 4"}
YAML
cat > "$H/dags/ran.yaml" <<'YAML'
dag: ran
schedule: none
params:
  token: {type: string, secret: true, default: "s3cr3t-t0ken-value"}
tasks:
  show: {command: "echo v1 {{ params.token }}"}
YAML
cat > "$H/dags/skipper.yaml" <<YAML
dag: skipper
schedule: none
tasks:
  u: {command: "test -f $T/u-ok"}
  t: {after: [u], command: "exit 0"}
YAML
touch "$T/u-ok"
start_standalone

# why TASK of DAG PARTITION waits: prints kind, then text (via the API)
why() {
	assert_status 200 GET "/dags/$1/runs/$(pct "$2")/tasks/$3" >/dev/null
	jget 'd["waiting_for"]["kind"] if d["waiting_for"] else "null"'
}
why_text() { jget 'd["waiting_for"]["text"]'; }
has_kind() { [ "$(why "$1" "$2" "$3")" = "$4" ]; }

for dag in pooled chain mat ex sense retry ran skipper; do
	assert_status 201 POST "/dags/$dag/runs" '{"partition":"k"}' >/dev/null
done
assert_status 201 POST /dags/mar/runs '{"partition":"k1"}' >/dev/null
assert_status 201 POST /dags/mar/runs '{"partition":"k2"}' >/dev/null

# --- a full pool ---
wait_ti pooled k p1 running
wait_for 20 "p2 waits for the pool" has_kind pooled k p2 pool
assert_eq "pool one is full (1 of 1 slots; this task needs 1)" "$(why_text)" "pool reason"
assert_eq one "$(jget 'd["waiting_for"]["pool"]')" "pool name"
assert_eq "1 1" "$(jget 'd["waiting_for"]["used"]') $(jget 'd["waiting_for"]["limit"]')" "pool n of m"
assert_eq null "$(why pooled k p1)" "a running task waits for nothing"
out=$(sl tasks pooled k)
assert_contains "$out" "not running: pool one is full (1 of 1 slots" "the CLI's not running line"
assert_eq "pool" "$(sl tasks pooled k --json | /usr/bin/python3 -c 'import json,sys; print([t for t in json.load(sys.stdin) if t["task"]=="p2"][0]["waiting_for"]["kind"])')" "CLI --json waiting_for"
# a paused DAG holds it first
assert_status 200 POST /dags/pooled/pause >/dev/null
assert_eq paused "$(why pooled k p2)" "paused DAG"
assert_eq "the DAG is paused" "$(why_text)" "paused text"
assert_status 200 POST /dags/pooled/unpause >/dev/null
touch "$T/go-p1"
wait_ti pooled k p2 running
touch "$T/go-p2"

# --- upstream ---
wait_ti chain k a running
assert_eq upstream "$(why chain k b)" "upstream reason"
assert_eq "waits for upstream a (running)" "$(why_text)" "upstream text"
assert_eq '[{"task": "a", "state": "running"}]' "$(jget 'd["waiting_for"]["upstream"]')" "upstream list"
touch "$T/go-a"
wait_ti chain k b success
assert_eq null "$(why chain k b)" "a finished task waits for nothing"

# --- max_active_tasks ---
wait_ti mat k m1 running
wait_for 20 "m2 waits for max_active_tasks" has_kind mat k m2 max_active_tasks
assert_eq "max_active_tasks of DAG mat: 1 of 1 tasks running" "$(why_text)" "max_active_tasks text"
# the run page: m2 not tried yet reads "-", not "0 of 1"; m1 is try 1 of 1
runhtml=$(curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/dags/mat/runs/k")
assert_contains "$runhtml" '<td class="ti-try" title="not tried yet; at most 1 try">-</td>' "a task not tried yet"
assert_contains "$runhtml" '<td class="ti-try">1 of 1</td>' "a task on its first try"
touch "$T/go-m1" "$T/go-m2"

# --- an executor's slots ---
wait_ti ex k e1 running
wait_for 20 "e2 waits for the executor" has_kind ex k e2 executor
assert_eq "executor narrow has no free slot (1 of 1 busy)" "$(why_text)" "executor text"
assert_contains "$(sl tasks ex k)" "not running: executor narrow has no free slot (1 of 1 busy)" "the CLI reads the executor's slots from the config"
touch "$T/go-e1" "$T/go-e2"

# --- max_active_runs ---
wait_ti mar k1 r running
assert_eq max_active_runs "$(why mar k2 r)" "max_active_runs reason"
assert_eq "the run is queued: max_active_runs 1 of 1 runs running" "$(why_text)" "max_active_runs text"
touch "$T/go-r"

# --- depends_on_past ---
P0=2024-01-01T00:00:00+00:00 P1=2024-01-01T01:00:00+00:00
wait_ti past "$P0" x failed
wait_for 20 "x of P1 waits for P0" has_kind past "$P1" x depends_on_past
assert_eq "depends_on_past: x in partition $P0 is failed" "$(why_text)" "depends_on_past text"
assert_eq "$P0" "$(jget 'd["waiting_for"]["partition"]')" "the partition it depends on"

# --- a sensor between pokes ---
wait_ti sense k wait up_for_reschedule
assert_eq next_poke "$(why sense k wait)" "sensor reason"
assert_contains "$(why_text)" "next poke at 20" "next poke at"
assert_eq 1 "$(jget '1 if d["waiting_for"]["at"] > 0 else 0')" "next poke time"
page() { curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL$1"; }
html=$(page /dags/sense/runs/k/tasks/wait)
assert_contains "$html" 'id="ti-waiting" data-kind="next_poke">Not running: next poke at 20' "the task page says why"
# what it ran: its poke_interval as the DAG file writes it, not in ms
assert_contains "$html" '&quot;poke_interval&quot;:&quot;1h&quot;' "the task page: the poke interval as written"
assert_not_contains "$html" '3600000' "the task page: no duration in milliseconds"
assert_contains "$html" 'data-durations="poke_interval max_poke_interval"' "the task page names the sensor's duration keys"

# --- a retry ---
wait_ti retry k flaky up_for_retry
assert_eq retry "$(why retry k flaky)" "retry reason"
assert_contains "$(why_text)" "retry at 20" "retry at"
assert_contains "$(why_text)" "(try 2 of 2)" "which try comes"

# --- what a try ran, and from which version of the DAG file ---
wait_ti ran k show success
h1=$(sha256sum "$H/dags/ran.yaml" | cut -d' ' -f1)
assert_status 200 GET /dags/ran/runs/k/tasks/show >/dev/null
assert_eq 1 "$(jget 'len(d["tries"])')" "one try"
assert_contains "$(jget 'd["tries"][0]["ran"]')" "echo v1" "try 1 ran v1"
assert_not_contains "$(cat "$T/body")" "s3cr3t-t0ken-value" "the secret param is never shown"
assert_eq "$h1" "$(jget 'd["tries"][0]["dag_hash"]')" "try 1's DAG file hash"
# the DAG file changes; try 2 runs the new command, try 1 keeps its own
sed -i 's/echo v1/echo v2/' "$H/dags/ran.yaml"
h2=$(sha256sum "$H/dags/ran.yaml" | cut -d' ' -f1)
wait_for 20 "the web to see the new DAG file" sh -c "curl -sS -H 'Authorization: Bearer $OPS_TOKEN' '$URL/api/v1/dags/ran/runs/k/tasks/show' | grep -q 'echo v2'"
assert_status 200 POST /dags/ran/clear '{"partitions":["k"],"tasks":["show"]}' >/dev/null
wait_for 20 "try 2 of show" sh -c "[ \"\$(sqlite3 '$H/sluice.db' \"SELECT count(*) FROM task_tries\")\" -ge 2 ]"
wait_ti ran k show success
assert_status 200 GET /dags/ran/runs/k/tasks/show >/dev/null
assert_eq 2 "$(jget 'len(d["tries"])')" "two tries"
assert_contains "$(jget 'd["tries"][0]["ran"]')" "echo v1" "try 1 still shows what it ran"
assert_not_contains "$(jget 'd["tries"][0]["ran"]')" "v2" "try 1 is not shown with today's command"
assert_contains "$(jget 'd["tries"][1]["ran"]')" "echo v2" "try 2 ran v2"
assert_eq "$h1 $h2" "$(jget 'd["tries"][0]["dag_hash"]') $(jget 'd["tries"][1]["dag_hash"]')" "each try's DAG file hash"
assert_not_contains "$(cat "$T/body")" "s3cr3t-t0ken-value" "the secret param is never shown"
html=$(page /dags/ran/runs/k/tasks/show)
assert_contains "$html" "<tr class=\"ran\" data-try=\"1\"><td></td><td colspan=\"7\">ran: <code>/bin/sh -c
echo v1" "the page: what try 1 ran"
assert_contains "$html" "echo v2" "the page: what try 2 ran"
assert_contains "$html" "title=\"sha256 $h1\"" "the page: try 1's DAG file version"
assert_not_contains "$html" "s3cr3t-t0ken-value" "the page never shows the secret"

# --- cleared, then upstream_failed: no exit code of the old try ---
wait_ti skipper k t success
assert_eq 0 "$(ti_field skipper k t exit_code)" "t exited 0"
rm "$T/u-ok"
assert_status 200 POST /dags/skipper/clear '{"partitions":["k"],"tasks":["u"],"downstream":true}' >/dev/null
wait_ti skipper k t upstream_failed
assert_status 200 GET /dags/skipper/runs/k/tasks/t >/dev/null
assert_eq null "$(jget 'd["exit_code"]')" "API: no old exit code"
line=$(sl tasks skipper k | grep '^t ')
assert_eq "t upstream_failed -" "$(echo "$line" | awk '{print $1, $2, $5}')" "CLI: no old exit code"
echo "web_task_page: ok"
