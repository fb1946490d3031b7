#!/bin/bash
# With no SMTP server configured, the message goes to HOME/outbox/ as an
# .eml file, written whole (temporary name + rename), private (0600), with
# Bcc kept as a record; the output says where it went.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/email_lib.sh"

new_home
email_expect_ok '{"type": "email", "dag": "demo", "task": "notify", "partition": "2024-01-02",
  "home": "'"$H"'",
  "options": {"to": ["de@example.com"], "bcc": ["audit@example.com"],
              "subject": "kept in the outbox ✓", "body": "hello outbox"}}'
files=("$H"/outbox/*)
assert_eq 1 "${#files[@]}" "files in the outbox"
eml=${files[0]}
case "$eml" in "$H"/outbox/*-demo-notify-*.eml) ;; *) fail "outbox file name: $eml" ;; esac
assert_contains "$OUT" "no SMTP server configured: message written to $eml"
assert_eq 600 "$(stat -c %a "$eml")" "mode of the .eml"
/usr/bin/python3 - "$eml" <<'PY' || fail "the outbox message does not parse as expected"
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
assert str(m["Subject"]) == "kept in the outbox ✓", m["Subject"]
assert str(m["To"]) == "de@example.com"
assert str(m["Bcc"]) == "audit@example.com"
assert m["Message-ID"] and m["Date"]
# the file keeps the wire format: CRLF line ends
assert m.get_body(("plain",)).get_content() == "hello outbox\r\n"
PY

# an smtp block without a url is no server either; a second message is a
# second file, and no temporary file is left behind
email_expect_ok '{"dag": "demo", "task": "notify", "home": "'"$H"'", "smtp": {"from": "x@example.com"},
  "options": {"to": "de@example.com", "body": "second"}}'
assert_eq 2 "$(ls "$H/outbox" | wc -l)" "files in the outbox"
assert_eq 0 "$(ls "$H/outbox" | grep -vc '\.eml$' || true)" "temporary files left"

# an outbox that cannot be created fails the try with the reason
touch "$T/not-a-dir"
email_expect_fail '{"home": "'"$T/not-a-dir"'", "options": {"to": "de@example.com"}}'
assert_contains "$OUT" "cannot create"
echo "email_outbox: ok"
