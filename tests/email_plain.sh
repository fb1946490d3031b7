#!/bin/bash
# The email task type over plain SMTP to a real server (aiosmtpd): every
# recipient kind, text + HTML alternative, and the headers that must be
# there (Date, Message-ID, MIME-Version), parsed with Python's email module.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/email_lib.sh"

start_smtp
new_home

email_expect_ok '{
  "type": "email", "dag": "daily", "task": "notify", "partition": "2024-01-02",
  "home": "'"$H"'",
  "smtp": {"url": "'"$SMTP_URL"'", "from": "Sluice Bot <sluice@example.com>"},
  "options": {
    "to": ["data-eng@example.com", "Ops Team <ops@example.com>"],
    "cc": ["lead@example.com"],
    "bcc": ["audit@example.com"],
    "subject": "daily 2024-01-02 finished",
    "body": "All tasks of daily finished.\nSecond line.\n",
    "html": "<p>All tasks of <b>daily</b> finished.</p>"
  }
}'
assert_contains "$OUT" "sending to 4 recipients through $SMTP_URL"
assert_contains "$OUT" "sent, Message-ID <"

wait_for 10 "the message in the Maildir" smtp_count_is 1
assert_eq "daily 2024-01-02 finished" "$(smtp_mail header:Subject)" Subject
assert_eq "Sluice Bot <sluice@example.com>" "$(smtp_mail header:From)" From
assert_eq "data-eng@example.com, Ops Team <ops@example.com>" "$(smtp_mail header:To)" To
assert_eq "lead@example.com" "$(smtp_mail header:Cc)" Cc
assert_eq "" "$(smtp_mail header:Bcc)" "Bcc header (must not be sent)"
# (the server adds the envelope as X-RcptTo when it stores the message)
assert_not_contains "$(smtp_mail raw | grep -v '^X-RcptTo:')" "audit@example.com" \
	"the message as sent"
# ...but the server was asked to deliver to the Bcc address (envelope)
rcpt=$(smtp_mail header:X-RcptTo)
for a in data-eng@example.com ops@example.com lead@example.com audit@example.com; do
	assert_contains "$rcpt" "$a" "envelope recipients"
done
assert_eq "sluice@example.com" "$(smtp_mail header:X-MailFrom)" "envelope sender"
assert_eq "1.0" "$(smtp_mail header:MIME-Version)" MIME-Version
msgid=$(smtp_mail header:Message-ID)
case "$msgid" in "<"*"@example.com>") ;; *) fail "Message-ID: $msgid" ;; esac
assert_contains "$OUT" "$msgid" "operator output names the Message-ID"
# Date parses and is within a minute of now
/usr/bin/python3 - "$(smtp_mail header:Date)" <<'PY' || fail "Date header"
import email.utils, sys, time
d = email.utils.parsedate_to_datetime(sys.argv[1])
assert abs(d.timestamp() - time.time()) < 60, sys.argv[1]
PY
assert_eq "multipart/alternative
  text/plain
  text/html" "$(smtp_mail structure)" structure
assert_eq "All tasks of daily finished.
Second line." "$(smtp_mail text)" "text body"
assert_eq "<p>All tasks of <b>daily</b> finished.</p>" "$(smtp_mail html)" "html body"

# a message that is only text is a single text/plain part; with no subject
# key the subject names the DAG, task and partition
rm -f "$SMTP_MAILDIR"/new/*
email_expect_ok '{
  "dag": "daily", "task": "notify", "partition": "2024-01-02", "home": "'"$H"'",
  "smtp": {"url": "'"$SMTP_URL"'", "from": "sluice@example.com"},
  "options": {"to": "solo@example.com", "body": "just text"}
}'
assert_contains "$OUT" "sending to 1 recipient through"
wait_for 10 "the second message" smtp_count_is 1
assert_eq "text/plain" "$(smtp_mail structure)" structure
assert_eq "[sluice] daily.notify 2024-01-02" "$(smtp_mail header:Subject)" "default subject"
assert_eq "just text" "$(smtp_mail text)" text

# a recipient the server refuses is a permanent failure, reported with the
# server's reply; a bad address never reaches the server at all
email_expect_fail '{
  "home": "'"$H"'", "smtp": {"url": "'"$SMTP_URL"'", "from": "sluice@example.com"},
  "options": {"to": ["not an address"]}
}'
assert_contains "$OUT" "invalid email address 'not an address'"
echo "email_plain: ok"
