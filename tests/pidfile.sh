#!/bin/bash
# --pidfile of the long-running verbs (the Debian init script waits for
# it): `sluice scheduler --pidfile FILE` writes its pid to FILE only once
# it has started (its log says "scheduler started" by then) and removes it
# when it stops; a relative FILE is the starting folder's; a FILE it cannot
# write stops it (exit 3, the reason in its log, the home's lock let go);
# a FILE another process rewrote meanwhile is left alone; `sluice web
# --pidfile` serves by the time its FILE is there, and removes it too.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
harness_config
mkdir -p "$T/run"

written() { [ -s "$1" ]; }
gone() { pid_gone "$1"; }

# the scheduler: a relative path, from the folder it starts in
(cd "$T/run" && exec "$SLUICE" --home "$H" scheduler --pidfile sched.pid) >"$T/sched.log" 2>&1 &
pid=$!
on_exit "stop_pid $pid"
wait_for 30 "the scheduler's pid file" written "$T/run/sched.pid"
assert_eq "$pid" "$(cat "$T/run/sched.pid")" "the pid file holds the scheduler's pid"
assert_contains "$(cat "$T/sched.log")" "scheduler started: home $H" "started before its pid file was written"
kill "$pid"
wait_for 30 "the scheduler to stop" gone "$pid"
[ -e "$T/run/sched.pid" ] && fail "the scheduler left its pid file"
assert_contains "$(cat "$T/sched.log")" "scheduler stopped" "its log"

# a pid file it cannot write: it stops, says why, and lets the home go
rc=0
timeout 30 "$SLUICE" --home "$H" scheduler --pidfile "$T/no-such-folder/sched.pid" >"$T/bad.log" 2>&1 || rc=$?
assert_eq 3 "$rc" "a scheduler that cannot write its pid file"
assert_contains "$(cat "$T/bad.log")" "cannot write the pid file $T/no-such-folder/sched.pid" "its log"
assert_contains "$(cat "$T/bad.log")" "scheduler stopped" "it stopped"

# a pid file rewritten by another process (a restart's) is not removed
"$SLUICE" --home "$H" scheduler --pidfile "$T/run/sched.pid" >"$T/sched2.log" 2>&1 &
pid=$!
on_exit "stop_pid $pid"
wait_for 30 "the second scheduler's pid file" written "$T/run/sched.pid"
echo 1 >"$T/run/sched.pid"
kill "$pid"
wait_for 30 "the second scheduler to stop" gone "$pid"
assert_eq 1 "$(cat "$T/run/sched.pid")" "another process's pid file left alone"
rm -f "$T/run/sched.pid"

# the web serves by the time its pid file is there
port=$(free_port)
"$SLUICE" --home "$H" web --port "$port" --pidfile "$T/run/web.pid" >"$T/web.log" 2>&1 &
pid=$!
on_exit "stop_pid $pid"
wait_for 30 "the web's pid file" written "$T/run/web.pid"
assert_eq "$pid" "$(cat "$T/run/web.pid")" "the web's pid file"
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || fail "the web did not serve when its pid file was written"
kill "$pid"
wait_for 30 "the web to stop" gone "$pid"
[ -e "$T/run/web.pid" ] && fail "the web left its pid file"
echo "pidfile: ok"
