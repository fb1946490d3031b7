#!/bin/bash
# How sluice says it has started, to an init script and to systemd.
# --pidfile: `sluice scheduler --pidfile FILE` writes its pid to FILE only
# once it has started (its log says "scheduler started" by then) and
# removes it when it stops; a relative FILE is the starting folder's; a
# FILE it cannot write stops it (exit 3, the reason in its log); a FILE
# another process rewrote meanwhile is left alone; `sluice web --pidfile`
# serves by the time its FILE is there, and removes it too.
# $NOTIFY_SOCKET (systemd's units are Type=notify), received by a real
# unix datagram socket (tests/servers/notify_listener.py): the scheduler
# sends READY=1 from its own pid once started and STOPPING=1 when it
# stops, and its tries do not get the variable; the web does the same to
# a socket in the abstract namespace ("@name"), serving by READY=1.
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

# systemd's notifications
/usr/bin/python3 "$SLUICE_SRCDIR/tests/servers/notify_listener.py" "$T/notify.sock" "$T/notify.out" &
lpid=$!
on_exit "stop_pid $lpid"
wait_for 10 "the notification listener" written "$T/notify.out"
cat >"$H/dags/env.yaml" <<'YAML'
dag: env
tasks:
  show: {command: 'echo "notify=${NOTIFY_SOCKET:-none}"'}
YAML
NOTIFY_SOCKET=$T/notify.sock "$SLUICE" --home "$H" scheduler >"$T/sched3.log" 2>&1 &
pid=$!
on_exit "stop_pid $pid"
said() { grep -q "$2" "$1"; }
wait_for 30 "READY=1 from the scheduler" said "$T/notify.out" READY=1
assert_eq "$pid READY=1" "$(grep READY "$T/notify.out")" "READY=1, once, from the scheduler's pid"
assert_contains "$(cat "$T/sched3.log")" "scheduler started: home $H" "started before READY=1"
sl trigger env --partition p1 --wait >/dev/null || fail "the env run failed"
assert_contains "$(sl logs env show p1)" "notify=none" "a try without NOTIFY_SOCKET"
kill "$pid"
wait_for 30 "the scheduler to stop" gone "$pid"
assert_contains "$(cat "$T/notify.out")" "$pid STOPPING=1" "STOPPING=1 when it stopped"

sock="@sluice-test-$$-web"
/usr/bin/python3 "$SLUICE_SRCDIR/tests/servers/notify_listener.py" "$sock" "$T/notify-web.out" &
lpid=$!
on_exit "stop_pid $lpid"
wait_for 10 "the web's notification listener" written "$T/notify-web.out"
port=$(free_port)
NOTIFY_SOCKET=$sock "$SLUICE" --home "$H" web --port "$port" >"$T/web2.log" 2>&1 &
pid=$!
on_exit "stop_pid $pid"
wait_for 30 "READY=1 from the web" said "$T/notify-web.out" READY=1
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || fail "the web did not serve when it said READY=1"
assert_eq "$pid READY=1" "$(grep READY "$T/notify-web.out")" "READY=1 from the web's pid"
kill "$pid"
wait_for 30 "the web to stop" gone "$pid"
assert_contains "$(cat "$T/notify-web.out")" "$pid STOPPING=1" "the web's STOPPING=1"
echo "service_ready: ok"
