#!/bin/bash
# User management through the API that the Users page and My account use:
# who may call it (admins; anyone for their own password), add / role /
# password / token / remove, the guard rails the CLI shares (the last
# admin, oneself), bad input that changes nothing and says why, a token
# made here that works, a reset password that logs in while the old one
# does not, and audit rows of every change without any secret in them.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
start_standalone

# user_field NAME FIELD: a field of a user in GET /users (as admin).
user_field() {
	api GET /users "" "$ADMIN_TOKEN" >/dev/null
	jget "[u[\"$2\"] for u in d[\"users\"] if u[\"name\"] == \"$1\"][0]"
}
# login_code NAME PASSWORD: the status of a login through the form.
login_code() {
	curl -sS -o /dev/null -w '%{http_code}' --data-urlencode "username=$1" \
		--data-urlencode "password=$2" "$URL/login"
}
# me_code JAR: the status of GET /api/v1/me with a session cookie.
me_code() { curl -sS -o /dev/null -w '%{http_code}' -b "$1" "$URL/api/v1/me"; }
# account BODY JAR CSRF: POST /api/v1/account/password with a session.
account() {
	curl -sS -o "$T/body" -w '%{http_code}' -b "$2" -H "X-CSRF-Token: $3" \
		-H 'Content-Type: application/json' --data-binary "$1" "$URL/api/v1/account/password"
}
# page PATH JAR: a page with a session; status in $T/page.code.
page() { curl -sS -o "$T/page" -w '%{http_code}' -b "$2" "$URL$1" > "$T/page.code"; cat "$T/page"; }

# --- who may: the users API is for admins, /account for anyone ---
for tok in "$OPS_TOKEN" "$VIEWER_TOKEN"; do
	assert_status 403 GET /users "" "$tok"
	assert_status 403 POST /users '{"name":"x1","role":"admin","generate_password":true}' "$tok"
	assert_status 403 POST /users/viewer/role '{"role":"admin"}' "$tok"
	assert_status 403 POST /users/viewer/password '{"generate_password":true}' "$tok"
	assert_status 403 POST /users/viewer/tokens '{}' "$tok"
	assert_status 403 DELETE /users/viewer "" "$tok"
	# "an operator", "an admin" (it said "is a operator; this needs admin")
	case $tok in
	"$OPS_TOKEN") want="user ops is an operator; this needs an admin" ;;
	*) want="user viewer is a viewer; this needs an admin" ;;
	esac
	assert_contains "$(cat "$T/body")" "$want" "the 403 says what is needed"
done
assert_eq viewer "$(user_field viewer role)" "a viewer cannot make itself an admin"
assert_eq 401 "$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/users/viewer/role")" "no login"
assert_status 405 GET /users/viewer/role "" "$ADMIN_TOKEN"
login admin "$ADMIN_PW" "$T/admin.jar"; ADMIN_CSRF=$CSRF
login viewer "$VIEWER_PW" "$T/viewer.jar"
login ops "$OPS_PW" "$T/ops.jar"
# a cookie call needs the session's CSRF token, as every change does
code=$(curl -sS -o "$T/body" -w '%{http_code}' -b "$T/admin.jar" -H 'Content-Type: application/json' \
	--data-binary '{"role":"admin"}' "$URL/api/v1/users/viewer/role")
assert_eq 403 "$code" "a role change without the CSRF token"
assert_eq viewer "$(user_field viewer role)" "nothing changed without the CSRF token"
# the pages: /users is an admin's (an HTML 403 for others), its link too
page /users "$T/ops.jar" >/dev/null
assert_eq 403 "$(cat "$T/page.code")" "/users for an operator"
assert_contains "$(cat "$T/page")" "This page needs the admin role" "the 403 page says why"
assert_contains "$(cat "$T/page")" "<h1>Forbidden</h1>" "the 403 is a page"
page /users "$T/viewer.jar" >/dev/null
assert_eq 403 "$(cat "$T/page.code")" "/users for a viewer"
assert_not_contains "$(page / "$T/viewer.jar")" 'href="/users"' "no Users link for a viewer"
assert_not_contains "$(page / "$T/ops.jar")" 'href="/users"' "no Users link for an operator"
assert_contains "$(page / "$T/admin.jar")" 'href="/users"' "a Users link for an admin"
assert_contains "$(page / "$T/viewer.jar")" 'href="/account"' "the user name links to My account"
out=$(page /users "$T/admin.jar")
assert_eq 200 "$(cat "$T/page.code")" "/users for an admin"
for u in admin ops viewer; do assert_contains "$out" "data-user=\"$u\"" "the users page lists $u"; done
out=$(page /account "$T/viewer.jar")
assert_eq 200 "$(cat "$T/page.code")" "/account for a viewer"
assert_contains "$out" '<span id="account-role">viewer</span>' "My account shows the role"

# --- add: a generated password (shown once) or one typed twice ---
assert_status 201 POST /users '{"name":"ana","role":"viewer","generate_password":true}' "$ADMIN_TOKEN"
ANA_PW=$(jget 'd["password"]')
assert_eq 20 "${#ANA_PW}" "a generated password is 20 characters"
assert_eq viewer "$(jget 'd["role"]')" "added as a viewer"
login ana "$ANA_PW" "$T/ana.jar"
assert_status 201 POST /users '{"name":"bob","role":"operator","password":"bob-password-1","password_confirm":"bob-password-1"}' "$ADMIN_TOKEN"
assert_not_contains "$(cat "$T/body")" "password" "a typed password is not sent back"
assert_eq 303 "$(login_code bob bob-password-1)" "bob logs in with the typed password"

# --- bad input: a clear message, and nothing changes ---
users0=$(q "SELECT group_concat(name || ':' || role || ':' || password_hash, ',') FROM users")
audit0=$(q "SELECT count(*) FROM audit")
while IFS='|' read -r want body message; do
	assert_status "$want" POST /users "$body" "$ADMIN_TOKEN"
	assert_contains "$(cat "$T/body")" "$message" "POST /users $body"
	assert_eq "$want" "$(jget 'd["status"]')" "the error's status field"
done <<'CASES'
400|{"name":"","role":"viewer","generate_password":true}|a user needs a name
400|{"role":"viewer","generate_password":true}|a user needs a name
400|{"name":"has space","role":"viewer","generate_password":true}|'has space' is not a user name (1-64 characters: letters, digits, . _ @ -, not starting with a dot)
400|{"name":"..","role":"viewer","generate_password":true}|'..' is not a user name (1-64 characters: letters, digits, . _ @ -, not starting with a dot)
400|{"name":".","role":"viewer","generate_password":true}|'.' is not a user name
400|{"name":".hidden","role":"viewer","generate_password":true}|'.hidden' is not a user name
400|{"name":"a/b","role":"viewer","generate_password":true}|'a/b' is not a user name
400|{"name":"<script>alert(1)</script>","role":"viewer","generate_password":true}|is not a user name
400|{"name":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","role":"viewer","generate_password":true}|at most 64 characters
400|{"name":"carl","role":"root","generate_password":true}|the role must be viewer, operator or admin
400|{"name":"carl","generate_password":true}|the role must be viewer, operator or admin
400|{"name":"carl","role":"viewer","password":"carl-pass-1","password_confirm":"carl-pass-2"}|the two new passwords differ
400|{"name":"carl","role":"viewer","password":"short","password_confirm":"short"}|a password needs at least 8 characters
400|{"name":"carl","role":"viewer"}|a new password is needed
400|{"name":"carl","role":"viewer","password":"carl-pass-1","generate_password":true}|either a password or generate_password
400|{"name":"carl","role":"viewer","password":12345678}|a password is a string
409|{"name":"ana","role":"admin","generate_password":true}|a user named ana already exists
CASES
assert_status 400 POST /users '["not an object"]' "$ADMIN_TOKEN"
assert_eq "$users0" "$(q "SELECT group_concat(name || ':' || role || ':' || password_hash, ',') FROM users")" "bad input changed no user"
assert_eq "$audit0" "$(q "SELECT count(*) FROM audit")" "bad input wrote no audit row"
assert_eq "application/json" "$(curl -sS -o /dev/null -w '%{content_type}' -H "Authorization: Bearer $ADMIN_TOKEN" \
	-H 'Content-Type: application/json' --data-binary '{"name":"<b>x</b>","role":"viewer","generate_password":true}' "$URL/api/v1/users")" \
	"a refusal naming markup is JSON, not HTML"

# --- a role: at once, for sessions already open ---
assert_eq viewer "$(curl -sS -b "$T/ana.jar" "$URL/api/v1/me" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["role"])')" "ana is a viewer"
assert_status 200 POST /users/ana/role '{"role":"operator"}' "$ADMIN_TOKEN"
assert_eq operator "$(jget 'd["role"]')" "the reply says the new role"
assert_eq operator "$(user_field ana role)" "ana is an operator"
assert_eq operator "$(curl -sS -b "$T/ana.jar" "$URL/api/v1/me" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["role"])')" "ana's open session has the new role"
assert_status 400 POST /users/ana/role '{"role":"god"}' "$ADMIN_TOKEN"
assert_contains "$(cat "$T/body")" "the role must be viewer, operator or admin" "an unknown role"
assert_status 400 POST /users/ana/role '{}' "$ADMIN_TOKEN"
assert_status 404 POST /users/nobody/role '{"role":"viewer"}' "$ADMIN_TOKEN"
assert_contains "$(cat "$T/body")" "no user nobody" "an unknown user"
assert_eq operator "$(user_field ana role)" "refusals left ana's role"

# --- the guard rails: the last admin, oneself (API and CLI alike) ---
assert_status 409 POST /users/admin/role '{"role":"viewer"}' "$ADMIN_TOKEN"
assert_contains "$(cat "$T/body")" "admin is the last admin" "the last admin is not demoted (API)"
assert_eq admin "$(user_field admin role)" "still an admin"
rc=0; sl users role admin --role operator >"$T/cli.out" 2>&1 || rc=$?
assert_eq 2 "$rc" "the CLI refuses to demote the last admin (2: the person's request)"
assert_contains "$(cat "$T/cli.out")" "admin is the last admin" "the CLI says why"
assert_eq admin "$(user_field admin role)" "still an admin after the CLI"
assert_status 409 DELETE /users/admin "" "$ADMIN_TOKEN"
assert_contains "$(cat "$T/body")" "admin is the last admin: make another user an admin first" \
	"the only admin removing themselves hears that another admin is needed"
assert_status 409 POST /users/admin/password '{"generate_password":true}' "$ADMIN_TOKEN"
assert_contains "$(cat "$T/body")" "My account" "one's own password is changed on My account"
# with a second admin, either can be demoted; the CLI changes roles too
assert_status 200 POST /users/bob/role '{"role":"admin"}' "$ADMIN_TOKEN"
assert_status 409 DELETE /users/admin "" "$ADMIN_TOKEN"
assert_contains "$(cat "$T/body")" "you cannot remove yourself: another admin can" "an admin does not remove themselves"
assert_eq admin "$(user_field admin role)" "the admin is still there"
assert_status 200 POST /users/bob/role '{"role":"viewer"}' "$ADMIN_TOKEN"
assert_eq "bob is now an operator" "$(sl users role bob --role operator)" "the CLI's role"
assert_eq operator "$(user_field bob role)" "bob is an operator again"
rc=0; sl users role bob --role boss >"$T/cli.out" 2>&1 || rc=$?
assert_eq 2 "$rc" "the CLI refuses an unknown role"
assert_contains "$(head -1 "$T/cli.out")" "--role: expected viewer, operator or admin, got 'boss'" "the roles named"
rc=0; sl users role bob --role admn >"$T/cli.out" 2>&1 || rc=$?
assert_eq 2 "$rc" "the CLI refuses a misspelt role"
assert_contains "$(head -1 "$T/cli.out")" "got 'admn' (did you mean 'admin'?)" "the role meant"
assert_eq operator "$(user_field bob role)" "a refused role changes nothing"
# no --role: the error says what is missing (it repeated the usage line)
rc=0; sl users role bob >"$T/cli.out" 2>&1 || rc=$?
assert_eq 2 "$rc" "users role without --role"
assert_eq "sluice users: users role needs the new role: --role viewer, operator or admin" \
	"$(head -1 "$T/cli.out")" "users role without --role: what is missing"
rc=0; sl users add "bad name" --role viewer >"$T/cli.out" 2>&1 || rc=$?
assert_eq 2 "$rc" "the CLI refuses a bad name"
# an unknown user is an input error (2), as an unknown DAG is
for sub in remove token passwd; do
	rc=0; echo pw-long-enough | sl users $sub nobody --password-stdin >"$T/cli2.out" 2>&1 || rc=$?
	[ $sub = passwd ] || { rc=0; sl users $sub nobody >"$T/cli2.out" 2>&1 || rc=$?; }
	assert_eq 2 "$rc" "users $sub of an unknown user exits 2"
	assert_contains "$(cat "$T/cli2.out")" "no user nobody" "users $sub says who is unknown"
done
assert_contains "$(cat "$T/cli.out")" "'bad name' is not a user name (1-64 characters: letters, digits, . _ @ -, not starting with a dot)" "the CLI's message is the API's"
for name in . ..; do
	rc=0; sl users add "$name" --role viewer >"$T/cli.out" 2>&1 || rc=$?
	assert_eq 2 "$rc" "the CLI refuses the name $name"
	assert_contains "$(cat "$T/cli.out")" "'$name' is not a user name (1-64 characters: letters, digits, . _ @ -, not starting with a dot)" "users add $name"
done
assert_eq 0 "$(q "SELECT count(*) FROM users WHERE name LIKE '.%'")" "users named with a dot first"

# --- reset a password: the new one logs in, the old does not; sessions end ---
login ana "$ANA_PW" "$T/ana2.jar"
assert_status 400 POST /users/ana/password '{"password":"ana-new-pass-1","password_confirm":"ana-new-pass-2"}' "$ADMIN_TOKEN"
assert_contains "$(cat "$T/body")" "the two new passwords differ" "a reset with two different passwords"
assert_status 400 POST /users/ana/password '{"password":"short"}' "$ADMIN_TOKEN"
assert_status 404 POST /users/nobody/password '{"generate_password":true}' "$ADMIN_TOKEN"
assert_eq 200 "$(me_code "$T/ana.jar")" "refused resets ended no session"
assert_status 200 POST /users/ana/password '{"generate_password":true}' "$ADMIN_TOKEN"
ANA_PW2=$(jget 'd["password"]')
[ -n "$ANA_PW2" ] && [ "$ANA_PW2" != "$ANA_PW" ] || fail "a new generated password"
assert_eq 401 "$(me_code "$T/ana.jar")" "a reset ends ana's sessions"
assert_eq 401 "$(me_code "$T/ana2.jar")" "a reset ends every session of ana"
assert_eq 200 "$(me_code "$T/admin.jar")" "the admin's session stays"
assert_eq 401 "$(login_code ana "$ANA_PW")" "the old password no longer logs in"
assert_eq 303 "$(login_code ana "$ANA_PW2")" "the new password logs in"
assert_status 200 POST /users/bob/password '{"password":"bob-password-2","password_confirm":"bob-password-2"}' "$ADMIN_TOKEN"
assert_not_contains "$(cat "$T/body")" "bob-password-2" "a typed password is not sent back"

# --- a new API token: shown once, and it works ---
assert_status 201 POST /users/ana/tokens '{}' "$ADMIN_TOKEN"
ANA_TOKEN=$(jget 'd["token"]')
case "$ANA_TOKEN" in slk_*) ;; *) fail "a token: $ANA_TOKEN" ;; esac
assert_eq "Authorization: Bearer $ANA_TOKEN" "$(jget 'd["header"]')" "how to use it"
assert_status 200 GET /me "" "$ANA_TOKEN"
assert_eq ana "$(jget 'd["user"]')" "the token acts as ana"
assert_eq operator "$(jget 'd["role"]')" "with ana's role"
assert_status 200 GET /dags "" "$ANA_TOKEN"
assert_eq 1 "$(user_field ana tokens)" "the list counts ana's token"
assert_status 404 POST /users/nobody/tokens '{}' "$ADMIN_TOKEN"
# a body with a field, or not an object: refused, no token made (any
# body made one)
for body in '{"name":"x"}' '{"expires":"1d"}' '[]' 'nope'; do
	assert_status 400 POST /users/ana/tokens "$body" "$ADMIN_TOKEN"
done
assert_contains "$(cat "$T/body")" "the body is not JSON" "a token's body that is not JSON"
assert_status 400 POST /users/ana/tokens '{"expires":"1d"}' "$ADMIN_TOKEN"
assert_contains "$(cat "$T/body")" "unknown field 'expires' in the body: a new token takes none" "a token's unknown field"
assert_eq 1 "$(user_field ana tokens)" "no token made by the refused bodies"
assert_eq 0 "$(q "SELECT count(*) FROM api_tokens WHERE token_hash = '$ANA_TOKEN'")" "the token is not stored"

# --- My account: one's own password, the current one first ---
login ana "$ANA_PW2" "$T/ana3.jar"; ANA_CSRF=$CSRF
login ana "$ANA_PW2" "$T/ana4.jar"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -b "$T/ana3.jar" -H 'Content-Type: application/json' \
	--data-binary '{"current":"x","password":"ana-own-pass-1","password_confirm":"ana-own-pass-1"}' "$URL/api/v1/account/password")
assert_eq 403 "$code" "My account's change needs the CSRF token"
hash0=$(q "SELECT password_hash FROM users WHERE name = 'ana'")
assert_eq 400 "$(account '{"current":"not-it-at-all","password":"ana-own-pass-1","password_confirm":"ana-own-pass-1"}' "$T/ana3.jar" "$ANA_CSRF")" "a wrong current password"
assert_contains "$(cat "$T/body")" "the current password is wrong" "says so"
assert_eq 400 "$(account "{\"current\":\"$ANA_PW2\",\"password\":\"ana-own-pass-1\",\"password_confirm\":\"ana-own-pass-2\"}" "$T/ana3.jar" "$ANA_CSRF")" "two different new passwords"
assert_contains "$(cat "$T/body")" "the two new passwords differ" "says so"
assert_eq 400 "$(account "{\"current\":\"$ANA_PW2\",\"password\":\"short\",\"password_confirm\":\"short\"}" "$T/ana3.jar" "$ANA_CSRF")" "a short new password"
assert_contains "$(cat "$T/body")" "at least 8 characters" "says so"
assert_eq 400 "$(account "{\"password\":\"ana-own-pass-1\"}" "$T/ana3.jar" "$ANA_CSRF")" "no current password"
assert_contains "$(cat "$T/body")" "your current password is needed" "says so"
assert_eq 400 "$(account "{\"current\":\"$ANA_PW2\",\"generate_password\":true}" "$T/ana3.jar" "$ANA_CSRF")" "not generated on My account"
assert_eq "$hash0" "$(q "SELECT password_hash FROM users WHERE name = 'ana'")" "refusals changed no password"
assert_eq 200 "$(me_code "$T/ana4.jar")" "refusals ended no session"
assert_eq 200 "$(account "{\"current\":\"$ANA_PW2\",\"password\":\"ana-own-pass-1\",\"password_confirm\":\"ana-own-pass-1\"}" "$T/ana3.jar" "$ANA_CSRF")" "ana changes her password"
assert_eq 200 "$(me_code "$T/ana3.jar")" "the session it was changed from stays"
assert_eq 401 "$(me_code "$T/ana4.jar")" "her other sessions end"
assert_status 200 GET /me "" "$ANA_TOKEN"
assert_eq 303 "$(login_code ana ana-own-pass-1)" "the new password logs in"
assert_eq 401 "$(login_code ana "$ANA_PW2")" "the old one does not"

# --- remove: sessions end, tokens are revoked ---
assert_status 404 DELETE /users/nobody "" "$ADMIN_TOKEN"
assert_status 200 DELETE /users/ana "" "$ADMIN_TOKEN"
assert_eq true "$(jget 'd["removed"]')" "removed"
assert_eq 401 "$(me_code "$T/ana3.jar")" "a removed user's session ends"
assert_status 401 GET /me "" "$ANA_TOKEN"
assert_eq "" "$(user_field bob name >/dev/null; q "SELECT name FROM users WHERE name = 'ana'")" "ana is gone"
assert_eq 0 "$(q "SELECT count(*) FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id WHERE u.id IS NULL")" "no orphan token"
sl users remove bob >/dev/null

# --- the audit log: every change, who made it, no secret ---
audit=$(q "SELECT action || ' ' || who || ' ' || coalesce(detail, '') FROM audit WHERE action LIKE 'user_%' ORDER BY id")
for line in 'user_add web:admin {"user":"ana","role":"viewer"}' \
	'user_add web:admin {"user":"bob","role":"operator"}' \
	'user_role web:admin {"user":"ana","role":"operator","was":"viewer"}' \
	'user_role web:admin {"user":"bob","role":"admin","was":"operator"}' \
	"user_role cli:$(id -un) {\"user\":\"bob\",\"role\":\"operator\",\"was\":\"viewer\"}" \
	'user_password web:admin {"user":"ana","sessions_ended":2}' \
	'user_token web:admin {"user":"ana"}' \
	'user_password web:ana {"user":"ana","sessions_ended":2}' \
	'user_remove web:admin {"user":"ana","role":"operator"}' \
	"user_remove cli:$(id -un) {\"user\":\"bob\",\"role\":\"operator\"}" \
	"user_add cli:$(id -un) {\"user\":\"admin\",\"role\":\"admin\"}" \
	"user_token cli:$(id -un) {\"user\":\"ops\"}"; do
	assert_contains "$audit" "$line" "audited: $line"
done
assert_eq 0 "$(q "SELECT count(*) FROM audit WHERE action = 'user_role' AND detail LIKE '%\"user\":\"admin\"%'")" "a refused change is not audited"
api GET "/audit?limit=1000" "" "$VIEWER_TOKEN" >/dev/null
cp "$T/body" "$T/audit.json"
page "/audit" "$T/admin.jar" > "$T/audit.html"
for secret in "$ANA_PW" "$ANA_PW2" ana-own-pass-1 bob-password-1 bob-password-2 "$ANA_TOKEN" \
	"${ANA_TOKEN#slk_}" "$ADMIN_TOKEN" "$ADMIN_PW"; do
	for f in "$T/audit.json" "$T/audit.html" "$T/scheduler.log"; do
		assert_not_contains "$(cat "$f")" "$secret" "no secret in $(basename "$f")"
	done
	assert_eq 0 "$(q "SELECT count(*) FROM audit WHERE instr(coalesce(detail, '') || who, '$secret') > 0")" "no secret in the audit table"
done

# --- wrong current passwords are limited as logins are ---
login viewer "$VIEWER_PW" "$T/viewer2.jar"; V_CSRF=$CSRF
seen=""
for i in 1 2 3 4 5 6; do
	code=$(account '{"current":"wrong-wrong-wrong","password":"viewer-new-pass","password_confirm":"viewer-new-pass"}' "$T/viewer2.jar" "$V_CSRF")
	[ "$code" = 429 ] && { seen=1; break; }
	assert_eq 400 "$code" "a wrong current password ($i)"
done
assert_eq 1 "$seen" "guessing the current password is limited (429)"
assert_eq 200 "$(me_code "$T/viewer2.jar")" "the session stays"
echo "web_users: ok"
