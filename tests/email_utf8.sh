#!/bin/bash
# UTF-8 in subjects, display names and bodies arrives intact through a
# real server: headers as RFC 2047 encoded-words (ASCII on the wire),
# bodies as quoted-printable UTF-8.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/email_lib.sh"

start_smtp
new_home
subject='Échec de «load» — 日本語のテキスト ✓ and a long tail so it takes several encoded words'
body='Grüße aus Zürich: naïve café, 東京, emoji 🚀.
.a line starting with a dot
From a line starting with From'
email_expect_ok '{"home": "'"$H"'",
  "smtp": {"url": "'"$SMTP_URL"'", "from": "Sluice Überwachung <sluice@example.com>"},
  "options": {"to": ["Zoë Çelik <zoe@example.com>"], "cc": "José <jose@example.com>",
              "subject": '"$(json_str "$subject")"', "body": '"$(json_str "$body")"'}}'
wait_for 10 "the message" smtp_count_is 1
assert_eq "$subject" "$(smtp_mail header:Subject)" Subject
assert_eq "Sluice Überwachung <sluice@example.com>" "$(smtp_mail header:From)" From
assert_eq "Zoë Çelik <zoe@example.com>" "$(smtp_mail header:To)" To
assert_eq "José <jose@example.com>" "$(smtp_mail header:Cc)" Cc
assert_eq "$body" "$(smtp_mail text)" body
raw=$(smtp_mail raw-header:Subject)
assert_contains "$raw" "=?UTF-8?B?" "Subject on the wire"
# the message itself is 7-bit ASCII
if LC_ALL=C grep -q '[^[:print:][:space:]]' "$SMTP_MAILDIR"/new/*; then
	fail "8-bit bytes in the message as sent"
fi
echo "email_utf8: ok"
