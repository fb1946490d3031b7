#!/bin/bash
# TLS to a real server: STARTTLS on smtp:// (required by the server) with
# a self-signed certificate made by the test, verified through ca_file or
# skipped with insecure; and smtps://. A certificate that does not verify,
# or a plain-text attempt at a server that requires STARTTLS, fails at
# once with the reason, without retries.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/email_lib.sh"

new_home
start_smtp_starttls

spec() { # SMTP-BLOCK-EXTRA SUBJECT
	printf '{"dag": "d", "task": "t", "partition": "p", "home": "%s",
	  "smtp": {"url": "%s", "from": "sluice@example.com"%s},
	  "options": {"to": ["tls@example.com"], "subject": "%s", "body": "over TLS"}}' \
		"$H" "$SMTP_URL" "$1" "$2"
}

# verified against the test's own certificate
email_expect_ok "$(spec ', "starttls": true, "ca_file": "'"$SMTP_CERT"'"' "verified")"
assert_contains "$OUT" "with STARTTLS"
wait_for 10 "the verified message" smtp_count_is 1
assert_eq "verified" "$(smtp_mail header:Subject)" Subject
assert_eq "over TLS" "$(smtp_mail text)" text

# insecure: no verification (self-signed certificate, no ca_file)
email_expect_ok "$(spec ', "starttls": true, "insecure": true, "tries": 1' "insecure")"
wait_for 10 "the insecure message" smtp_count_is 2

# the system's CAs do not know the test certificate: refused, not retried
email_expect_fail "$(spec ', "starttls": true, "tries": 3, "retry_delay": "100ms"' "unverified")"
assert_contains "$OUT" "certificate"
assert_not_contains "$OUT" "trying again" "a certificate failure is not retried"

# without STARTTLS the server refuses the transaction: its reply is quoted
email_expect_fail "$(spec ', "starttls": false, "tries": 3, "retry_delay": "100ms"' "plain")"
assert_contains "$OUT" "server said: 530"
assert_contains "$OUT" "STARTTLS"
assert_not_contains "$OUT" "trying again" "a 5xx reply is not retried"
assert_eq 2 "$(smtp_count)" "messages delivered"

# smtps:// (TLS from the first byte)
start_smtps
email_expect_ok "$(spec ', "ca_file": "'"$SMTP_CERT"'"' "implicit tls")"
assert_not_contains "$OUT" "with STARTTLS" "smtps needs no STARTTLS"
wait_for 10 "the smtps message" smtp_count_is 1
assert_eq "implicit tls" "$(smtp_mail header:Subject)" Subject
echo "email_starttls: ok"
