#!/bin/bash
# Mistakes in sluice.yaml's smtp: and connections: blocks are config
# errors like those of webhooks: and executors: (sluice.yaml(5): a key not
# listed is an error): `sluice dags validate`, `sluice executors` and a
# scheduler refuse the file with exit 3, naming file:line:column, the key
# and what is wrong (the key meant, for a misspelt one), and a SIGHUP keeps
# the running settings. A typo'd starttls would otherwise send AUTH in the
# clear; a connection's typo'd password_env would log in without one.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home

# conf_error LINE:COL TEXT: each verb refuses $H/sluice.yaml with exit 3
# and TEXT at $H/sluice.yaml:LINE:COL
conf_error() {
	local what rc
	for what in "dags validate" executors scheduler; do
		rc=0
		# shellcheck disable=SC2086
		timeout 30 "$SLUICE" --home "$H" $what >"$T/out" 2>"$T/err" || rc=$?
		assert_eq 3 "$rc" "exit code of $what on: $(cat "$H/sluice.yaml")"
		assert_contains "$(cat "$T/err")" "$H/sluice.yaml:$1: $2" "$what on: $(cat "$H/sluice.yaml")"
	done
}

# sluice.yaml | LINE:COL | the error
while IFS='|' read -r yaml at text; do
	[ -n "$yaml" ] || continue
	printf '%b\n' "$yaml" >"$H/sluice.yaml"
	conf_error "$at" "$text"
done <<'TABLE'
smtp:\n  url: "smtp://127.0.0.1:25"\n  startls: true\n  username: u|3:3|smtp: unknown key 'startls' (did you mean 'starttls'? known: url, from, starttls, auth_without_tls, username, password_env,
smtp: {url: "smtp://x", starttls: yes-please}|1:35|smtp.starttls: expected true or false, got 'yes-please'
smtp: {url: "smtp://x", timeout: forever}|1:34|smtp.timeout: bad duration 'forever'
smtp: {url: 12}|1:13|smtp.url: expected smtp://HOST:PORT or smtps://HOST:PORT
smtp: {url: "http://x"}|1:13|smtp.url: expected smtp://HOST:PORT or smtps://HOST:PORT
smtp: {url: "smtp://x", tries: 0}|1:32|smtp.tries:
smtp: {url: "smtp://x", password: pw}|1:25|smtp: unknown key 'password' (did you mean 'password_env'?
smtp: [a]|1:7|smtp: expected a mapping
connections:\n  wh: {urll: "postgresql://x"}|2:8|connections.wh: unknown key 'urll' (did you mean 'url'? known: type, url, password,
connections:\n  wh:\n    url: "postgresql://x"\n    pasword_env: PW|4:5|connections.wh: unknown key 'pasword_env' (did you mean 'password_env'?
connections:\n  lake: {type: aws, regoin: eu-west-1}|2:21|connections.lake: unknown key 'regoin' (did you mean 'region'?
TABLE

# what is right loads: every smtp key, each KEY_env, a plug-in's own
# connection type with its own keys
cat >"$H/sluice.yaml" <<'YAML'
smtp:
  url: "smtp://127.0.0.1:2525"
  from: "Sluice <sluice@example.com>"
  starttls: true
  username_env: SMTP_USER
  password_env: SMTP_PASSWORD
  ca_file: /etc/ssl/certs/ca-certificates.crt
  insecure: false
  auth_without_tls: false
  tries: 3
  timeout: 30
  retry_delay: 2s
connections:
  wh: {url: "postgresql://etl@db/dw", password_env: PW}
  lake: {type: aws, profile: p, region: eu-west-1, role_arn: "arn:aws:iam::1:role/r"}
  mine: {type: my_plugin, anything: 1}
YAML
out=$(sl dags validate 2>&1) || fail "a right smtp: and connections: refused: $out"

# SIGHUP with a typo: not reloaded, the running settings stay
start_scheduler
sed -i 's/  starttls: true/  startls: true/' "$H/sluice.yaml"
kill -HUP "$SCHED_PID"
_said() { grep -q "SIGHUP: sluice.yaml not reloaded: $H/sluice.yaml:4:3: smtp: unknown key 'startls'" "$T/scheduler.log"; }
wait_for 15 "the refused reload" _said
kill -0 "$SCHED_PID" || fail "the scheduler stopped on a bad reload"
echo "config_smtp: ok"
