#!/bin/bash
# A new home has no user yet (a package's home, a `sluice web` started
# before any `users add`): the web's log says how to add the first one,
# with the home's path; the login page says so too, without the path;
# once an admin is added the note is gone and the admin logs in.
. "$SLUICE_SRCDIR/tests/setup.sh"

new_home
sl db migrate >/dev/null
start_web
assert_contains "$(cat "$T/web.log")" "web: no one can log in yet: add the first user with \`sluice --home $H users add NAME --role admin\`" \
	"the web's log says how to add the first user"
page=$(curl -sS "$WURL/login")
assert_contains "$page" 'id="login-first">No one can log in yet. On the server, add the first user' "the login page says so"
assert_contains "$page" "<code>sluice users add NAME --role admin</code>" "with the command"
assert_not_contains "$page" "$H" "not the home's path"

echo 'first-password-1' | sl users add ada --role admin --password-stdin >/dev/null
page=$(curl -sS "$WURL/login")
assert_not_contains "$page" "login-first" "with a user, no note"
code=$(curl -sS -o /dev/null -w '%{http_code}' --data-urlencode "username=ada" \
	--data-urlencode "password=first-password-1" "$WURL/login")
assert_eq 303 "$code" "the first admin logs in"
stop_pid "$WPID"
# a home with a user: no such line
start_web
# (the log is appended to: the first start's line stays, alone)
assert_eq 1 "$(grep -c 'no one can log in yet' "$T/web.log")" "a home with users: nothing said"
echo "web_first_user: ok"
