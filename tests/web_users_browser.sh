#!/bin/bash
# User management in headless Chromium, as an Airflow admin expects it:
# the admin opens Users from the nav, adds a user with a generated
# password and reads it off the page (shown once), logs out; the new user
# logs in with it, finds no Users page (403), and changes their own
# password on My account; the admin then changes their role (and cannot
# demote themselves, the last admin), makes them an API token that works,
# resets their password (their open page's next action leads to the
# login page, saying the session ended, and does nothing) and removes
# them after a confirmation that says
# what removing does; the Users page shows when each user last logged in
# and last used an API token ("never" when not), and fits a 640px
# window, its counts labelled. A viewer finds a DAG's pause button
# disabled, saying which role it needs; the audit log's actions keep
# their line. Screenshots go to $WEB_SHOTS (default: the build
# dir's tests/shots-users, kept to be looked at).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

need_browser

web_home
start_standalone
SHOTS=${WEB_SHOTS:-$SLUICE_BUILDDIR/tests/shots-users}
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
URL=$URL ADMIN_PW=$ADMIN_PW SHOTS=$SHOTS DAGS=$H/dags \
	node "$SLUICE_SRCDIR/tests/browser/users_ui.mjs" || fail "browser test failed (screenshots in $SHOTS)"
# what the journey did is in the database and the audit log as it should be
assert_eq "" "$(q "SELECT name FROM users WHERE name = 'dana'")" "dana was removed"
assert_eq 0 "$(q "SELECT count(*) FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id WHERE u.id IS NULL")" "her token went with her"
audit=$(q "SELECT action || ' ' || who FROM audit WHERE detail LIKE '%\"user\":\"dana\"%' ORDER BY id")
assert_eq "user_add web:admin
user_password web:dana
user_role web:admin
user_token web:admin
user_password web:admin
user_remove web:admin" "$audit" "the journey's audit rows"
for s in u-01-users u-02-added u-03-bad-input u-04-forbidden u-05-account u-06-role u-07-token \
	u-07b-last-used u-08-reset u-09-remove-dialog u-10-removed u-11-long-name u-12-users-640 u-13-audit-1024; do
	[ -s "$SHOTS/$s.png" ] || fail "no screenshot $s"
done
echo "web_users_browser: ok"
