#!/bin/bash
# A run ends while the disk is full: its one task fails (exit 3) after the
# home, a small tmpfs, was filled, so the end's commit fails and so does
# every attempt after the back-off until space returns. The scheduler
# says the run failed once, when the end is committed; the run's failure
# email reaches the SMTP server (aiosmtpd) once, after that commit; the
# email the failed commits held back is said once, not at every attempt.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/trust_db_lib.sh"

start_smtp
new_home
mount -t tmpfs -o size=16m tmpfs "$H" 2>"$T/mount.err" ||
	skip "cannot mount a small tmpfs as the home: $(cat "$T/mount.err")"
on_exit "umount -l '$H'"
mkdir -p "$H/dags"
printf 'smtp: {url: "%s", from: sluice@example.com}\n' "$SMTP_URL" >"$H/sluice.yaml"
: >"$T/trace"
# the task starts, then fails once the test says go (bounded: 30 s)
cat >"$H/dags/outage.yaml" <<YAML
dag: outage
email: [oncall@example.com]
email_on: [failure]
tasks:
  a:
    command: 'echo started >> $T/trace; for i in \$(seq 300); do [ -e $T/go ] && exit 3; sleep 0.1; done; exit 3'
YAML
start_scheduler
sl trigger outage --partition f1 >/dev/null
wait_for 30 "the task to start" starts_over 1

head -c 64m /dev/zero >"$H/filler" 2>/dev/null || true
touch "$T/go"
wait_for 30 "the scheduler to meet the full disk" sched_log_has "database or disk is full"
sleep 4		# the fault lasts a few seconds (not a synchronisation)
assert_eq "" "$(q "SELECT state FROM dag_runs WHERE partition = 'f1' AND state != 'running'")" "the run's end recorded on a full disk"
rm -f "$H/filler"

wait_run outage f1 failed 60
one_mail() { [ "$(smtp_count)" -ge 1 ]; }
wait_for 20 "the run's failure email" one_mail
log=$(cat "$T/scheduler.log")
# the mail that arrived is the only one started
assert_eq 1 "$(grep -c 'failure email for outage (run) f1: sending' "$T/scheduler.log")" \
	"emails started: $(grep 'email' "$T/scheduler.log" | head -10)"
assert_eq 1 "$(smtp_count)" "emails received"
assert_eq 1 "$(grep -c 'run outage f1: failed' "$T/scheduler.log")" \
	"the run's end said: $(grep 'run outage' "$T/scheduler.log" | head -10)"
assert_eq 1 "$(grep -c 'outage a f1: try 1 of 1 failed' "$T/scheduler.log")" "the try's end said"
[ "$(grep -c 'held back' "$T/scheduler.log")" -le 1 ] ||
	fail "held-back email said at every attempt: $(grep 'held back' "$T/scheduler.log" | head -5)"
assert_not_contains "$log" "not started"
assert_contains "$log" "database: writes succeed again"
echo "trust_db_email: ok"
