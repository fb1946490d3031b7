#!/bin/bash
# root running a CLI verb on a home another user owns (the Debian
# package's /var/lib/sluice, owned by sluice): a verb that would make the
# database (there is none yet) or another file beside it (db restore's
# copy of the database it replaces) is refused as the scheduler and the
# web are ("belongs to the user X: ... runuser -u X -- ..."), making
# nothing; on the database the user made, read-only verbs and writes
# run, and the user can still open it after (the -wal and -shm SQLite
# makes as root are the database file's owner's).
. "$SLUICE_SRCDIR/tests/setup.sh"
[ "$(id -u)" = 0 ] || skip "runs as root (runuser -u nobody)"
command -v runuser >/dev/null || skip "no runuser"
chmod 755 "$T"
new_home
cat >"$H/dags/d.yaml" <<'YAML'
dag: d
schedule: none
tasks:
  a: {command: 'true'}
YAML
chown -R nobody "$H"
as_nobody() { runuser -u nobody -- "$SLUICE" --home "$H" "$@"; }

# no database yet: every verb that would make it is refused
for verb in "dags list" "users list" "runs d" "trigger d --partition p1" "db migrate" "db check"; do
	rc=0
	# shellcheck disable=SC2086
	out=$(sl $verb 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "root's $verb ran on nobody's home: $out"
	assert_contains "$out" "sluice: $H belongs to the user nobody: a ${verb%% *} run as root would make files there that nobody cannot write (a new database $H/sluice.db" "root's $verb"
	assert_contains "$out" "runuser -u nobody -- sluice --home $H ${verb%% *}" "root's $verb"
	[ ! -e "$H/sluice.db" ] || fail "root's $verb made $H/sluice.db"
done
assert_eq "" "$(find "$H" -user root)" "files root made in nobody's home"

# the user's database: root reads it, and writes it, and the user goes on
as_nobody db migrate >/dev/null || fail "nobody's db migrate"
as_nobody dags unpause d >/dev/null 2>&1 || true
for verb in "dags list" "users list" "runs d" "db check" "db version" "trigger d --partition p1"; do
	# shellcheck disable=SC2086
	out=$(sl $verb 2>&1) || fail "root's $verb on nobody's database: $out"
done
assert_eq "" "$(find "$H" -user root)" "files root's verbs made in nobody's home"
out=$(as_nobody runs d 2>&1) || fail "nobody's runs after root's: $out"
assert_contains "$out" "p1" "nobody sees the run root triggered"

# restore keeps a copy of the database it replaces beside it: refused
sl db backup "$T/bk.db" >/dev/null
rc=0; out=$(sl db restore "$T/bk.db" 2>&1) || rc=$?
assert_eq 1 "$rc" "root's restore on nobody's home"
assert_contains "$out" "a db run as root would make files there that nobody cannot write (a copy of the database it replaces" "root's restore"
assert_eq "" "$(find "$H" -user root)" "files root's restore made in nobody's home"
# with --force it writes into nobody's database and makes no copy: it
# runs, and the database's lock file it takes is nobody's (nobody's
# scheduler opens it for writing)
rm -f "$H/sluice.db-scheduler.lock"
out=$(sl db restore --force "$T/bk.db" 2>&1) || fail "root's restore --force on nobody's database: $out"
assert_eq "" "$(find "$H" -user root)" "files root's restore --force made in nobody's home"
runuser -u nobody -- "$SLUICE" --home "$H" scheduler >"$T/sched.log" 2>&1 &
SCHED_PID=$!
on_exit "stop_pid $SCHED_PID"
_up() { grep -q "scheduler started" "$T/sched.log" || { pid_gone "$SCHED_PID" && fail "nobody's scheduler: $(cat "$T/sched.log")"; return 1; }; }
wait_for 15 "nobody's scheduler to start" _up
stop_pid "$SCHED_PID"
echo "cli_root_home: ok"
