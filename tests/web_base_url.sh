#!/bin/bash
# web.base_url's default follows web.bind and web.port; when the bind is
# every address (0.0.0.0, ::) the default names no host anyone can open,
# so the scheduler and `sluice web` say so at start, naming the file and
# the key to set. An IPv6 bind's default is bracketed. An explicit
# base_url, or a bind on one address, starts without the warning.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
printf 'web: {bind: 0.0.0.0, port: 8123}\n' >"$H/sluice.yaml"
start_scheduler
assert_contains "$(cat "$T/scheduler.log")" \
	"web.bind is 0.0.0.0 and $H/sluice.yaml sets no web.base_url: links in emails and webhooks name http://0.0.0.0:8123, which no one can open; set web.base_url" \
	"the scheduler's warning"
stop_pid "$SCHED_PID"
: >"$T/scheduler.log"
printf 'web: {bind: "::", port: 8123}\n' >"$H/sluice.yaml"
start_scheduler
assert_contains "$(cat "$T/scheduler.log")" "name http://[::]:8123, which" "an IPv6 bind's default"
stop_pid "$SCHED_PID"
: >"$T/scheduler.log"
printf 'web: {bind: 0.0.0.0, base_url: "https://sluice.example.com"}\n' >"$H/sluice.yaml"
start_scheduler
assert_not_contains "$(cat "$T/scheduler.log")" "no web.base_url" "an explicit base_url"
stop_pid "$SCHED_PID"
# sluice web: the same warning; --bind 127.0.0.1 none
printf 'dags_paused_at_creation: false\n' >"$H/sluice.yaml"
start_web --bind 0.0.0.0
assert_contains "$(cat "$T/web.log")" "web.bind is 0.0.0.0 and $H/sluice.yaml sets no web.base_url" "sluice web's warning"
stop_pid "$WPID"
: >"$T/web.log"
start_web --bind 127.0.0.1
assert_not_contains "$(cat "$T/web.log")" "no web.base_url" "a bind on one address"
# a base_url that is not an http(s) address with a host is refused at
# load, naming the file, line and column: every link starts with it
for bad in 'javascript:alert(1)//' 'data:text/html,x' 'sluice.example.com' \
	'http://' 'https://h.example/?x=' 'https://h.example/#' ' http://h.example'; do
	printf 'web: {base_url: "%s"}\n' "$bad" >"$H/sluice.yaml"
	out=$(sl dags list 2>&1) && fail "base_url '$bad' was accepted"
	assert_contains "$out" "$H/sluice.yaml:1:17: web.base_url: '$bad' is not the UI's web address" "base_url '$bad'"
done
# a base_url with a path is taken, the UI is served under it
# (web_base_path.sh) and nothing is warned of; a path with characters the
# UI is not served under is warned of, naming them; a bare trailing
# slash is no path
printf 'web: {base_url: "https://h.example/sluice/"}\n' >"$H/sluice.yaml"
sl dags list >/dev/null || fail "a base_url with a path prefix"
: >"$T/web.log"
start_web
assert_not_contains "$(cat "$T/web.log")" "has a path" "a path the UI is served under"
stop_pid "$WPID"
printf 'web: {base_url: "https://h.example/my%%20sluice/"}\n' >"$H/sluice.yaml"
: >"$T/web.log"
start_web
assert_contains "$(cat "$T/web.log")" "web.base_url https://h.example/my%20sluice/ in $H/sluice.yaml has a path with characters the UI is not served under (only letters, digits and - . _ ~ /)" "a path's warning"
stop_pid "$WPID"
printf 'web: {base_url: "https://h.example/"}\n' >"$H/sluice.yaml"
: >"$T/web.log"
start_web
assert_not_contains "$(cat "$T/web.log")" "has a path" "a trailing slash"
stop_pid "$WPID"

# a bind that fails names the keys that say where the UI listens
printf 'web: {bind: 999.1.1.1}\n' >"$H/sluice.yaml"
rc=0; out=$(timeout 20 "$SLUICE" --home "$H" web --port "$(free_port)" 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "web on 999.1.1.1 started"
assert_contains "$out" "cannot listen on 999.1.1.1:" "a bad web.bind"
assert_contains "$out" "web.bind and web.port in $H/sluice.yaml (or --bind and --port) say where the UI listens" "a bad web.bind"
echo "web_base_url: ok"
