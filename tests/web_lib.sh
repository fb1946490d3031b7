# tests/web_lib.sh: helpers the web tests share (sourced after setup.sh).
#
# web_home: a home with users admin/ops/viewer (passwords below) and their
# API tokens in $ADMIN_TOKEN, $OPS_TOKEN, $VIEWER_TOKEN.
# api METHOD PATH [BODY] [TOKEN]: curl the API, body in $T/body, status in
# the output. login NAME PASSWORD JAR: a session cookie into JAR, CSRF
# token into $CSRF.

ADMIN_PW=admin-password-1
OPS_PW=ops-password-1
VIEWER_PW=viewer-password-1

web_home() {
	new_home
	printf 'web: {bind: 127.0.0.1}\n' > "$H/sluice.yaml"
	echo "$ADMIN_PW" | sl users add admin --role admin --password-stdin >/dev/null
	echo "$OPS_PW" | sl users add ops --role operator --password-stdin >/dev/null
	echo "$VIEWER_PW" | sl users add viewer --role viewer --password-stdin >/dev/null
	ADMIN_TOKEN=$(sl users token admin)
	OPS_TOKEN=$(sl users token ops)
	VIEWER_TOKEN=$(sl users token viewer)
	export ADMIN_TOKEN OPS_TOKEN VIEWER_TOKEN
}

# api METHOD PATH [BODY] [TOKEN]: prints the status; the body lands in $T/body.
api() {
	local method=$1 path=$2 body=${3:-} token=${4:-$OPS_TOKEN}
	local args=(-sS -o "$T/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	curl "${args[@]}" "$URL/api/v1$path"
}

# jq-like field access with python: jget EXPR (on $T/body), e.g. jget 'd["count"]'
jget() {
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(v if not isinstance(v,(dict,list,bool)) and v is not None else json.dumps(v))' "$T/body" "$1"
}

# assert_status EXPECTED METHOD PATH [BODY] [TOKEN]
assert_status() {
	local want=$1 got
	shift
	got=$(api "$@")
	[ "$got" = "$want" ] || fail "$1 $2: expected HTTP $want, got $got: $(cat "$T/body")"
}

# login NAME PASSWORD JAR: log in through the form; sets $CSRF.
login() {
	local code
	code=$(curl -sS -o /dev/null -w '%{http_code}' -c "$3" -b "$3" \
		--data-urlencode "username=$1" --data-urlencode "password=$2" "$URL/login")
	[ "$code" = 303 ] || fail "login as $1: HTTP $code"
	CSRF=$(curl -sS -b "$3" "$URL/api/v1/me" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
}

# pct STRING: percent-encode one path segment.
pct() { /usr/bin/python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# grid_state DAG PARTITION TASK: a cell of the grid through the API.
grid_state() {
	curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/api/v1/dags/$1/grid?limit=1000" |
		/usr/bin/python3 -c '
import json,sys
g=json.load(sys.stdin); i=g["tasks"].index(sys.argv[2])
for p in g["partitions"]:
    if p["partition"]==sys.argv[1]: print(p["cells"][i][0] if p["cells"][i] else "none")
' "$2" "$3"
}

# state_is DAG PARTITION TASK STATE: for wait_for.
state_is() { [ "$(grid_state "$1" "$2" "$3")" = "$4" ]; }

# need_browser: skip (saying why) unless Debian's Chromium, node and
# playwright-core are here, as the Chromium journeys need.
need_browser() {
	[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (apt-get install chromium)"
	command -v node >/dev/null || skip "no node"
	[ -d "$SLUICE_SRCDIR/tests/node_modules/playwright-core" ] ||
		skip "playwright-core is not installed (cd tests && npm ci)"
}
