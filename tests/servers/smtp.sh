# tests/servers/smtp.sh: SMTP servers on loopback for the email tests,
# sourced by tests/setup.sh. Debian's python3-aiosmtpd, storing what it
# receives in a Maildir (messages land in $SMTP_MAILDIR/new/).
#
#   start_smtp [PORT]            plain SMTP
#   start_smtp_starttls [PORT]   STARTTLS required, self-signed cert
#   start_smtps [PORT]           SMTP over TLS (smtps://), self-signed cert
#   start_smtp_auth USER PASS [PORT]          AUTH required (plain, loopback)
#   start_smtp_auth_tls USER PASS [PORT]      STARTTLS, then AUTH required
#   start_smtp_flaky N [PORT]    plain SMTP answering 451 to the first N
#                                messages (tests/servers/smtp_flaky.py)
#
# Each sets SMTP_PORT, SMTP_URL (smtp://127.0.0.1:PORT or smtps://...),
# SMTP_MAILDIR, SMTP_PID and, for TLS, SMTP_CERT (the certificate, which
# is its own CA: use it as ca_file). The server is stopped at exit.
# Several servers may run in one test: each call gets its own folder.
#
#   smtp_mail FIELD [INDEX]   what arrived (see tests/servers/smtp_mail.py)
#   smtp_count                how many messages arrived

SMTP_PY=/usr/bin/python3

_smtp_need() {
	[ -x "$SMTP_PY" ] && "$SMTP_PY" -c 'import aiosmtpd' 2>/dev/null ||
		skip "python3-aiosmtpd is not installed (run scripts/deps --test)"
	command -v openssl >/dev/null || skip "openssl is not installed"
}

# Is something accepting connections on 127.0.0.1:$1?
smtp_listening() {
	"$SMTP_PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1"
}

# A self-signed certificate for 127.0.0.1 and localhost, made once per test.
_smtp_cert() {
	SMTP_CERT=$T/smtp-tls/cert.pem
	SMTP_KEY=$T/smtp-tls/key.pem
	[ -f "$SMTP_CERT" ] && return 0
	mkdir -p "$T/smtp-tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$SMTP_KEY" -out "$SMTP_CERT" >/dev/null 2>&1 ||
		fail "openssl could not make a test certificate"
}

# _smtp_launch SCHEME PORT COMMAND...: start COMMAND (with @PORT@ and
# @MAILDIR@ replaced) until it listens; a port taken in the meantime is
# retried with another one unless PORT was given.
_smtp_launch() {
	local scheme=$1 want_port=$2 try port dir log i args a
	shift 2
	for try in 1 2 3; do
		port=${want_port:-$(free_port)}
		dir=$(mktemp -d "$T/smtp.XXXXXX")
		log=$dir/server.log
		args=()
		for a in "$@"; do
			a=${a//@PORT@/$port}
			args+=("${a//@MAILDIR@/$dir/maildir}")
		done
		"${args[@]}" >"$log" 2>&1 &
		SMTP_PID=$!
		on_exit "stop_pid $SMTP_PID"
		for i in $(seq 200); do
			if smtp_listening "$port" 2>/dev/null; then
				SMTP_PORT=$port
				SMTP_URL=$scheme://127.0.0.1:$port
				SMTP_MAILDIR=$dir/maildir
				SMTP_LOG=$log
				export SMTP_PORT SMTP_URL SMTP_MAILDIR SMTP_LOG
				return 0
			fi
			pid_gone "$SMTP_PID" && break
			sleep 0.05
		done
		stop_pid "$SMTP_PID"
		[ -n "$want_port" ] && break
	done
	cat "$log" >&2
	fail "SMTP server ($*) did not start"
}

start_smtp() {
	_smtp_need
	_smtp_launch smtp "${1:-}" "$SMTP_PY" -m aiosmtpd -n -l 127.0.0.1:@PORT@ \
		-c aiosmtpd.handlers.Mailbox @MAILDIR@
}

start_smtp_starttls() {
	_smtp_need
	_smtp_cert
	_smtp_launch smtp "${1:-}" "$SMTP_PY" -m aiosmtpd -n -l 127.0.0.1:@PORT@ \
		--tlscert "$SMTP_CERT" --tlskey "$SMTP_KEY" \
		-c aiosmtpd.handlers.Mailbox @MAILDIR@
}

start_smtps() {
	_smtp_need
	_smtp_cert
	_smtp_launch smtps "${1:-}" "$SMTP_PY" -m aiosmtpd -n -l 127.0.0.1:@PORT@ \
		--smtpscert "$SMTP_CERT" --smtpskey "$SMTP_KEY" \
		-c aiosmtpd.handlers.Mailbox @MAILDIR@
}

start_smtp_auth() {
	_smtp_need
	_smtp_launch smtp "${3:-}" "$SMTP_PY" \
		"$SLUICE_SRCDIR/tests/servers/smtp_auth_server.py" @PORT@ @MAILDIR@ "$1" "$2"
}

start_smtp_auth_tls() {
	_smtp_need
	_smtp_cert
	_smtp_launch smtp "${3:-}" "$SMTP_PY" \
		"$SLUICE_SRCDIR/tests/servers/smtp_auth_server.py" @PORT@ @MAILDIR@ "$1" "$2" \
		"$SMTP_CERT" "$SMTP_KEY"
}

start_smtp_flaky() {
	_smtp_need
	_smtp_launch smtp "${2:-}" env PYTHONDONTWRITEBYTECODE=1 \
		PYTHONPATH="$SLUICE_SRCDIR/tests/servers" \
		"$SMTP_PY" -m aiosmtpd -n -l 127.0.0.1:@PORT@ \
		-c smtp_flaky.FlakyMailbox @MAILDIR@ "$1"
}

smtp_mail() { "$SMTP_PY" "$SLUICE_SRCDIR/tests/servers/smtp_mail.py" "$SMTP_MAILDIR" "$@"; }
smtp_count() { smtp_mail count; }
# smtp_count_is N: the Maildir holds N messages now (for wait_for, which
# runs its command again each time: a "$(smtp_count)" in its arguments
# would be read once, before the wait)
smtp_count_is() { [ "$(smtp_count)" = "$1" ]; }
