#!/bin/bash
# The Debian package's init script (debian/sluice-init.in, made into
# /etc/init.d/sluice-scheduler), for machines without systemd, run as
# root with start-stop-daemon on this test's home and a copy of sluice:
# a start on a broken sluice.yaml fails and says its file and line; a
# start beside a scheduler run by hand fails and says so; start returns
# once the scheduler has started (its own pid file, --pidfile); start,
# status, a second start (one scheduler), reload (SIGHUP); stop with a
# try running leaves the try running and the next start adopts it; a
# try-restart after an upgrade replaced the binary (its /proc/PID/exe is
# "(deleted)") stops the old scheduler and starts the new one; the try
# ran once; stop removes the pid file and status then says so. Root's
# sluice scheduler on a home another user owns is refused.
. "$SLUICE_SRCDIR/tests/setup.sh"
[ "$(id -u)" = 0 ] || skip "the init script runs as root (runuser, start-stop-daemon --chuid)"
for tool in start-stop-daemon runuser; do
	command -v "$tool" >/dev/null || PATH=$PATH:/sbin:/usr/sbin
	command -v "$tool" >/dev/null || skip "$tool is needed"
done
[ -r /lib/lsb/init-functions ] || skip "/lib/lsb/init-functions is needed (sysvinit-utils)"

# the script as debian/rules makes it; /etc/default/ is this test's, where
# the paths and the user are set (as an operator may)
mkdir -p "$T/default" "$T/bin"
make_init() { # VERB WHAT CHECK FILE
	grep -qF "sed -e 's|@VERB@|$1|g' -e 's|@WHAT@|$2|g' -e 's|@CHECK@|$3|'" \
		"$SLUICE_SRCDIR/debian/rules" || fail "debian/rules makes sluice-$1 otherwise"
	sed -e "s|@VERB@|$1|g" -e "s|@WHAT@|$2|g" -e "s|@CHECK@|$3|" \
		-e "s|/etc/default/|$T/default/|g" \
		"$SLUICE_SRCDIR/debian/sluice-init.in" >"$4"
	chmod +x "$4"
	grep -q '@[A-Z]*@' "$4" && fail "a placeholder is left: $(grep -n '@[A-Z]*@' "$4")"
	sh -n "$4" || fail "the init script of $1 does not parse"
}
make_init scheduler scheduler executors "$T/init"
make_init web "web UI and REST API" "dags list" "$T/init-web"
# sluice-try is found next to the sluice that runs
cp "$SLUICE" "$T/bin/sluice"
cp "$(dirname "$SLUICE")/sluice-try" "$T/bin/sluice-try"
new_home
cat >"$T/default/sluice-scheduler" <<EOF
DAEMON=$T/bin/sluice
SLUICE_HOME=$H
SLUICE_USER=$(id -un)
PIDDIR=$T/run
LOGDIR=$T/log
STOP_TIMEOUT=10
EOF
out_log=$T/log/sluice-scheduler.log
pidfile=$T/run/sluice-scheduler.pid
# the script's own folder while a start waits (mktemp -d in TMPDIR)
mkdir -p "$T/tmp"
init() { TMPDIR=$T/tmp "$T/init" "$@" 2>&1; }
on_exit "'$T/init' stop"
on_exit "touch '$T/release'"

# a broken sluice.yaml: the start fails and names the file and line
printf 'parallelism: [\n' >"$H/sluice.yaml"
out=$(init start) && fail "start with a broken sluice.yaml succeeded: $out"
assert_contains "$out" "$H/sluice.yaml:2:" "a failed start"
[ -e "$pidfile" ] && fail "a failed start left $pidfile"
out=$(init status) && fail "status after a failed start: $out"

printf 'parallelism: 4\ndags_paused_at_creation: false\n' >"$H/sluice.yaml"
cat >"$H/dags/hold.yaml" <<YAML
dag: hold
tasks:
  wait:
    command: 'echo "\$\$" >> $T/ledger; while [ ! -e $T/release ]; do sleep 0.1; done'
YAML
# a scheduler run by hand holds the home: the service's start fails
# (the process exits before it has started) and says why
"$SLUICE" --home "$H" scheduler >"$T/by-hand.log" 2>&1 &
by_hand=$!
on_exit "stop_pid $by_hand"
by_hand_started() { grep -q "scheduler started" "$T/by-hand.log"; }
wait_for 30 "the scheduler run by hand to start" by_hand_started
out=$(init start) && fail "start beside a running scheduler succeeded: $out"
assert_contains "$out" "a scheduler is already running on $H" "the failed start"
[ -e "$pidfile" ] && fail "a failed start left a pid file"
assert_eq "" "$(ls "$T/tmp")" "what a failed start left in TMPDIR"
kill "$by_hand"
wait_for 30 "the scheduler run by hand to stop" pid_gone "$by_hand"

# start returns once the scheduler has started: it wrote its own pid file
# then (--pidfile), after its log's "scheduler started"
out=$(init start) || fail "start: $out"
[ -s "$pidfile" ] || fail "no pid file after start: $out"
pid1=$(cat "$pidfile")
kill -0 "$pid1" || fail "the pid file's process is not running"
assert_contains "$(tr '\0' ' ' </proc/"$pid1"/cmdline)" "scheduler --pidfile $pidfile" "the service's command"
assert_contains "$(cat "$out_log")" "scheduler started: home $H" "the output log when start returned"
assert_eq "" "$(ls "$T/tmp")" "what a start left in TMPDIR"
out=$(init status) || fail "status of a running scheduler: $out"
out=$(init start) || fail "a second start: $out"
assert_eq "$pid1" "$(cat "$pidfile")" "a second start keeps the first scheduler"

"$T/bin/sluice" --home "$H" trigger hold --partition p1 >/dev/null
started() { [ -s "$T/ledger" ]; }
wait_for 30 "the try to start" started
try_pid=$(head -1 "$T/ledger")

# reload: SIGHUP to the scheduler
out=$(init reload) || fail "reload: $out"
reloaded() { grep -q 'SIGHUP' "$out_log"; }
wait_for 10 "the scheduler to log the SIGHUP" reloaded

# an upgrade replaces the binary (a new inode, as dpkg does), then
# postinst's try-restart: the old scheduler is found and stopped, a new
# one starts and adopts the try
cp "$T/bin/sluice" "$T/bin/sluice.new"
mv "$T/bin/sluice.new" "$T/bin/sluice"
out=$(init try-restart) || fail "try-restart after the binary was replaced: $out"
pid_gone "$pid1" || fail "try-restart left the old scheduler $pid1 running: $out"
pid2=$(cat "$pidfile")
[ "$pid2" != "$pid1" ] && kill -0 "$pid2" || fail "no new scheduler after try-restart: $out"
kill -0 "$try_pid" || fail "the restart ended the running try"
adopted() { grep -q 'following it' "$out_log"; }
wait_for 10 "the new scheduler to adopt the try" adopted

# stop with the try running: the try goes on; the next start records it
out=$(init stop) || fail "stop: $out"
pid_gone "$pid2" || fail "stop left the scheduler running"
[ -e "$pidfile" ] && fail "stop left $pidfile"
kill -0 "$try_pid" || fail "stop ended the running try"
out=$(init status) && fail "status of a stopped scheduler says running: $out"
out=$(init try-restart) || fail "try-restart of a stopped scheduler: $out"
[ -e "$pidfile" ] && fail "try-restart started a stopped scheduler"
out=$(init start) || fail "start after stop: $out"
touch "$T/release"
wait_run hold p1 success 30
assert_eq 1 "$(wc -l <"$T/ledger")" "the try ran once"
out=$(init stop) || fail "the last stop: $out"

# root running the scheduler on a home the service user owns is refused
# (the folders and locks it made there that user could not write), and
# makes nothing there
mkdir -p "$T/owned/dags"
printf 'log_file: sluice.log\n' >"$T/owned/sluice.yaml"
chown -R nobody "$T/owned"
rc=0; out=$(timeout 20 "$SLUICE" --home "$T/owned" scheduler 2>&1) || rc=$?
assert_eq 3 "$rc" "root's scheduler on nobody's home"
assert_contains "$out" "$T/owned belongs to the user nobody" "its message"
assert_contains "$out" "runuser -u nobody -- sluice --home $T/owned scheduler" "its message"
assert_eq "" "$(find "$T/owned" -user root)" "files root made in nobody's home"
# and so is its web (log_file: sluice.log, made there as root's, would
# keep the service's web from opening it)
rc=0; out=$(timeout 20 "$SLUICE" --home "$T/owned" web --port 0 2>&1) || rc=$?
assert_eq 3 "$rc" "root's web on nobody's home"
assert_contains "$out" "runuser -u nobody -- sluice --home $T/owned web" "its message"
assert_eq "" "$(find "$T/owned" -user root)" "files root's web made in nobody's home"

# the web's init script: sluice web runs with an executor the scheduler
# would refuse (its key missing), so its start does not check executors
port=$(free_port)
cat >>"$H/sluice.yaml" <<YAML
web: {port: $port}
executors:
  far: {type: ssh, hosts: [127.0.0.1], user: x, key: $T/no-such-key}
YAML
sed -e "s|/sluice-scheduler|/sluice-web|" "$T/default/sluice-scheduler" >"$T/default/sluice-web"
out=$(init start) && fail "the scheduler started with a missing key: $out"
assert_contains "$out" "cannot read the key $T/no-such-key" "the scheduler's failed start"
on_exit "'$T/init-web' stop"
out=$("$T/init-web" start 2>&1) || fail "the web's start: $out"
# it serves when start returns (its pid file is written once the port is
# bound)
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || fail "the web did not serve when its start returned"
out=$("$T/init-web" stop 2>&1) || fail "the web's stop: $out"
[ -e "$T/run/sluice-web.pid" ] && fail "the web's stop left its pid file"
echo "deb_init: ok"
