#!/bin/bash
# `--port 0` lets the kernel choose the port: the log names the port the
# UI listens on (it said http://127.0.0.1:0/), and web.base_url's default
# (sluice.yaml sets none) names it too, so the links in notifications
# open (they said :0).
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
sl init >/dev/null
cat >"$H/dags/fails.yaml" <<'YAML'
dag: fails
email: [oncall@example.com]
email_on: [failure]
tasks:
  a: {command: 'exit 3'}
YAML
"$SLUICE" --home "$H" standalone --port 0 >>"$T/standalone.log" 2>&1 &
pid=$!
on_exit "stop_pid $pid"
listening() { grep -q "web UI on http://127.0.0.1:[0-9]*/" "$T/standalone.log"; }
wait_for 30 "the web's start line" listening
port=$(sed -n 's|.*web UI on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/standalone.log" | head -1)
[ "$port" -gt 0 ] || fail "the log names port $port: $(cat "$T/standalone.log")"
assert_eq 200 "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" "/health at the port the log names"
sl dags unpause fails >/dev/null 2>&1 || true
sl trigger fails --partition p1 >/dev/null
wait_run fails p1 failed 30
mailed() { grep -l "Open in sluice" "$H"/outbox/*.eml >/dev/null 2>&1; }
wait_for 20 "the failure email in the outbox" mailed
link=$(grep -h "^Open in sluice: " "$H"/outbox/*.eml | head -1 | tr -d '\r')
assert_contains "$link" "Open in sluice: http://127.0.0.1:$port/" "the email's link"
echo "web_port_zero: ok"
