#!/bin/bash
# The scheduler's email notifications through a real SMTP server (Debian's
# aiosmtpd): retry, failure, success and SLA miss arrive once each with the
# DAG, task, partition, try n of m, the log tail and a link to the UI; a
# dead SMTP server never stops the scheduler, and an email it never took
# is kept in HOME/outbox/ (not lost), the log saying where.
. "$SLUICE_SRCDIR/tests/setup.sh"
start_smtp
new_home
cat >"$H/sluice.yaml" <<YAML
web: {base_url: "http://sluice.example:8080"}
smtp: {url: "$SMTP_URL", from: sluice@example.com, tries: 2, retry_delay: 1s}
YAML
cat >"$H/dags/alerts.yaml" <<YAML
dag: alerts
defaults: {email: [oncall@example.com]}
tasks:
  breaks:
    retries: 1
    retry_delay: 0s
    email_on: [retry, failure]
    command: 'for i in \$(seq 60); do echo "line \$i"; done; exit 4'
  fine:
    email_on: [success]
    command: 'echo all good'
  late:
    sla: 1s
    email_on: [sla_miss]
    command: 'while [ ! -f $T/release ]; do sleep 0.1; done'
YAML
start_scheduler
sl trigger alerts --partition p1 >/dev/null
wait_ti alerts p1 breaks failed 30
wait_ti alerts p1 fine success 30
# late's partition ended when it was triggered (an unscheduled run's
# interval is the trigger instant): its 1 s SLA passes while it waits
four_mails() { [ "$(smtp_count)" -ge 4 ]; }
wait_for 20 "the SLA miss email" four_mails
touch "$T/release"
wait_run alerts p1 failed 30
assert_eq 4 "$(smtp_count)" "emails: retry, failure, success, sla_miss (once each)"
# each has its delivery row, ended sent by its sender
all_sent() { [ "$(q "SELECT count(*) FROM webhook_deliveries WHERE kind = 'email' AND state = 'sent'")" = 4 ]; }
wait_for 10 "the 4 email deliveries recorded as sent" all_sent
assert_eq 4 "$(q "SELECT count(*) FROM webhook_deliveries WHERE kind = 'email'")" "email deliveries"

n=$(smtp_count)
subjects=""
for i in $(seq 0 $((n - 1))); do
	subjects="$subjects|$(smtp_mail header:Subject $i)"
done
assert_contains "$subjects" "breaks"
for i in $(seq 0 $((n - 1))); do
	body=$(smtp_mail text $i)
	to=$(smtp_mail header:To $i)
	assert_contains "$to" "oncall@example.com"
	assert_contains "$body" "alerts"
	assert_contains "$body" "p1"
	case "$body" in
	*"line 60"*)
		# the failing task: exit code, try n of m, the last 50 lines only
		# 60 lines of output then the scheduler's own line about the
		# try: the last 50 lines start at "line 12"
		assert_contains "$body" "breaks"
		echo "$body" | grep -qx " *line 12" || fail "log tail lacks line 12: $body"
		! echo "$body" | grep -qx " *line 11" || fail "log tail has more than 50 lines: $body"
		assert_contains "$body" "4"
		assert_contains "$body" "http://sluice.example:8080/dags/alerts/runs/p1/tasks/breaks"
		;;
	esac
done
all=$(for i in $(seq 0 $((n - 1))); do smtp_mail header:Subject $i; smtp_mail text $i; done)
assert_contains "$all" "try 1 of 2"
assert_contains "$all" "try 2 of 2"
assert_contains "$all" "fine"
assert_contains "$all" "late"
assert_eq 1 "$(q "SELECT sla_notified FROM task_instances WHERE task_id = 'late'")" "SLA recorded as notified"

# the SMTP server goes away: the scheduler logs it and keeps running
stop_pid "$SMTP_PID"
sl trigger alerts --partition p2 >/dev/null
wait_ti alerts p2 fine success 30
wait_ti alerts p2 breaks failed 30
kill -0 "$SCHED_PID" || fail "the scheduler died when the SMTP server was down"
# the log says which email was lost, not only the sender's anonymous line
wait_for 30 "the lost email named in the log" \
	grep -q "failure email for alerts breaks p2: not sent (its sender exited with status" "$T/scheduler.log"
# ...and the email is not lost with the outage: kept whole in the outbox
# (0600, with its recipients), the log says where
grep -q "email: not sent (sending mail through smtp://127.0.0.1:$SMTP_PORT failed after 2 attempts: .*): message kept in $H/outbox/.*-alerts-breaks-.*\.eml" \
	"$T/scheduler.log" || fail "the log does not say where the unsent email is: $(grep 'email:' "$T/scheduler.log" | tail -3)"
kept=$(grep -l '^Subject: .*breaks.*p2' "$H"/outbox/*-alerts-breaks-*.eml | head -1)
[ -n "$kept" ] || fail "no unsent failure email of breaks p2 in $H/outbox: $(ls "$H/outbox" 2>&1)"
assert_eq 600 "$(stat -c %a "$kept")" "the kept email's mode"
# its delivery ended failed, with why: nothing sends it twice
assert_contains "$(q "SELECT last_error FROM webhook_deliveries WHERE kind = 'email' AND state = 'failed' AND task_id = 'breaks' AND partition_key = 'p2' AND event = 'failure'")" "failed after 2 attempts"
grep -q '^To: oncall@example.com' "$kept" || fail "the kept email has no To: $(head -20 "$kept")"
sl trigger alerts --partition p3 >/dev/null
wait_ti alerts p3 fine success 30
touch "$T/release"
echo "notify_sched: ok"
