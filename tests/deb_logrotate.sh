#!/bin/bash
# debian/sluice.logrotate (the package's /etc/logrotate.d/sluice) parses
# and rotates a running scheduler's log_file and logs/retention.log: its
# paths and owner rewritten to this test's home and user, and the SIGHUP
# its postrotate sends through systemctl reload sent by hand (no systemd
# here), the scheduler writes on in a new sluice.log.
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
user=$(id -un) group=$(id -gn)
sed -e "s|/var/lib/sluice|$H|g" -e "s|sluice sluice|$user $group|g" \
	-e "s|^	su .*|	su $user $group|" "$conf" >"$T/logrotate.conf"
chmod 0644 "$T/logrotate.conf"
out=$(logrotate -s "$T/state" -f "$T/logrotate.conf" 2>&1) || fail "logrotate: $out"
[ -s "$H/sluice.log.1" ] || fail "sluice.log was not rotated: $(ls "$H")"
[ -s "$H/logs/retention.log.1" ] || fail "retention.log was not rotated: $(ls "$H/logs")"
kill -HUP "$SCHED_PID"
reopened() { grep -q 'SIGHUP: log reopened' "$H/sluice.log" 2>/dev/null; }
wait_for 10 "the scheduler to write to the new sluice.log" reopened
assert_not_contains "$(cat "$H/sluice.log.1")" "SIGHUP" "the rotated log"
echo "deb_logrotate: ok"
