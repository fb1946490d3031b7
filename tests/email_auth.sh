#!/bin/bash
# AUTH against a real server that requires it (aiosmtpd through
# tests/servers/smtp_auth_server.py): the right password delivers, a wrong
# one fails at once with the server's 535 and never shows the password,
# and no credentials are refused by the server. Credentials over smtp://
# without STARTTLS are never sent unless the smtp block says
# auth_without_tls: true (this server on loopback has no TLS); a starttls
# that is not a boolean is an error, not "false". Then AUTH after STARTTLS.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/email_lib.sh"

new_home
start_smtp_auth sluice 's3cret-Pa55'

spec() { # SMTP-BLOCK-EXTRA
	printf '{"dag": "d", "task": "t", "partition": "p", "home": "%s",
	  "smtp": {"url": "%s", "from": "sluice@example.com", "tries": 3, "retry_delay": "100ms"%s},
	  "options": {"to": ["auth@example.com"], "subject": "authenticated", "body": "b"}}' \
		"$H" "$SMTP_URL" "$1"
}

# credentials over a connection that is not encrypted: refused before
# connecting (the server sees no AUTH and no message), username or URL
for extra in ', "username": "sluice", "password": "s3cret-Pa55"' \
	', "username": "sluice", "password": "s3cret-Pa55", "starttls": false' \
	', "username": "sluice", "password": "s3cret-Pa55", "auth_without_tls": false'; do
	email_expect_fail "$(spec "$extra")"
	assert_contains "$OUT" "smtp: a username is set but the connection to $SMTP_URL is not encrypted, so the password would be sent in the clear: set starttls: true"
	assert_not_contains "$OUT" "s3cret" "the refusal"
done
email_expect_fail '{"home": "'"$H"'",
  "smtp": {"url": "smtp://sluice:url-Secret9@127.0.0.1:'"$SMTP_PORT"'", "from": "sluice@example.com", "tries": 1},
  "options": {"to": ["auth@example.com"]}}'
assert_contains "$OUT" "is not encrypted, so the password would be sent in the clear"
assert_not_contains "$OUT" "url-Secret9" "the refusal of credentials in the url"
# a starttls that is not a boolean is not read as false
email_expect_fail "$(spec ', "username": "sluice", "password": "s3cret-Pa55", "starttls": "yes-please"')"
assert_contains "$OUT" "smtp.starttls: expected true or false"
assert_eq 0 "$(smtp_count)" "messages delivered by refused sends"

email_expect_ok "$(spec ', "username": "sluice", "password": "s3cret-Pa55", "auth_without_tls": true')"
assert_contains "$OUT" ", AUTH"
assert_not_contains "$OUT" "s3cret" "operator output"
wait_for 10 "the authenticated message" smtp_count_is 1
assert_eq "authenticated" "$(smtp_mail header:Subject)" Subject

email_expect_fail "$(spec ', "username": "sluice", "password": "wrong-Pa55word", "auth_without_tls": true')"
assert_contains "$OUT" "535"
assert_not_contains "$OUT" "wrong-Pa55word" "error output"
assert_not_contains "$OUT" "trying again" "a refused login is not retried"

email_expect_fail "$(spec '')"
assert_contains "$OUT" "server said: 530"

# credentials in the url are kept out of messages too
email_expect_fail '{"home": "'"$H"'",
  "smtp": {"url": "smtp://sluice:url-Secret9@127.0.0.1:'"$SMTP_PORT"'", "from": "sluice@example.com", "tries": 1, "auth_without_tls": true},
  "options": {"to": ["auth@example.com"]}}'
assert_contains "$OUT" "server said"
assert_not_contains "$OUT" "url-Secret9" "error output"
assert_eq 1 "$(smtp_count)" "messages delivered"

# STARTTLS, then AUTH (the server refuses AUTH before TLS)
start_smtp_auth_tls sluice 'tls-Pa55'
email_expect_ok "$(spec ', "starttls": true, "ca_file": "'"$SMTP_CERT"'", "username": "sluice", "password": "tls-Pa55"')"
wait_for 10 "the message sent with STARTTLS + AUTH" smtp_count_is 1
echo "email_auth: ok"
