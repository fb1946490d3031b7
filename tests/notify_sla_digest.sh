#!/bin/bash
# SLA misses through a real SMTP server (Debian's aiosmtpd): a catch-up of
# three old daily partitions misses the SLAs of two tasks in each at once;
# they arrive as one digest email (not six), naming every task instance
# with the link to its page, and why one not started waits.
. "$SLUICE_SRCDIR/tests/setup.sh"
start_smtp
new_home
cat >"$H/sluice.yaml" <<YAML
web: {base_url: "http://sluice.example:8080"}
smtp: {url: "$SMTP_URL", from: sluice@example.com, tries: 2, retry_delay: 1s}
YAML
# the three days before today, counted from one instant; the DAG ends
# today (a day that ends during the test would be a fourth partition)
today=$(date -u +%Y-%m-%d)
start=$(date -u -d "$today 3 days ago" +%Y-%m-%d)
cat >"$H/dags/late.yaml" <<YAML
dag: late
schedule: "@daily"
start: $start
end: $today
defaults: {sla: 1s, email_on: [sla_miss], email: [oncall@example.com]}
tasks:
  load: {command: 'while [ ! -f $T/release ]; do sleep 0.1; done'}
  report: {after: [load], command: 'true'}
YAML
start_scheduler
one_mail() { [ "$(smtp_count)" -ge 1 ]; }
wait_for 30 "the SLA digest email" one_mail
subject=$(smtp_mail header:Subject 0)
body=$(smtp_mail text 0)
assert_eq "[sluice] SLA missed: late, 6 task instances (load, report)" "$subject" "digest subject"
assert_contains "$(smtp_mail header:To 0)" "oncall@example.com"
for d in 3 2 1; do
	day=$(date -u -d "$today $d days ago" +%Y-%m-%d)
	next=$(date -u -d "$today $((d - 1)) days ago" +%Y-%m-%d)	# the partition's end
	for task in load report; do
		assert_contains "$body" "$task ${day}T00:00:00+00:00: deadline ${next}T00:00:01+00:00"
		assert_contains "$body" "http://sluice.example:8080/dags/late/runs/${day}T00%3A00%3A00%2B00%3A00/tasks/$task"
	done
	# one not started says why, as sluice tasks does
	assert_contains "$body" "report ${day}T00:00:00+00:00: deadline ${next}T00:00:01+00:00, not started: waits for upstream load (running)"
done
assert_eq 6 "$(q "SELECT count(*) FROM task_instances WHERE sla_notified = 1")" "every miss recorded"
touch "$T/release"
three_done() { [ "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='late' AND state='success'")" -ge 3 ]; }
wait_for 30 "the runs to finish" three_done
assert_eq 1 "$(smtp_count)" "one email for six misses"
echo "notify_sla_digest: ok"
