#!/bin/bash
# The email task type as sluice runs it: `sluice operator email` with the
# spec on stdin, and a DAG whose email task (templated subject and body,
# attach_logs_of an upstream task) runs through the scheduler with the
# config's smtp block, against a real server.
. "$SLUICE_SRCDIR/tests/setup.sh"
EMAIL_RUN=("$SLUICE" operator email)
. "$SLUICE_SRCDIR/tests/email_lib.sh"

start_smtp
new_home

# the operator verb, straight
email_expect_ok '{"type": "email", "dag": "d", "task": "t", "partition": "p", "home": "'"$H"'",
  "smtp": {"url": "'"$SMTP_URL"'", "from": "sluice@example.com"},
  "options": {"to": ["cli@example.com"], "subject": "through the CLI", "body": "b"}}'
assert_contains "$OUT" "sent, Message-ID"
wait_for 10 "the CLI message" smtp_count_is 1
assert_eq "through the CLI" "$(smtp_mail header:Subject)" Subject
email_expect_fail '{"home": "'"$H"'", "options": {"to": ["x@example.com"], "subject": "a\nb"}}'
assert_contains "$OUT" "line break"
rm -f "$SMTP_MAILDIR"/new/*

# a DAG run through the scheduler
cat >"$H/sluice.yaml" <<YAML
smtp: {url: "$SMTP_URL", from: "Sluice <sluice@example.com>"}
YAML
cat >"$H/dags/report.yaml" <<'YAML'
dag: report
tasks:
  extract:
    command: 'for i in 1 2 3; do echo "extracted batch $i of {{ partition }}"; done'
  notify:
    type: email
    after: [extract]
    to: [data-eng@example.com]
    subject: "{{ dag }} {{ partition }} finished"
    body: "Run {{ run_id }} of {{ dag }} is done."
    attach_logs_of: [extract]
YAML
start_scheduler
sl trigger report --partition 2024-03-01 --wait >"$T/trigger.out" 2>&1 ||
	fail "run failed: $(cat "$T/trigger.out"; sl logs report notify 2024-03-01 2>&1)"
assert_eq success "$(task_state report 2024-03-01 notify)" "email task state"
wait_for 10 "the DAG's email" smtp_count_is 1
assert_eq "report 2024-03-01 finished" "$(smtp_mail header:Subject)" Subject
assert_eq "Sluice <sluice@example.com>" "$(smtp_mail header:From)" From
assert_contains "$(smtp_mail text)" "of report is done."
assert_contains "$(smtp_mail attachments)" "extract-try-1.log	text/plain"
assert_contains "$(smtp_mail attachment:extract-try-1.log)" "extracted batch 3 of 2024-03-01"
assert_contains "$(sl logs report notify 2024-03-01)" "sent, Message-ID"
echo "email_cli: ok"
