#!/bin/bash
# Webhooks (notify: in a DAG, webhooks: in sluice.yaml) to a real HTTP
# receiver on loopback (tests/servers/webhook_receiver.py): the json
# payload's fields and link, the slack format (a partition that landed
# after being late: why it had been, as the email says), the secret
# header, retries after a 500 then success, a receiver down longer than a
# round of retries (sent again later, once), one delivery per event across
# a scheduler restart (also when the scheduler dies while its senders back
# off, and when the senders die with it), an unknown webhook name refused
# at load with its line and column, and the URL never in the scheduler's
# log or the API.
. "$SLUICE_SRCDIR/tests/setup.sh"

RECV_DIR=$T/recv
mkdir -p "$RECV_DIR"
echo 0 >"$RECV_DIR/fail"
/usr/bin/python3 "$SLUICE_SRCDIR/tests/servers/webhook_receiver.py" \
	"$RECV_DIR/port" "$RECV_DIR/requests.jsonl" "$RECV_DIR/fail" &
RECV_PID=$!
on_exit "stop_pid $RECV_PID"
wait_for 10 "the webhook receiver" test -s "$RECV_DIR/port"
RECV_PORT=$(cat "$RECV_DIR/port")
: >"$RECV_DIR/requests.jsonl"

# recv FILTER [N FIELD]: how many requests arrived that match FILTER (a
# Python expression over r, the record, and b, the body parsed as JSON);
# with N FIELD: the FIELD of the Nth match (1-based): a body field,
# headers.NAME, path, status, or raw (the body as sent)
recv() {
	/usr/bin/python3 - "$RECV_DIR/requests.jsonl" "$@" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    try:
        b = json.loads(r["body"])
    except ValueError:
        b = None
    if eval(sys.argv[2]):
        rows.append((r, b))
if len(sys.argv) < 5:
    print(len(rows))
    sys.exit(0)
r, b = rows[int(sys.argv[3]) - 1]
f = sys.argv[4]
if f.startswith("headers."):
    print(r["headers"].get(f[8:], ""))
elif f in ("path", "status"):
    print(r[f])
elif f == "raw":
    print(r["body"])
else:
    v = b.get(f)
    print(json.dumps(v) if not isinstance(v, str) else v)
PY
}
requests() { recv "${1:-True}"; }
# request N FIELD: of the Nth request matching the filter in $SEL
request() { recv "${SEL:-True}" "$1" "$2"; }
at_least() { [ "$(requests "${2:-True}")" -ge "$1" ]; }

SECRET_PATH="services/T000/B000/xoxb-very-secret-path"
HOOK_URL="http://127.0.0.1:$RECV_PORT/$SECRET_PATH"
export WEBHOOK_TOKEN="tok-4711-secret"

. "$SLUICE_SRCDIR/tests/web_lib.sh"
web_home
cat >>"$H/sluice.yaml" <<YAML
webhooks:
  ops_json:
    url: "$HOOK_URL?kind=json"
    format: json
    secret_header: X-Sluice-Token
    secret_env: WEBHOOK_TOKEN
    tries: 4
    retry_delay: 300ms
    timeout: 2s
  team_slack:
    url: "$HOOK_URL?kind=slack"
    format: slack
    tries: 4
    retry_delay: 300ms
    timeout: 2s
YAML

# an unknown name is a load-time error at its line and column
cat >"$T/bad.yaml" <<'YAML'
dag: bad
tasks:
  a:
    command: "true"
    notify: [ops_json, nobody]
YAML
cp "$T/bad.yaml" "$H/dags/bad.yaml"
out=$(sl dags validate "$H/dags/bad.yaml" 2>&1) && fail "an unknown webhook was accepted"
assert_contains "$out" "bad.yaml:5:24: tasks.a.notify: no webhook 'nobody' in $H/sluice.yaml (defined: ops_json, team_slack)"
rm "$H/dags/bad.yaml"

# a task that fails after a retry, one that succeeds, and a run that
# fails: values with quotes and markup are data
cat >"$H/dags/hooks.yaml" <<'YAML'
dag: hooks
notify: [team_slack]
notify_on: [failure]
tasks:
  breaks:
    retries: 1
    retry_delay: 0s
    notify: [ops_json]
    notify_on: [retry, failure]
    command: 'exit 3'
  'fine"<&>':
    notify: [ops_json, team_slack]
    notify_on: [success]
    command: 'echo fine'
YAML
# one event, one delivery: the run's failure
cat >"$H/dags/one.yaml" <<'YAML'
dag: one
notify: [ops_json]
tasks:
  breaks: {command: 'exit 1'}
YAML
start_standalone
sl dags unpause hooks >/dev/null 2>&1 || true
sl dags unpause one >/dev/null 2>&1 || true
sl trigger hooks --partition 2024-01-01T05:00:00+00:00 >/dev/null
wait_run hooks 2024-01-01T05:00:00+00:00 failed 30
# retry + failure (breaks), success (fine): json; the run's failure: slack
# (and its success in slack's format too)
wait_for 20 "five deliveries" at_least 5
SEL='"kind=json" in r["path"] and b["event"] == "retry"'
assert_eq 1 "$(requests "$SEL")" "retry deliveries"
assert_eq hooks "$(request 1 dag)" dag
assert_eq breaks "$(request 1 task)" task
assert_eq 2024-01-01T05:00:00+00:00 "$(request 1 partition)" partition
assert_eq 1 "$(request 1 try)" try
assert_eq 2 "$(request 1 max_tries)" max_tries
assert_eq up_for_retry "$(request 1 state)" state
assert_eq "exit code 3" "$(request 1 reason)" reason
assert_eq "$URL/dags/hooks/runs/2024-01-01T05%3A00%3A00%2B00%3A00/tasks/breaks?try=1" "$(request 1 url)" url
assert_eq "$WEBHOOK_TOKEN" "$(request 1 headers.X-Sluice-Token)" "secret header"
assert_eq retry "$(request 1 headers.X-Sluice-Event)" "event header"
assert_contains "$(request 1 headers.Content-Type)" "application/json"
assert_eq "/$SECRET_PATH?kind=json" "$(request 1 path)" path
SEL='"kind=json" in r["path"] and b["event"] == "failure"'
assert_eq 1 "$(requests "$SEL")" "failure deliveries"
assert_eq failed "$(request 1 state)" state
assert_eq 2 "$(request 1 try)" try
SEL='"kind=json" in r["path"] and b["event"] == "success"'
assert_eq 1 "$(requests "$SEL")" "success deliveries"
assert_eq 'fine"<&>' "$(request 1 task)" task
assert_contains "$(SEL='"kind=json" in r["path"] and b["event"] == "success"' request 1 raw)" '"task":"fine\"<&>"'
assert_eq success "$(request 1 state)" state
# the link opens the task's page on the running server
link=$(request 1 url)
code=$(curl -s -o /dev/null -w '%{http_code}' "$link")
case "$code" in 200|302|303|401) ;; *) fail "the link ${link} gave HTTP $code" ;; esac
# the run's failure, in slack's format: {"text": ...} with the link
SEL='"kind=slack" in r["path"] and "FAILED" in b["text"]'
assert_eq 1 "$(requests "$SEL")" "slack deliveries of the run's failure"
text=$(request 1 text)
assert_contains "$text" '[sluice] FAILED: hooks run 2024-01-01T05:00:00+00:00: breaks failed'
assert_contains "$text" "<$URL/dags/hooks/runs/2024-01-01T05%3A00%3A00%2B00%3A00|run page>"
assert_eq "" "$(request 1 headers.X-Sluice-Token)" "no secret header without secret_env"
# Slack's markup characters in a value are escaped, the link is Slack's
SEL='"kind=slack" in r["path"] and "succeeded" in b["text"]'
assert_eq 1 "$(requests "$SEL")" "slack deliveries of the success"
assert_contains "$(request 1 text)" '[sluice] succeeded: hooks.fine"&lt;&amp;&gt; 2024-01-01T05:00:00+00:00 (try 1 of 1): exit code 0 <'"$URL"'/dags/hooks/runs/2024-01-01T05%3A00%3A00%2B00%3A00/tasks/fine%22%3C%26%3E?try=1|task page>'
assert_eq 5 "$(q "SELECT count(*) FROM webhook_deliveries WHERE state = 'sent'")" "deliveries recorded as sent"
assert_eq 0 "$(q "SELECT count(*) FROM webhook_deliveries WHERE payload LIKE '%$SECRET_PATH%'")" "no URL in the database"
# a partition that landed after being late (freshness:), in slack's
# format: the reason is why it had been late, said as the email says it
# (Was:), not as if it held now; a digest's lines too. The sender is
# given the payload the scheduler builds (sched_webhook_payload), about
# partitions no other delivery here names (of_p below)
slack_recovered() {
	/usr/bin/python3 - "$HOOK_URL?kind=slack-recovered" "$1" <<'PY' | sl operator webhook >/dev/null || fail "the sender of a recovered payload"
import json, sys
p = {"event": "recovered", "dag": "fresh", "task": None, "partition": None,
     "run_id": None, "state": "success", "url": "http://sluice.test/x",
     "time": "2023-06-01T06:00:00Z", "try": None, "max_tries": None}
if sys.argv[2] == "one":
    p.update(partition="2023-06-01T05:00:00+00:00", reason="no run: the DAG is paused")
elif sys.argv[2] == "pipe":
    # a base_url whose path holds a | and a space
    p.update(partition="2023-06-01T07:00:00+00:00", reason="no run: the DAG is paused",
             url="http://sluice.test/team|ops a/x")
else:
    p.update(reason="2 partitions landed after being late, 2023-06-01T05:00:00+00:00 to 2023-06-01T06:00:00+00:00",
             count=2, partitions=[
                 {"partition": "2023-06-01T05:00:00+00:00", "due": "2023-06-01T06:00:01+00:00",
                  "reason": "no run: the DAG is paused", "url": "http://sluice.test/a"},
                 {"partition": "2023-06-01T06:00:00+00:00", "due": "2023-06-01T07:00:01+00:00",
                  "reason": "its run: load running", "url": "http://sluice.test/b"}])
print(json.dumps({"type": "webhook", "delivery_id": 0, "payload": p,
                  "webhook": {"name": "team_slack", "url": sys.argv[1], "format": "slack",
                              "tries": 1, "retry_delay_ms": 0, "timeout_ms": 2000}}))
PY
}
slack_recovered one
slack_recovered digest
slack_recovered pipe
SEL='"kind=slack-recovered" in r["path"]'
assert_eq 3 "$(requests "$SEL")" "slack posts of recovered"
assert_eq '[sluice] recovered: fresh run 2023-06-01T05:00:00+00:00: landed after being late (was: no run: the DAG is paused) <http://sluice.test/x|run page>' \
	"$(request 1 text)" "slack: one partition landed, and why it had been late"
assert_contains "$(request 2 text)" "2023-06-01T05:00:00+00:00: was: no run: the DAG is paused <http://sluice.test/a|open>" "slack: a digest's line of a landed partition"
assert_contains "$(request 2 text)" "2023-06-01T06:00:00+00:00: was: its run: load running <http://sluice.test/b|open>" "slack: a digest's line of a landed partition"
assert_contains "$(request 3 text)" "<http://sluice.test/team%7Cops%20a/x|run page>" "slack: a | or a space in a link's address does not end it"

# retries: two 500s, then it lands (3 attempts, one delivery)
echo 2 >"$RECV_DIR/fail"
before=$(requests)
sl trigger hooks --partition p2 >/dev/null
wait_run hooks p2 failed 30
delivered() { [ "$(requests "r[\"status\"] == 200 and b.get(\"partition\") == \"p2\" and b.get(\"event\") == \"$1\"")" -ge 1 ]; }
wait_for 30 "p2's failure delivered after the 500s" delivered failure
wait_for 30 "p2's retry delivered after the 500s" delivered retry
assert_eq 2 "$(requests 'r["status"] == 500')" "500 answers"
assert_eq 1 "$(requests 'r["status"] == 200 and b.get("partition") == "p2" and b.get("event") == "retry"')" "p2 retry delivered once"
assert_eq 1 "$(requests 'r["status"] == 200 and b.get("partition") == "p2" and b.get("event") == "failure"')" "p2 failure delivered once"
grep -q "attempt 1 of 4 failed: HTTP 500; trying again in 300ms" "$T/scheduler.log" ||
	fail "no retry line in the log: $(grep webhook "$T/scheduler.log" | tail -5)"
[ "$(q "SELECT count(*) FROM webhook_deliveries WHERE attempts >= 2 AND state = 'sent'")" -ge 1 ] || fail "no delivery recorded with its retries"

# a receiver down longer than a round of tries (4): the delivery stays
# pending and goes again after a longer wait (the back-off doubled on,
# 300 ms * 2^3), then lands, once; before, it was marked failed and lost
echo 6 >"$RECV_DIR/fail"
sl trigger one --partition d1 >/dev/null
wait_run one d1 failed 30
wait_for 30 "d1's failure delivered after 6 answers 500" at_least 1 'r["status"] == 200 and b.get("partition") == "d1"'
assert_eq 7 "$(requests 'b.get("partition") == "d1"')" "d1: 6 answers 500, then one 200"
assert_eq "sent 7" "$(q "SELECT state || ' ' || attempts FROM webhook_deliveries WHERE partition_key = 'd1'")" "d1's row"
grep -q "delivery [0-9]*: not sent yet: HTTP 500 (4 attempts so far); sending again in 2400ms" "$T/scheduler.log" ||
	fail "no next-round line in the log: $(grep webhook "$T/scheduler.log" | tail -5)"
grep -q "webhook ops_json delivery [0-9]* (failure): sending again (4 attempts failed so far)" "$T/scheduler.log" ||
	fail "no resend line in the log: $(grep webhook "$T/scheduler.log" | tail -5)"
# sluice webhooks: the deliveries as a person reads them
out=$(sl webhooks --limit 1)
assert_contains "$out" "ID     WEBHOOK          EVENT      STATE    ATTEMPTS CREATED                   ABOUT"
echo "$out" | grep -Eq "^[0-9]+ +ops_json +failure +sent +7 +[0-9-]{10}T[0-9:]{8}\+00:00 +one d1$" ||
	fail "sluice webhooks: $out"
assert_eq '"sent" 7' "$(sl --json webhooks --limit 1 | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(json.dumps(d["state"]), d["attempts"])')" "sluice --json webhooks"

# a restart: nothing delivered is sent again
# of_p P: a filter for the deliveries about partition P (json or slack)
of_p() { echo "(b.get(\"partition\") == \"$1\" or \" $1\" in b.get(\"text\", \"\"))"; }
ok_for() { [ "$(requests "r[\"status\"] == 200 and $(of_p "$1")")" -ge "$2" ]; }
# from here a sender backs off 2 s, 4 s, 8 s (was 300 ms, 600 ms, 1.2 s):
# the kills below must land while a sender still retries, and on a
# loaded machine the test can take longer than 2 s to see the first 500
sed -i 's/^    retry_delay: 300ms$/    retry_delay: 2s/' "$H/sluice.yaml"
stop_pid "$SCHED_PID"
start_standalone
sl trigger hooks --partition p3 >/dev/null
wait_run hooks p3 failed 30
# retry, failure, success (json), success and the run's failure (slack)
wait_for 20 "p3's five deliveries" ok_for p3 5
for p in 2024-01-01T05:00:00+00:00 p2 p3; do
	assert_eq 5 "$(requests "r[\"status\"] == 200 and $(of_p "$p")")" "$p: each delivery once"
done

# the scheduler and the sender both die while the receiver answers 500:
# the restarted scheduler sends the delivery again once its claim ran
# out, and exactly once
echo 1000 >"$RECV_DIR/fail"
sl trigger hooks --partition p4 >/dev/null
wait_for 20 "a 500 for p4" at_least 1 "r[\"status\"] == 500 and $(of_p p4)"
kill -KILL "$SCHED_PID"
for pid in $(ps --ppid "$SCHED_PID" -o pid= 2>/dev/null) $(ps -eo pid=,args= | awk '/operator webhook/ && !/awk/ {print $1}'); do
	# only this home's senders: their spec is on stdin, their parent gone
	case "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" in
	*"--home $H operator webhook"*) kill -KILL "$pid" 2>/dev/null || true ;;
	esac
done
wait_for 10 "the scheduler gone" pid_gone "$SCHED_PID"
pending=$(q "SELECT count(*) FROM webhook_deliveries WHERE partition_key = 'p4' AND state = 'pending'")
[ "$pending" -ge 1 ] || fail "no pending p4 delivery after the kill"
echo 0 >"$RECV_DIR/fail"
start_standalone
wait_run hooks p4 failed 30
wait_for 60 "p4's deliveries after the restart" ok_for p4 5
# (a sender marks its row after the receiver answered: read it each time)
rows_sent() { [ "$(q "SELECT count(*) FROM webhook_deliveries WHERE partition_key = '$1' AND state != 'sent'")" = 0 ]; }
wait_for 20 "p4's rows sent" rows_sent p4
grep -q "sending again (its sender is gone)" "$T/scheduler.log" || fail "no resend line in the log"
assert_eq 5 "$(requests "r[\"status\"] == 200 and $(of_p p4)")" "p4: each delivery once"

# the scheduler dies while its senders back off; they live on, deliver
# and mark their rows: the next scheduler sends none of them again
echo 2 >"$RECV_DIR/fail"
sl trigger hooks --partition p5 >/dev/null
wait_for 20 "a 500 for p5" at_least 1 "r[\"status\"] == 500 and $(of_p p5)"
kill -KILL "$SCHED_PID"
wait_for 10 "the scheduler gone" pid_gone "$SCHED_PID"
start_standalone
wait_run hooks p5 failed 30
wait_for 60 "p5's deliveries" ok_for p5 5
wait_for 30 "p5's rows sent" rows_sent p5
# a later event is the barrier: nothing of p5 comes again
sl trigger hooks --partition p6 >/dev/null
wait_for 30 "p6's deliveries" ok_for p6 5
assert_eq 5 "$(requests "r[\"status\"] == 200 and $(of_p p5)")" "p5: each delivery once"

# the URL and the secret header's value: never in the scheduler's log or
# the API; the log shows the host alone
assert_contains "$(cat "$T/scheduler.log")" "http://127.0.0.1:$RECV_PORT/********"
assert_not_contains "$(cat "$T/scheduler.log")" "$SECRET_PATH" "scheduler log"
assert_not_contains "$(cat "$T/scheduler.log")" "$WEBHOOK_TOKEN" "scheduler log"
for out in "$(sl webhooks --limit 1000)" "$(sl --json webhooks --limit 1000)"; do
	assert_contains "$out" "ops_json" "sluice webhooks"
	assert_not_contains "$out" "$SECRET_PATH" "sluice webhooks"
	assert_not_contains "$out" "$RECV_PORT" "sluice webhooks"
	assert_not_contains "$out" "$WEBHOOK_TOKEN" "sluice webhooks"
done
for path in /dags/hooks /dags/hooks/runs "/dags/hooks/runs/p2/tasks" "/dags/hooks/runs/p2/tasks/breaks"; do
	curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/api/v1$path" >"$T/api.out"
	assert_not_contains "$(cat "$T/api.out")" "$SECRET_PATH" "API $path"
	assert_not_contains "$(cat "$T/api.out")" "$WEBHOOK_TOKEN" "API $path"
done
echo "webhook: ok"
