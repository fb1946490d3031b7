#!/bin/bash
# A server that is down: each failed attempt is logged and tried again
# with a growing back-off; a server that comes up between attempts gets
# the message exactly once; one that never comes up fails the try with the
# reason after the last attempt. A temporary refusal (451) is tried again
# too. A server that accepts but never answers is bounded by the timeout.
# A notification email whose scheduler and sender are killed (kill -9)
# after the event's commit, before the server took it, is sent once by the
# restarted scheduler (its delivery row).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/email_lib.sh"

new_home
port=$(free_port)

# nobody listens: two quick attempts, then the error
email_expect_fail '{"home": "'"$H"'",
  "smtp": {"url": "smtp://127.0.0.1:'"$port"'", "from": "sluice@example.com",
           "tries": 2, "retry_delay": "50ms"},
  "options": {"to": ["de@example.com"], "subject": "down"}}'
assert_contains "$OUT" "attempt 1 of 2 to smtp://127.0.0.1:$port failed: Couldn't connect to server"
assert_contains "$OUT" "failed after 2 attempts: Couldn't connect to server"

# the server starts while the operator waits between attempts
spec='{"home": "'"$H"'",
  "smtp": {"url": "smtp://127.0.0.1:'"$port"'", "from": "sluice@example.com",
           "tries": 6, "retry_delay": "1s"},
  "options": {"to": ["de@example.com"], "subject": "sent on a later attempt"}}'
"${EMAIL_RUN[@]}" >"$T/retry.out" 2>&1 <<<"$spec" &
op_pid=$!
on_exit "stop_pid $op_pid"
wait_for 10 "the first failed attempt" grep -q "attempt 1 of 6" "$T/retry.out"
start_smtp "$port"
wait_for 30 "the operator to finish" pid_gone "$op_pid"
wait "$op_pid" || fail "operator failed: $(cat "$T/retry.out")"
out=$(cat "$T/retry.out")
assert_contains "$out" "trying again in 1000ms"
assert_contains "$out" "sent, Message-ID"
assert_eq 1 "$(smtp_count)" "messages delivered"
assert_eq "sent on a later attempt" "$(smtp_mail header:Subject)" Subject

# a server that answers 451 (try later) twice, then takes the message
start_smtp_flaky 2
email_expect_ok '{"home": "'"$H"'",
  "smtp": {"url": "'"$SMTP_URL"'", "from": "sluice@example.com",
           "tries": 4, "retry_delay": "50ms"},
  "options": {"to": ["de@example.com"], "subject": "after two refusals"}}'
assert_contains "$OUT" "attempt 1 of 4"
assert_contains "$OUT" "attempt 2 of 4"
assert_not_contains "$OUT" "attempt 3 of 4" "output"
assert_eq 1 "$(smtp_count)" "messages delivered"
assert_eq "after two refusals" "$(smtp_mail header:Subject)" Subject
# more refusals than tries: the error quotes the server
start_smtp_flaky 5
email_expect_fail '{"home": "'"$H"'",
  "smtp": {"url": "'"$SMTP_URL"'", "from": "sluice@example.com",
           "tries": 2, "retry_delay": "50ms"},
  "options": {"to": ["de@example.com"]}}'
assert_contains "$OUT" "failed after 2 attempts"
assert_contains "$OUT" "server said: 451 4.3.0 busy, try again later"

# a server that accepts the connection and says nothing: each attempt
# ends at the timeout, and the try fails instead of hanging
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' >"$T/silent.port" &
silent_pid=$!
on_exit "stop_pid $silent_pid"
wait_for 10 "the silent server" test -s "$T/silent.port"
start=$(date +%s)
email_expect_fail '{"home": "'"$H"'",
  "smtp": {"url": "smtp://127.0.0.1:'"$(cat "$T/silent.port")"'", "from": "sluice@example.com",
           "tries": 2, "retry_delay": "50ms", "timeout": "1s"},
  "options": {"to": ["de@example.com"]}}'
assert_contains "$OUT" "Timeout was reached"
[ $(($(date +%s) - start)) -lt 10 ] || fail "the timeout did not bound the attempts"

# the scheduler and the email's sender are killed after the failure's
# commit, before the (silent) server took the email: the restarted
# scheduler sends it once its sender's claim ran out, to a server that
# answers now, and only once
silent_port=$(cat "$T/silent.port")
new_home
cat >"$H/sluice.yaml" <<YAML
smtp: {url: "smtp://127.0.0.1:$silent_port", from: sluice@example.com, tries: 1, timeout: 2s}
YAML
cat >"$H/dags/crash.yaml" <<YAML
dag: crash
email: [oncall@example.com]
email_on: [failure]
tasks:
  a: {command: 'exit 3'}
YAML
start_scheduler
sl trigger crash --partition k1 >/dev/null
sender() { pgrep -f -- "--home $H operator email"; }
wait_for 20 "the email's sender" sender
sender_pid=$(sender)
kill -STOP "$sender_pid"
kill -9 "$SCHED_PID"
kill -9 "$sender_pid"
wait "$SCHED_PID" 2>/dev/null || true
stop_pid "$silent_pid"
start_smtp "$silent_port"
assert_eq 0 "$(smtp_count)" "emails before the restart"
start_scheduler
wait_for 30 "the email sent again" smtp_count_is 1
wait_for 10 "its delivery recorded as sent" eval \
	'[ "$(q "SELECT state FROM webhook_deliveries WHERE kind = '"'email'"'")" = sent ]'
assert_eq 1 "$(smtp_count)" "emails after the restart (once)"
assert_contains "$(smtp_mail header:Subject)" "crash"
assert_contains "$(cat "$T/scheduler.log")" "sending again (its sender is gone)"
sl webhooks >"$T/deliveries.out" || fail "sluice webhooks failed"
assert_contains "$(cat "$T/deliveries.out")" "(email)"
echo "email_retry: ok"
