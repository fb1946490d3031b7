#!/bin/bash
# notify_compose(): the message about a task names DAG, task, partition,
# run, try n of m, exit code or signal, duration, host, the last 50 lines
# of the log (read from a bounded window at the end, even of a huge log),
# and the escaped link into the UI. notify_spec() then goes through the
# email operator to a real server like any email task.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/email_lib.sh"

new_home
log=$T/try-2.log
for i in $(seq 1 120); do echo "log line $i"; done >"$log"
printf 'bad utf-8 \xff\xfe and <html> & "quotes"\n' >>"$log"

compose() { "$EMAIL_TOOL" notify <<<"$1" >"$T/composed.json" || fail "notify_compose"; }
field() { /usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(v[sys.argv[2]] if sys.argv[2] in v else v["options"][sys.argv[2]])' "$T/composed.json" "$1"; }

event='{"kind": "failure", "dag": "firehose", "task": "copy_partition",
  "partition": "2024-01-01T05:00:00+00:00", "run_id": "scheduled__2024-01-01T05",
  "try_number": 2, "max_tries": 3, "exit_code": 3, "signal": 0,
  "duration_ms": 75000, "host": "worker-7", "log_path": "'"$log"'",
  "base_url": "http://127.0.0.1:8080/", "to": ["de@example.com", "Ops <ops@example.com>"]}'
compose "$event"
subject=$(field subject)
body=$(field body)
html=$(field html)
assert_eq "[sluice] FAILED: firehose.copy_partition 2024-01-01T05:00:00+00:00 (try 2 of 3)" "$subject" subject
assert_eq '["de@example.com", "Ops <ops@example.com>"]' \
	"$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["to"]))' "$T/composed.json")" to
for want in "DAG:        firehose" "Task:       copy_partition" \
	"Partition:  2024-01-01T05:00:00+00:00" "Run:        scheduled__2024-01-01T05" \
	"Try:        2 of 3" "Result:     exit code 3" "Duration:   1m15s" \
	"Host:       worker-7" "Log:        $log" \
	"Open in sluice: http://127.0.0.1:8080/dags/firehose/runs/2024-01-01T05%3A00%3A00%2B00%3A00/tasks/copy_partition?try=2"; do
	assert_contains "$body" "$want" body
done
# exactly the last 50 lines: 72..120 and the last one, cleaned to UTF-8
tail_text=$(printf '%s\n' "$body" | sed -n '/^Last 50 lines of the log:$/,$p' | tail -n +2)
assert_eq 50 "$(printf '%s\n' "$tail_text" | wc -l)" "log lines quoted"
assert_eq "log line 72" "$(printf '%s\n' "$tail_text" | head -1)" "first quoted line"
assert_eq 'bad utf-8 ?? and <html> & "quotes"' "$(printf '%s\n' "$tail_text" | tail -1)" "last quoted line"
assert_not_contains "$body" "log line 71
" body
# the HTML escapes what it quotes and links to the task, at the try the
# message is about (a later try's log is not this one's)
assert_contains "$html" '<a href="http://127.0.0.1:8080/dags/firehose/runs/2024-01-01T05%3A00%3A00%2B00%3A00/tasks/copy_partition?try=2">'
assert_contains "$html" 'bad utf-8 ?? and &lt;html&gt; &amp; &quot;quotes&quot;'
assert_not_contains "$html" "<html> &" html
# a base_url with a path (a reverse proxy at /sluice/): the links keep it
compose "${event/\"http:\/\/127.0.0.1:8080\/\"/\"https://h.example/sluice/\"}"
assert_contains "$(field body)" "Open in sluice: https://h.example/sluice/dags/firehose/runs/2024-01-01T05%3A00%3A00%2B00%3A00/tasks/copy_partition?try=2" "a base_url with a path"
# only an http(s) address is a live link: any other scheme in the
# base_url (a spec that did not come through sluice.yaml's check) is
# shown as text, never followed from the mail
for bad in 'javascript:alert(1)//' 'data:text/html,<b>x</b>' ' javascript:alert(1)//'; do
	compose "${event/\"http:\/\/127.0.0.1:8080\/\"/$(json_str "$bad")}"
	assert_not_contains "$(field html)" "href" "a $bad base_url in the html"
	assert_contains "$(field html)" "Open in sluice (" "the $bad link as text"
done

# killed by a signal; the executor's error wins when there is one
compose "${event/\"signal\": 0/\"signal\": 9}"
assert_contains "$(field body)" "Result:     killed by signal 9 (Killed)"
compose "${event/\"kind\": \"failure\"/\"kind\": \"retry\", \"error\": \"ssh: connection lost\"}"
assert_eq "[sluice] retrying: firehose.copy_partition 2024-01-01T05:00:00+00:00 (try 2 of 3)" "$(field subject)" subject
assert_contains "$(field body)" "Result:     error: ssh: connection lost"
# the recorded error of a try that exited: as it is, not after "error: "
compose "${event/\"signal\": 0/\"signal\": 0, \"error\": \"exit code 3: no such bucket\"}"
assert_contains "$(field body)" "Result:     exit code 3: no such bucket"
compose "${event/\"kind\": \"failure\"/\"kind\": \"success\"}"
assert_eq "[sluice] succeeded: firehose.copy_partition 2024-01-01T05:00:00+00:00" "$(field subject)" subject
assert_not_contains "$(field body)" "Result:" "success body"
compose '{"kind": "sla_miss", "dag": "retail", "task": "extracts", "partition": "2024-01-01",
  "sla_deadline": "2024-01-02T06:00:00-07:00", "base_url": "http://ui", "to": ["de@example.com"]}'
assert_eq "[sluice] SLA missed: retail.extracts 2024-01-01 (deadline 2024-01-02T06:00:00-07:00)" "$(field subject)" subject
assert_contains "$(field body)" "has not succeeded for partition 2024-01-01 by its SLA deadline 2024-01-02T06:00:00-07:00"
assert_not_contains "$(field body)" "Last 50 lines" "sla body without a log"

# a run's failure names its failed tasks and their results, each with
# the link to its page, and links the run's page (no "Task: ?")
compose '{"kind": "failure", "dag": "stock bands", "partition": "2026-11-30",
  "run_id": "scheduled__2026-11-30", "base_url": "http://ui:8080/", "to": ["de@example.com"],
  "task_instances": [
    {"task": "fetch", "state": "success", "try_number": 1, "max_tries": 1, "exit_code": 0},
    {"task": "compute_bands", "state": "failed", "try_number": 2, "max_tries": 2, "exit_code": 1, "error": "exit code 1: relation \"bands\" does not exist"},
    {"task": "lost", "state": "failed", "try_number": 1, "max_tries": 1, "exit_code": 1, "error": "disk full: 12 bytes lost"},
    {"task": "killed", "state": "failed", "try_number": 1, "max_tries": 1, "signal": 9, "exit_code": null},
    {"task": "publish", "state": "upstream_failed", "try_number": 0, "max_tries": 1}]}'
assert_eq "[sluice] FAILED: stock bands run 2026-11-30 (compute_bands, lost, killed failed)" "$(field subject)" "run subject"
body=$(field body)
assert_not_contains "$body" "Task:" "run body"
assert_not_contains "$body" "Result:" "run body"
assert_contains "$body" "failed: 3 of its 5 tasks failed."
assert_contains "$body" "  compute_bands: exit code 1: relation \"bands\" does not exist (try 2 of 2)
    http://ui:8080/dags/stock%20bands/runs/2026-11-30/tasks/compute_bands?try=2"
assert_contains "$body" "  killed: killed by signal 9 (Killed) (try 1 of 1)"
assert_contains "$body" "  lost: exit code 1 (error: disk full: 12 bytes lost) (try 1 of 1)"
assert_contains "$body" "  publish: not run: an upstream task failed"
assert_not_contains "$body" "fetch" "run body"
assert_contains "$body" "Open in sluice: http://ui:8080/dags/stock%20bands/runs/2026-11-30"
assert_contains "$(field html)" '<a href="http://ui:8080/dags/stock%20bands/runs/2026-11-30/tasks/compute_bands?try=2">compute_bands</a>'

# a huge log (sparse, 2 GiB) is read from its end only: quick, and the
# partial first line of the window is left out
big=$T/big.log
truncate -s 2G "$big"
for i in $(seq 1 60); do echo "tail line $i"; done >>"$big"
start=$(date +%s%N)
compose "${event/$log/$big}"
[ $((($(date +%s%N) - start) / 1000000)) -lt 3000 ] || fail "reading the tail of a huge log took too long"
tail_text=$(field body | sed -n '/^Last 50 lines of the log:$/,$p' | tail -n +2)
assert_eq "tail line 11" "$(printf '%s\n' "$tail_text" | head -1)" "first line of the huge log's tail"
assert_eq "tail line 60" "$(printf '%s\n' "$tail_text" | tail -1)" "last line of the huge log's tail"
rm -f "$big"

# a log that does not exist is named, not fatal
compose "${event/$log/$T/nope.log}"
assert_contains "$(field body)" "(no log: cannot read $T/nope.log"

# the whole spec, through the email operator, to a real server
start_smtp
smtp='{"url": "'"$SMTP_URL"'", "from": "sluice@example.com", "password": "do-not-show"}'
"$EMAIL_TOOL" notify <<<"${event%\}}, \"smtp\": $smtp, \"home\": \"$H\"}" >"$T/spec.json" ||
	fail "notify_spec"
assert_eq "email firehose copy_partition" \
	"$(/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["type"], s["dag"], s["task"])' "$T/spec.json")" spec
email_expect_ok "$(cat "$T/spec.json")"
assert_not_contains "$OUT" "do-not-show" "operator output"
wait_for 10 "the notification" smtp_count_is 1
assert_eq "$subject" "$(smtp_mail header:Subject)" Subject
assert_eq "de@example.com, Ops <ops@example.com>" "$(smtp_mail header:To)" To
assert_contains "$(smtp_mail text)" "log line 120"
assert_contains "$(smtp_mail text)" "Try:        2 of 3"
assert_contains "$(smtp_mail html)" "<pre>"
echo "email_notify: ok"
