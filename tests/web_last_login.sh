#!/bin/bash
# Which accounts are in use: each user's last login through the form and
# the last use of one of their API tokens, in GET /api/v1/users, on the
# Users page and in `sluice users list` (and --json). A failed login or an
# unknown token changes neither; a token used many times in a minute is
# written once (at most once a minute, never on every call); migration
# 0015 fills the last login of a database made before it from the
# sessions it kept. Its own server: the failed logins here must not meet
# the limits web_users.sh tests.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
echo lena-password-1 | sl users add lena --role viewer --password-stdin >/dev/null
start_standalone

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# user_field NAME FIELD: a field of a user in GET /users (as admin).
user_field() {
	api GET /users "" "$ADMIN_TOKEN" >/dev/null
	jget "[u[\"$2\"] for u in d[\"users\"] if u[\"name\"] == \"$1\"][0]"
}
login_code() {
	curl -sS -o /dev/null -w '%{http_code}' --data-urlencode "username=$1" \
		--data-urlencode "password=$2" "$URL/login"
}
# between LO HI VALUE WHAT: LO <= VALUE <= HI
between() {
	[ "$3" -ge "$1" ] && [ "$3" -le "$2" ] || fail "$4: $3 is not within [$1, $2]"
}
# the users page's cell CLASS of NAME's row, its tags removed
cell() {
	/usr/bin/python3 - "$T/page" "$1" "$2" <<'PY'
import re, sys
html = open(sys.argv[1]).read()
row = re.search(r'<tr data-user="%s".*?</tr>' % re.escape(sys.argv[2]), html).group(0)
td = re.search(r'<td class="%s">(.*?)</td>' % re.escape(sys.argv[3]), row).group(1)
print(re.sub(r'<[^>]+>', '', td))
PY
}
users_page() {
	curl -sS -o "$T/page" -w '%{http_code}' -b "$T/admin.jar" "$URL/users"
}

# --- never: a new user has no login and no token use ---
assert_eq null "$(user_field lena last_login_at)" "a new user has not logged in"
assert_eq null "$(user_field lena last_token_used_at)" "nor used a token"
assert_eq null "$(user_field ops last_login_at)" "ops has not logged in"

# --- a failed login changes nothing; a successful one is recorded ---
assert_eq 401 "$(login_code lena wrong-password-1)" "a wrong password"
assert_eq 401 "$(login_code nobody wrong-password-1)" "an unknown user"
assert_eq "" "$(q "SELECT last_login_at FROM users WHERE name = 'lena'")" "a failed login records no login"
t0=$(now_ms)
assert_eq 303 "$(login_code lena lena-password-1)" "lena logs in"
t1=$(now_ms)
first=$(user_field lena last_login_at)
between "$t0" "$t1" "$first" "lena's last login is the time she logged in"
assert_eq 401 "$(login_code lena wrong-password-2)" "a wrong password after it"
assert_eq "$first" "$(user_field lena last_login_at)" "a failed login leaves the last login"
assert_eq null "$(user_field lena last_token_used_at)" "a login is not a token use"
login admin "$ADMIN_PW" "$T/admin.jar"
between "$t0" "$(now_ms)" "$(user_field admin last_login_at)" "the admin's login"

# --- a token's use: written once a minute at most ---
LENA_TOKEN=$(sl users token lena)
assert_eq null "$(user_field lena last_token_used_at)" "a new token is unused"
assert_status 401 GET /me "" "slk_0000000000000000000000000000000000000000000000000000000000000000"
assert_eq "" "$(q "SELECT group_concat(last_used_at) FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.name = 'lena'")" \
	"an unknown token is no use of lena's"
t0=$(now_ms)
assert_status 200 GET /me "" "$LENA_TOKEN"
t1=$(now_ms)
used=$(q "SELECT last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.name = 'lena'")
between "$t0" "$t1" "$used" "the token's first use is recorded"
assert_eq "$used" "$(user_field lena last_token_used_at)" "the API says when"
assert_eq "$first" "$(user_field lena last_login_at)" "a token use is not a login"
# many calls in the minute after it: no write (the value stays, and
# lena's token row is not rewritten: its last_used_at is the first use's)
changes0=$(q "SELECT last_used_at FROM api_tokens")
for i in 1 2 3 4 5 6 7 8; do assert_status 200 GET /dags "" "$LENA_TOKEN"; done
assert_eq "$changes0" "$(q "SELECT last_used_at FROM api_tokens")" "calls within a minute write nothing"
# 30 s ago (another process's write, say): still within the minute
q "UPDATE api_tokens SET last_used_at = $(($(now_ms) - 30000)) WHERE prefix = '${LENA_TOKEN:0:10}'"
held=$(q "SELECT last_used_at FROM api_tokens WHERE prefix = '${LENA_TOKEN:0:10}'")
assert_status 200 GET /me "" "$LENA_TOKEN"
assert_eq "$held" "$(q "SELECT last_used_at FROM api_tokens WHERE prefix = '${LENA_TOKEN:0:10}'")" \
	"a use 30 s after the last recorded one is not written"
# two minutes ago: the next call records it again
q "UPDATE api_tokens SET last_used_at = $(($(now_ms) - 120000)) WHERE prefix = '${LENA_TOKEN:0:10}'"
t0=$(now_ms)
assert_status 200 GET /me "" "$LENA_TOKEN"
t1=$(now_ms)
between "$t0" "$t1" "$(user_field lena last_token_used_at)" "a use a minute after the last recorded one is written"
# a recorded use in the future (a clock set back) is corrected
q "UPDATE api_tokens SET last_used_at = $(($(now_ms) + 3600000)) WHERE prefix = '${LENA_TOKEN:0:10}'"
t0=$(now_ms)
assert_status 200 GET /me "" "$LENA_TOKEN"
between "$t0" "$(now_ms)" "$(user_field lena last_token_used_at)" "a use recorded in the future is put right"
# of two tokens, the newest use is the user's
OPS2=$(sl users token ops)
q "UPDATE api_tokens SET last_used_at = 1000 WHERE prefix = '${OPS_TOKEN:0:10}'"
q "UPDATE api_tokens SET last_used_at = 5000 WHERE prefix = '${OPS2:0:10}'"
assert_eq 5000 "$(user_field ops last_token_used_at)" "the newest use of any of the user's tokens"

# --- the Users page: how long ago and when, or never ---
assert_eq 200 "$(users_page)" "the users page"
login_cell=$(cell lena user-last-login)
case "$login_cell" in "just now "*|"1 minute ago "*) ;; *) fail "lena's last login cell: $login_cell" ;; esac
iso=$(/usr/bin/python3 -c 'import sys,datetime; print(datetime.datetime.fromtimestamp(int(sys.argv[1])//1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$first")
# the page writes it as the CLI does, +00:00, never Z (the datetime
# attribute, for machines, keeps its Z)
assert_contains "$login_cell" "${iso%Z}+00:00" "the absolute time, with its offset (+00:00)"
assert_not_contains "$login_cell" "$iso" "not with Z"
assert_contains "$(cat "$T/page")" "<time datetime=\"$iso\" title=\"${iso%Z}+00:00 (UTC)\">" "as a <time>"
assert_eq never "$(cell ops user-last-login)" "ops never logged in"
assert_eq never "$(cell viewer user-token-used)" "viewer's token was never used"
case "$(cell ops user-token-used)" in *" days ago 1970-01-01T00:00:05+00:00") ;; *) fail "ops' token use: $(cell ops user-token-used)" ;; esac
assert_contains "$(cell lena user-token-used)" "just now" "lena's token was used just now"
assert_contains "$(cat "$T/page")" "<th title=\"the last login through the login form\">Last login</th>" "the column"

# --- sluice users list, and --json ---
out=$(sl users list)
assert_contains "$out" "LAST LOGIN" "the CLI's column"
line=$(grep '^lena ' <<<"$out")
# the CLI writes every time as partition keys are: +00:00, not Z
cli_iso="${iso%Z}+00:00"
case "$line" in *" $cli_iso (just now) "*|*" $cli_iso (1 minute ago) "*) ;;
*) fail "the CLI: when lena logged in, with its offset, and how long ago: $line" ;; esac
line=$(grep '^ops ' <<<"$out")
assert_contains "$line" " never " "the CLI: never logged in"
assert_contains "$line" "1970-01-01T00:00:05+00:00 (" "the CLI: ops' token use"
[ "$(grep '^viewer ' <<<"$out" | grep -o never | wc -l)" = 2 ] || fail "viewer: never twice: $out"
# the columns hold their longest value: a 64-character name and a long
# LAST LOGIN push nothing out of line
long=$(printf 'u%.0s' $(seq 64))
sl users add "$long" --role viewer >/dev/null
out=$(sl users list)
/usr/bin/python3 - "$out" <<'PY' || fail "the columns of users list are not aligned: $out"
import sys
lines = sys.argv[1].splitlines()
head = lines[0]
for col in ("ROLE", "LAST LOGIN", "TOKEN LAST USED"):
    at = head.index(col)
    for l in lines[1:]:
        assert l[at - 1] == " " and l[at] != " ", (col, l)
PY
sl users remove "$long" >/dev/null
# `users list NAME` is not a filter that returns everyone: said
set +e
sl users list lena >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "exit code of users list with a name"
assert_contains "$(cat "$T/err")" "unexpected argument 'lena' (users list lists everyone)"
sl --json users list >"$T/body"
assert_eq "$first" "$(jget '[u for u in d if u["name"] == "lena"][0]["last_login_at"]')" "--json last_login_at"
assert_eq "null 5000" "$(jget '" ".join(json.dumps([u for u in d if u["name"] == "ops"][0][k]) for k in ("last_login_at", "last_token_used_at"))')" \
	"--json: null for never"

# --- migration 0015 on a database made before it: the newest session ---
sqlite3 "$H/sluice.db" ".backup '$T/old.db'"
sqlite3 "$T/old.db" "ALTER TABLE users DROP COLUMN last_login_at; DELETE FROM schema_migrations WHERE version = 15;"
mkdir -p "$T/old"
echo "database: $T/old.db" >"$T/old/sluice.yaml"
"$SLUICE" --home "$T/old" db migrate >/dev/null
assert_eq "$(q "SELECT max(s.created_at) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'lena'")" \
	"$(sqlite3 "$T/old.db" "SELECT last_login_at FROM users WHERE name = 'lena'")" "0015: lena's newest session is her last login"
assert_eq "" "$(sqlite3 "$T/old.db" "SELECT last_login_at FROM users WHERE name = 'ops'")" "0015: no session, no login"
echo "web_last_login: ok"
