#!/bin/bash
# Header injection: a CR or LF in any value bound for a header (subject,
# to, cc, bcc, from, attachment names) is refused with a clear error and
# nothing reaches the server. The load-time check refuses line breaks in
# the task's keys already.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/email_lib.sh"

start_smtp
new_home
touch "$H/evil
name.txt"

send() { # FROM OPTIONS-JSON
	email_expect_fail '{"home": "'"$H"'", "dag": "d", "partition": "p",
	  "smtp": {"url": "'"$SMTP_URL"'", "from": '"$1"'}, "options": '"$2"'}'
	assert_contains "$OUT" "line break"
	assert_not_contains "$OUT" "sent, Message-ID"
}
send '"sluice@example.com"' '{"to": ["de@example.com"], "subject": "hi\r\nBcc: victim@example.com"}'
assert_contains "$OUT" "Subject contains a line break (CR or LF): refused"
send '"sluice@example.com"' '{"to": ["de@example.com"], "subject": "hi\nX-Injected: 1"}'
send '"sluice@example.com"' '{"to": ["de@example.com\r\nBcc: victim@example.com"]}'
assert_contains "$OUT" "To contains a line break"
send '"sluice@example.com"' '{"to": ["de@example.com"], "cc": ["x@example.com\nBcc: v@example.com"]}'
send '"sluice@example.com"' '{"to": ["de@example.com"], "bcc": "\rv@example.com"}'
send '"sluice@example.com\r\nX-Injected: 1"' '{"to": ["de@example.com"]}'
assert_contains "$OUT" "smtp.from"
send '"sluice@example.com"' '{"to": ["de@example.com"], "attach": ["evil\nname.txt"]}'
assert_contains "$OUT" "attachment name contains a line break"
# the body may hold anything, including lines that look like headers
email_expect_ok '{"home": "'"$H"'", "smtp": {"url": "'"$SMTP_URL"'", "from": "sluice@example.com"},
  "options": {"to": ["de@example.com"], "subject": "ok", "body": "Bcc: nobody@example.com\r\n\r\nX: y\n"}}'
wait_for 10 "the one good message" smtp_count_is 1
assert_eq "ok" "$(smtp_mail header:Subject)" Subject
assert_eq "" "$(smtp_mail header:Bcc)" "Bcc header"
assert_eq "" "$(smtp_mail header:X-Injected)" "injected header"
assert_not_contains "$(smtp_mail header:X-RcptTo)" "victim" "envelope"

# load time: the DAG loader's validate() refuses line breaks in the keys
check() { "$EMAIL_TOOL" validate <<<"$1" || true; }
assert_eq "[subject] subject must be one line: a line break in a mail header is refused" \
	"$(check '{"to": ["a@example.com"], "subject": "a\nb"}')" validate
assert_contains "$(check '{"to": ["a@example.com\nBcc: b@example.com"]}')" "[to] to must be one line"
assert_eq "[to] to: at least one recipient is needed" "$(check '{"to": []}')" validate
assert_contains "$(check '{"to": ["a@example.com"], "attach_logs_of": ["../x"]}')" "[attach_logs_of] attach_logs_of: '../x' is not a task name"
assert_eq "ok" "$(check '{"to": ["{{ params.owner }}"], "subject": "{{ dag }} done"}')" validate
echo "email_injection: ok"
