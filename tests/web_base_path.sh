#!/bin/bash
# The UI behind a reverse proxy that serves it under a path: web.base_url
# http://sluice.example.com/sluice/ and a proxy on loopback
# (tests/servers/path_proxy.py) that passes /sluice/... on as it came, as
# nginx's `location /sluice/ { proxy_pass http://127.0.0.1:PORT; }` does,
# with nginx's default Host (the upstream's, 127.0.0.1:PORT): a login
# whose Origin is web.base_url's is taken, one from another site is
# refused with the login page and its message.
# Redirects (to the login and back), every link, script and form of a
# page, and the datasets API's links carry the path, and the session
# cookie is named for it (two UIs under two paths of one host keep their
# sessions apart); in Chromium a person
# logs in from a deep link, opens a task page and its log, triggers a
# run, opens the partition map and the users page and logs out without
# any request leaving the path (the proxy logs each one that does). A
# proxy that takes the path off (`proxy_pass http://127.0.0.1:PORT/;`)
# works the same, and the UI still answers on its own port without it.
# Screenshots go to $WEB_SHOTS (default: the build dir's
# tests/shots-base-path).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
printf 'web: {bind: 127.0.0.1, base_url: "http://sluice.example.com/sluice/"}\n' >"$H/sluice.yaml"
cat >"$H/dags/chain.yaml" <<'YAML'
dag: chain
schedule: none
tasks:
  a: {command: "echo a ran"}
  b: {command: "echo b ran", after: [a]}
YAML
start=$(date -u -d '-6 hours' +%Y-%m-%dT%H:00:00Z)
cat >"$H/dags/hourly.yaml" <<YAML
dag: hourly
schedule: "@hourly"
start: $start
catchup: false
tasks:
  load: {command: "true", produces: [lake.events]}
YAML
start_standalone
assert_contains "$(cat "$T/scheduler.log")" "web: served under /sluice/ as http://sluice.example.com/sluice/ (web.base_url" "the start says where the UI is served"
sl trigger chain --partition p1 >/dev/null
wait_run chain p1 success 30
sl trigger hourly --partition "$(date -u -d '-2 hours' +%Y-%m-%dT%H:00:00Z)" >/dev/null
wait_run hourly "$(date -u -d '-2 hours' +%Y-%m-%dT%H:00:00+00:00)" success 30

# proxy PREFIX [--strip]: a proxy to the UI; sets PX (its address)
proxy() {
	local dir
	dir=$(mktemp -d "$T/proxy.XXXXXX")
	/usr/bin/python3 "$SLUICE_SRCDIR/tests/servers/path_proxy.py" "$dir/port" "$dir/log" "$1" "$PORT" "${@:2}" &
	on_exit "stop_pid $!"
	wait_for 10 "the proxy" test -s "$dir/port"
	PX="http://127.0.0.1:$(cat "$dir/port")"
	PXLOG=$dir/log
	touch "$PXLOG"
}

# location URL [CURL_ARGS...]: the Location of URL's answer
location() { curl -sS -o /dev/null -w '%{redirect_url}|%{http_code}' "$@" | sed "s|^$PX||"; }

# links FILE: every href, src and action of the page that starts at a
# host's root, one a line
links() {
	/usr/bin/python3 - "$1" <<'PY'
import re, sys
for m in re.finditer(r'\b(?:href|src|action)="(/[^"]*)"', open(sys.argv[1]).read()):
    print(m.group(1))
PY
}

for mode in pass strip; do
	if [ $mode = pass ]; then proxy /sluice; else proxy /sluice --strip; fi
	jar=$T/jar.$mode
	# a deep link without a session: the login, under the path, and back
	assert_eq "/sluice/login?next=%2Fdags%2Fchain|303" "$(location "$PX/sluice/dags/chain")" "$mode: a deep link's login"
	assert_eq "/sluice/dags/chain|303" "$(location "$PX/sluice/login" -c "$jar" \
		--data-urlencode username=ops --data-urlencode "password=$OPS_PW" --data-urlencode next=/dags/chain)" \
		"$mode: the login leads back to the deep link"
	# a browser's login names its page's origin: web.base_url's is the
	# UI's own (the proxy sends Host: 127.0.0.1:PORT, as nginx does); the
	# UI's own port, by its Host; another site's is refused, with the
	# login page saying so
	assert_eq "/sluice/dags/chain|303" "$(location "$PX/sluice/login" -H "Origin: http://sluice.example.com" \
		--data-urlencode username=ops --data-urlencode "password=$OPS_PW" --data-urlencode next=/dags/chain)" \
		"$mode: a login from web.base_url's origin"
	assert_eq "/sluice/dags/chain|303" "$(location "$URL/login" -H "Origin: $URL" \
		--data-urlencode username=ops --data-urlencode "password=$OPS_PW" --data-urlencode next=/dags/chain | sed "s|^$URL||")" \
		"$mode: a login on the UI's own port"
	code=$(curl -sS -o "$T/page" -w '%{http_code}|%{content_type}' "$PX/sluice/login" -H "Origin: http://evil.example.com" \
		--data-urlencode username=ops --data-urlencode "password=$OPS_PW")
	assert_eq "403|text/html; charset=utf-8" "$code" "$mode: a login from another site"
	assert_contains "$(cat "$T/page")" "This login came from a page on another site than sluice&#39;s own address" "$mode: the refused login's page"
	assert_contains "$(cat "$T/scheduler.log")" "a login posted from http://evil.example.com refused" "$mode: the refused login in the log"
	# the session's cookie is named for the path: two UIs under two paths
	# of one host keep their sessions apart
	grep -q "	sluice_session_sluice	" "$jar" || fail "$mode: the session cookie is not named for the path: $(cat "$jar")"
	# and it is sent under the path alone, not to the host's other
	# applications (a jar line: host, subdomains, path, secure, expiry, name)
	assert_eq "/sluice" "$(awk '$6 == "sluice_session_sluice" { print $3 }' "$jar")" "$mode: the session cookie's path"
	for page in /sluice/ /sluice/dags/chain /sluice/dags/chain/runs/p1/tasks/b /sluice/dags/hourly/map \
		/sluice/datasets /sluice/backfills /sluice/login; do
		code=$(curl -sS -o "$T/page" -w '%{http_code}' -b "$jar" "$PX$page")
		assert_eq 200 "$code" "$mode: $page through the proxy"
		outside=$(links "$T/page" | grep -v '^/sluice/' || true)
		assert_eq "" "$outside" "$mode: $page's links outside the path"
		[ "$(links "$T/page" | wc -l)" -gt 0 ] || fail "$mode: $page has no link to look at"
		grep -q '<html data-root="/sluice"' "$T/page" || fail "$mode: $page does not tell its scripts the path"
	done
	curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$PX/sluice/api/v1/datasets" >"$T/body"
	assert_eq "/sluice/datasets/lake.events /sluice/api/v1/datasets/lake.events/partitions" \
		"$(jget '" ".join([d["datasets"][0]["page"], d["datasets"][0]["partitions"]])')" "$mode: the datasets API's links"
	assert_eq "" "$(grep '"outside": true' "$PXLOG" || true)" "$mode: requests outside the path"
done

# logging out takes the cookie off under the path (and at the host's
# root, where an older sluice set it)
csrf=$(curl -sS -b "$jar" "$PX/sluice/api/v1/me" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
out=$(curl -sS -o /dev/null -D - -b "$jar" --data-urlencode "csrf=$csrf" "$PX/sluice/logout" | tr -d '\r' | grep -i '^set-cookie:')
assert_contains "$out" "sluice_session_sluice=; Path=/sluice; HttpOnly; SameSite=Strict; Max-Age=0" "the logout's cookie"
assert_contains "$out" "sluice_session_sluice=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" "the logout's cookie at the root"

# the UI's own port still answers without the path, and its redirects
# name the path (a person goes through the proxy)
assert_eq 200 "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/health")" "/health on the UI's own port"
assert_eq "/sluice/login?next=%2Fdags%2Fchain|303" \
	"$(curl -sS -o /dev/null -w '%{redirect_url}|%{http_code}' "$URL/dags/chain" | sed "s|^$URL||")" "the UI's own port"

# the pages a person walks, in Chromium, at web.base_url's address
# (http://sluice.example.com/sluice/, which the passing proxy serves)
[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (apt-get install chromium)"
command -v node >/dev/null || skip "no node"
[ -d "$SLUICE_SRCDIR/tests/node_modules/playwright-core" ] ||
	skip "playwright-core is not installed (cd tests && npm ci)"
proxy /sluice --host sluice.example.com
SHOTS=${WEB_SHOTS:-$SLUICE_BUILDDIR/tests/shots-base-path}
mkdir -p "$SHOTS"
URL="http://sluice.example.com/sluice" BROWSER_PROXY=$PX USER=admin PASSWORD=$ADMIN_PW SHOTS=$SHOTS \
	node "$SLUICE_SRCDIR/tests/browser/base_path.mjs" || fail "browser walk failed (screenshots in $SHOTS)"
assert_eq "" "$(grep '"outside": true' "$PXLOG" || true)" "requests outside the path in Chromium"
wait_run chain by-proxy success 30
for s in 01-grid 02-task 03-map 04-users; do
	[ -s "$SHOTS/$s.png" ] || fail "no screenshot $s"
done
echo "web_base_path: ok"
