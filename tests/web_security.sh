#!/bin/bash
# Web security: 401 without a session, 403 without CSRF or as a viewer,
# cookie flags, CSP, escaping of hostile values (DAG description, param,
# log line), no way out of the logs folder, body limits, login limits.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
XSS='<script>alert(1)</script><img src=x onerror=alert(2)>'
cat > "$H/dags/x.yaml" <<YAML
dag: x
description: "desc $XSS"
schedule: none
params: {note: hello, label: plain}
tasks:
  say: {command: "echo 'log $XSS'; echo note={{ params.note }}"}
YAML
mkdir -p "$H/secret"
echo "top secret" > "$H/secret/try-1.log"
start_standalone
P=$(pct run-1)

# --- no session: 401, for reads and changes alike ---
code=$(curl -sS -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"partition":"a"}' "$URL/api/v1/dags/x/runs")
assert_eq 401 "$code" "trigger without a session"
assert_contains "$(cat "$T/body")" '"error"' "error is JSON"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/api/v1/dags")
assert_eq 401 "$code" "read without a session"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/")
assert_eq 303 "$code" "pages send to the login"

# --- login: cookie flags ---
hdrs=$(curl -sS -D - -o /dev/null --data-urlencode "username=ops" --data-urlencode "password=$OPS_PW" "$URL/login")
cookie=$(echo "$hdrs" | grep -i '^Set-Cookie:')
assert_contains "$cookie" "HttpOnly" "cookie"
assert_contains "$cookie" "SameSite=Strict" "cookie"
assert_contains "$cookie" "Path=/" "cookie"
assert_not_contains "$cookie" "Secure" "plain http cookie"
# where a login goes next: a path on this site, never another site (a
# tab or newline in it is dropped by a browser: "/<TAB>/evil" is "//evil")
for next in '//evil.example/x' '/\evil.example' 'https://evil.example' \
	$'/\t/evil.example' $'/\n/evil.example' $'/\r/evil.example' $'/\v/evil.example' \
	'javascript:alert(1)' ' /x'; do
	loc=$(curl -sS -D - -o /dev/null --data-urlencode "username=ops" --data-urlencode "password=$OPS_PW" \
		--data-urlencode "next=$next" "$URL/login" | tr -d '\r' | sed -n 's/^Location: //Ip')
	assert_eq "/" "$loc" "login next=$(printf '%q' "$next")"
done
loc=$(curl -sS -D - -o /dev/null --data-urlencode "username=ops" --data-urlencode "password=$OPS_PW" \
	--data-urlencode "next=/dags/a%2Fb?at=x" "$URL/login" | tr -d '\r' | sed -n 's/^Location: //Ip')
assert_eq "/dags/a%2Fb?at=x" "$loc" "login next= a path"
# the login page carries next= as data
page=$(curl -sS "$URL/login?next=%2F%22%3E%3Cscript%3Ex()%3C%2Fscript%3E")
assert_contains "$page" 'name="next" value="/&quot;&gt;&lt;script&gt;x()&lt;/script&gt;"' "next in the login form"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" \
	--data-urlencode "username=ops" --data-urlencode "password=$OPS_PW" "$URL/login")
assert_eq 403 "$code" "cross-site login"

# --- session without CSRF: 403; with it: done ---
login ops "$OPS_PW" "$T/ops.jar"
OPS_CSRF=$CSRF
trig() { curl -sS -o "$T/body" -w '%{http_code}' -b "$T/ops.jar" -X POST -H 'Content-Type: application/json' "$@"; }
code=$(trig --data '{"partition":"run-0"}' "$URL/api/v1/dags/x/runs")
assert_eq 403 "$code" "session without CSRF"
assert_contains "$(cat "$T/body")" "CSRF" "names the reason"
code=$(trig -H "X-CSRF-Token: 0000" --data '{"partition":"run-0"}' "$URL/api/v1/dags/x/runs")
assert_eq 403 "$code" "session with a wrong CSRF token"
# the right token from a page of another site (its Origin): refused, and
# nothing made; the UI's own origin (its Host) is taken
code=$(trig -H "X-CSRF-Token: $CSRF" -H "Origin: http://evil.example" --data '{"partition":"run-x"}' "$URL/api/v1/dags/x/runs")
assert_eq 403 "$code" "a change from another site's page"
assert_contains "$(cat "$T/body")" "this change came from a page on another site" "the cross-site change's message"
assert_contains "$(cat "$T/scheduler.log")" "web: a change posted from http://evil.example refused" "the cross-site change in the log"
assert_eq "" "$(sl runs x --json | grep run-x || true)" "the cross-site trigger made no run"
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$T/ops.jar" -X POST -H "Origin: http://evil.example" \
	--data-urlencode "csrf=$CSRF" "$URL/logout")
assert_eq 403 "$code" "a logout from another site's page"
code=$(trig -H "X-CSRF-Token: $CSRF" -H "Origin: $URL" --data '{"partition":"run-0"}' "$URL/api/v1/dags/x/runs")
assert_eq 201 "$code" "a change from the UI's own origin: $(cat "$T/body")"
code=$(trig -H "X-CSRF-Token: $CSRF" --data "{\"partition\":\"run-1\",\"params\":{\"label\":\"$XSS\"}}" "$URL/api/v1/dags/x/runs")
assert_eq 201 "$code" "session with CSRF: $(cat "$T/body")"
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$T/ops.jar" -X POST --data 'csrf=nope' "$URL/logout")
assert_eq 403 "$code" "logout without the CSRF token"

# --- a viewer: 403 even with CSRF ---
login viewer "$VIEWER_PW" "$T/viewer.jar"
for path in "dags/x/runs" "dags/x/clear" "dags/x/mark" "dags/x/pause"; do
	code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$T/viewer.jar" -H "X-CSRF-Token: $CSRF" \
		-X POST -H 'Content-Type: application/json' --data '{"partition":"v","tasks":["say"],"partitions":["run-1"],"state":"success","from":"run-1","to":"run-1"}' \
		"$URL/api/v1/$path")
	[ "$code" = 403 ] || fail "viewer POST $path: expected 403, got $code"
done
vcsrf=$(curl -sS -b "$T/viewer.jar" "$URL/api/v1/me" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$T/viewer.jar" -H "X-CSRF-Token: $vcsrf" -X POST \
	-H 'Content-Type: application/json' --data '{"partition":"v"}' "$URL/api/v1/dags/x/runs")
assert_eq 403 "$code" "viewer with its own CSRF token"

# --- headers on every page ---
wait_for 20 "x run-1 say success" state_is x run-1 say success
page() { curl -sS -D "$T/headers" -b "$T/ops.jar" "$URL$1"; }
html=$(page /)
assert_contains "$(cat "$T/headers")" "Content-Security-Policy: default-src 'self'; script-src 'self'" CSP
assert_contains "$(cat "$T/headers")" "X-Frame-Options: DENY" headers
assert_contains "$(cat "$T/headers")" "X-Content-Type-Options: nosniff" headers

# --- hostile values are shown as text ---
for path in / /dags/x /dags/x/graph "/dags/x/runs/$P/tasks/say" /audit; do
	html=$(page "$path")
	assert_not_contains "$html" "<script>alert" "$path"
	assert_not_contains "$html" "<img src=x" "$path"
	assert_contains "$html" "sluice" "$path renders"
done
assert_contains "$(page /)" "desc &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" "escaped description"
assert_contains "$(page "/dags/x/runs/$P/tasks/say")" "&lt;script&gt;alert(1)" "escaped param"
assert_contains "$(page /audit)" "&lt;script&gt;" "escaped audit detail"
# the log line travels as a JSON string, put on the page as text by app.js
log=$(curl -sS -b "$T/ops.jar" "$URL/api/v1/dags/x/runs/$P/tasks/say/logs/1")
assert_contains "$log" '"data":"log <script>alert(1)</script><img src=x onerror=alert(2)>' "log as data"
assert_contains "$(curl -sS "$URL/static/app.js")" "textContent" "app.js writes text"
assert_not_contains "$(curl -sS "$URL/static/app.js")" "innerHTML" "app.js never parses HTML"

# --- nothing from a request reaches outside the logs folder ---
for bad in \
	"dags/x/runs/$P/tasks/..%2F..%2Fsecret/logs/1" \
	"dags/x/runs/$P/tasks/..%2F..%2F..%2Fsecret/logs/1" \
	"dags/x/runs/..%2F..%2Fsecret/tasks/say/logs/1" \
	"dags/x/runs/$P/tasks/say/logs/..%2F..%2Fsecret%2Ftry-1" \
	"dags/..%2Fsecret/runs/$P/tasks/say/logs/1" \
	"dags/x/runs/$P/tasks/say/logs/1%00"; do
	code=$(curl -sS -o "$T/body" -w '%{http_code}' -b "$T/ops.jar" --path-as-is "$URL/api/v1/$bad")
	case "$code" in 404|400) ;; *) fail "$bad: expected 404, got $code: $(cat "$T/body")" ;; esac
	assert_not_contains "$(cat "$T/body")" "top secret" "$bad"
done
code=$(curl -sS -o "$T/body" -w '%{http_code}' -b "$T/ops.jar" --path-as-is "$URL/api/v1/dags/x/runs/$P/tasks/../../../secret/logs/1")
assert_not_contains "$(cat "$T/body")" "top secret" "raw ../"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -b "$T/ops.jar" --path-as-is "$URL/static/../sluice.yaml")
assert_eq 404 "$code" "static ../"
# a partition key that looks like a path is refused (keys of an unscheduled
# DAG are letters, digits and . _ : + -), and nothing is written for it
before=$(find "$H" -path "$H/logs" -prune -o -newer "$H/secret/try-1.log" -type f -print | grep -v -e '/sluice.db' -e '\.pid$' | sort)
for key in '../../secret' '$(id)' 'a/b' '`id`' "$(printf 'k%.0s' $(seq 129))"; do
	code=$(trig -H "X-CSRF-Token: $OPS_CSRF" --data "$(python3 -c 'import json,sys; print(json.dumps({"partition": sys.argv[1]}))' "$key")" "$URL/api/v1/dags/x/runs")
	assert_eq 400 "$code" "partition key '$key' refused"
	assert_contains "$(cat "$T/body")" "128" "the refusal says what a key may be"
done
assert_eq "" "$(q "SELECT partition FROM dag_runs WHERE partition LIKE '%secret%' OR partition LIKE '%id%'")" "no run of a refused key"
[ ! -e "$H/secret/say" ] || fail "something was written beside the secret"
[ -z "$(find "$H/logs" -path '*secret*')" ] || fail "a log named after the refused key"
# (only new files count: the local executor removes a finished try's
# status file 30 s after its end, which may fall in between)
after=$(find "$H" -path "$H/logs" -prune -o -newer "$H/secret/try-1.log" -type f -print | grep -v -e '/sluice.db' -e '\.pid$' | sort)
assert_eq "" "$(comm -13 <(echo "$before") <(echo "$after"))" "nothing written outside logs/"

# --- body and page limits ---
head -c 100000 /dev/zero | tr '\0' 'a' > "$T/big"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OPS_TOKEN" -X POST \
	-H 'Content-Type: application/json' --data-binary @"$T/big" "$URL/api/v1/dags/x/clear")
assert_eq 413 "$code" "oversized body"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/big" "$URL/login")
assert_eq 413 "$code" "oversized login"
assert_status 400 GET "/dags/x/runs?limit=1000000"

# --- bearer tokens: wrong → 401; right → no CSRF needed ---
assert_status 401 GET /dags "" "slk_0000000000000000000000000000000000000000000000000000000000000000"
assert_status 201 POST /dags/x/runs '{"partition":"run-2"}' "$OPS_TOKEN"
# tokens and passwords are stored hashed
/usr/bin/python3 - "$H/sluice.db" "$OPS_TOKEN" "$OPS_PW" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
dump = "\n".join(db.iterdump())
assert sys.argv[2] not in dump, "token stored in clear"
assert sys.argv[3] not in dump, "password stored in clear"
assert all(h.startswith("$y$") for (h,) in db.execute("select password_hash from users")), "not yescrypt"
PY

# --- logout ends the session ---
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$T/ops.jar" -c "$T/ops.jar" -X POST --data-urlencode "csrf=$OPS_CSRF" "$URL/logout")
assert_eq 303 "$code" logout
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$T/ops.jar" "$URL/api/v1/dags")
assert_eq 401 "$code" "after logout"

# --- failed logins are limited ---
for i in 1 2 3 4 5; do
	code=$(curl -sS -o /dev/null -w '%{http_code}' --data "username=admin&password=wrong$i" "$URL/login")
	assert_eq 401 "$code" "wrong password $i"
done
code=$(curl -sS -o /dev/null -w '%{http_code}' --data-urlencode "username=admin" --data-urlencode "password=$ADMIN_PW" "$URL/login")
assert_eq 429 "$code" "locked out after 5 failures, even with the right password"

# --- a request with two Content-Length headers is refused (which body a
# proxy in front of sluice saw is anyone's guess), equal or not ---
raw_status() {
	/usr/bin/python3 - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.settimeout(5)
s.sendall(sys.argv[2].replace("\\n", "\r\n").encode())
data = b""
while b"\r\n" not in data:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n")[0].split(b" ")[1].decode() if data else "none")
PY
}
body='{"partition":"two-lengths"}'
for lengths in "${#body} ${#body}" "${#body} 5"; do
	set -- $lengths
	code=$(raw_status "POST /api/v1/dags/x/runs HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer $OPS_TOKEN\nContent-Type: application/json\nContent-Length: $1\nContent-Length: $2\nConnection: close\n\n$body")
	assert_eq 400 "$code" "two Content-Length headers ($1, $2)"
done
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE partition = 'two-lengths'")" "no run from an ambiguous request"
code=$(raw_status "GET /health HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 0\nContent-Length: 0\nConnection: close\n\n")
assert_eq 400 "$code" "two Content-Length headers on a GET"
code=$(raw_status "GET /health HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
assert_eq 200 "$code" "a plain request on the same path"

# --- the favicon is served, without a login ---
code=$(curl -sS -o "$T/favicon" -w '%{http_code} %{content_type}' "$URL/favicon.ico")
assert_eq "200 image/x-icon" "$code" "/favicon.ico"
[ -s "$T/favicon" ] || fail "an empty favicon"

# --- binds 127.0.0.1 unless told ---
assert_contains "$(cat "$T/scheduler.log")" "web UI on http://127.0.0.1:$PORT/" "bind"
printf '' > "$H/sluice.yaml"
start_web
assert_contains "$(cat "$T/web.log")" "web UI on http://127.0.0.1:$WPORT/" "default bind"
echo "web_security: ok"
