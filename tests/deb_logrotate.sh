#!/bin/bash
# debian/sluice.logrotate (the package's /etc/logrotate.d/sluice) parses
# and rotates a running scheduler's log_file and logs/retention.log: its
# paths and owner rewritten to this test's home and user. Without systemd
# its postrotate runs /etc/init.d/sluice-scheduler reload (here a stand-in
# that sends the SIGHUP), also where a policy-rc.d denies services; the
# scheduler writes on in a new sluice.log. The init scripts' output in
# /var/log/sluice is copied and emptied in place (copytruncate): a
# process appending to it goes on writing to the emptied file.
. "$SLUICE_SRCDIR/tests/setup.sh"
command -v logrotate >/dev/null || PATH=$PATH:/usr/sbin
command -v logrotate >/dev/null || skip "logrotate is needed (scripts/deps --test installs it)"
conf=$SLUICE_SRCDIR/debian/sluice.logrotate
assert_contains "$(cat "$conf")" "systemctl try-reload-or-restart sluice-scheduler.service sluice-web.service" "the postrotate"
new_home
printf 'log_file: sluice.log\n' >"$H/sluice.yaml"
# start_scheduler reads stderr, which log_file replaces
"$SLUICE" --home "$H" scheduler >"$T/scheduler.log" 2>&1 &
SCHED_PID=$!
on_exit "stop_pid $SCHED_PID"
started() { grep -q 'scheduler started' "$H/sluice.log" 2>/dev/null; }
wait_for 15 "the scheduler to start (its log_file)" started
mkdir -p "$H/logs"
echo "an old retention run" >"$H/logs/retention.log"
# the init scripts: the scheduler's reload is its SIGHUP; invoke-rc.d
# is not used (a policy-rc.d here denies it, as in a container)
mkdir -p "$T/initd" "$T/varlog" "$T/bin"
printf '#!/bin/sh\n[ "$1" = reload ] && kill -HUP %s\n' "$SCHED_PID" >"$T/initd/sluice-scheduler"
printf '#!/bin/sh\nexit 101\n' >"$T/bin/invoke-rc.d"
chmod +x "$T/initd/sluice-scheduler" "$T/bin/invoke-rc.d"
# an init script's output, appended to by a running process
(while :; do echo "a line"; sleep 0.05; done) >>"$T/varlog/sluice-scheduler.log" &
WRITER=$!
on_exit "kill $WRITER"
grown() { [ -s "$T/varlog/sluice-scheduler.log" ]; }
wait_for 10 "the init script's output to grow" grown
user=$(id -un) group=$(id -gn)
sed -e "s|/var/lib/sluice|$H|g" -e "s|sluice sluice|$user $group|g" \
	-e "s|^	su .*|	su $user $group|" -e "s|/var/log/sluice|$T/varlog|g" \
	-e "s|/run/systemd/system|$T/no-systemd|g" -e "s|/etc/init.d/|$T/initd/|g" \
	"$conf" >"$T/logrotate.conf"
chmod 0644 "$T/logrotate.conf"
out=$(PATH=$T/bin:$PATH logrotate -s "$T/state" -f "$T/logrotate.conf" 2>&1) || fail "logrotate: $out"
[ -s "$H/sluice.log.1" ] || fail "sluice.log was not rotated: $(ls "$H")"
[ -s "$H/logs/retention.log.1" ] || fail "retention.log was not rotated: $(ls "$H/logs")"
[ -s "$T/varlog/sluice-scheduler.log.1" ] || fail "the init script's output was not rotated: $(ls "$T/varlog")"
reopened() { grep -q 'SIGHUP: log reopened' "$H/sluice.log" 2>/dev/null; }
wait_for 10 "the scheduler to write to the new sluice.log (the postrotate's reload)" reopened
assert_not_contains "$(cat "$H/sluice.log.1")" "SIGHUP" "the rotated log"
# copytruncate: the writer goes on at the start of the emptied file
wait_for 10 "the init script's output to grow again" grown
# (one copy read twice: the writer goes on between two reads of the file)
cp "$T/varlog/sluice-scheduler.log" "$T/output.now"
[ "$(tr -d '\0' <"$T/output.now" | wc -c)" = "$(wc -c <"$T/output.now")" ] ||
	fail "the emptied output has a hole of NUL bytes (not appended to)"
echo "deb_logrotate: ok"
