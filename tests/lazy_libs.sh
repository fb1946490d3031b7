#!/bin/bash
# libcurl, libpq and libssh2 (and the OpenSSL, GnuTLS and Kerberos
# libraries behind them) are loaded on first use (base/lazylib.h): a
# scheduler and web that run shell tasks and serve pages never map them,
# `sluice --version` loads them to name their versions, and a process
# that needs one (an SSH executor here) loads it when it starts to.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/plain.yaml" <<'YAML'
dag: plain
schedule: none
tasks:
  a: {command: 'echo hello'}
  b: {command: 'true', after: [a]}
YAML
HEAVY='libcurl|libpq|libssh2|libcrypto|libssl|libgnutls|libkrb5|libldap'
[ -r /proc/self/maps ] || skip "no /proc/PID/maps here"

# the binary itself names none of them
ldd "$SLUICE" >"$T/ldd"
if grep -Eq "$HEAVY" "$T/ldd"; then fail "sluice is linked with: $(grep -E "$HEAVY" "$T/ldd")"; fi

start_standalone
sl trigger plain --partition first --wait >"$T/out" 2>&1 || fail "the run failed: $(cat "$T/out")"
assert_eq success "$(run_state plain first)"
curl -fsS "$URL/login" >/dev/null
curl -fsS "$URL/health" >/dev/null
if grep -Eq "$HEAVY" "/proc/$SCHED_PID/maps"; then
	fail "a standalone of shell tasks mapped: $(grep -Eo "/[^ ]*($HEAVY)[^ ]*" "/proc/$SCHED_PID/maps" | sort -u | tr '\n' ' ')"
fi

# --version loads each to say which it is
sl --version >"$T/version"
assert_contains "$(cat "$T/version")" "libcurl 7." "--version names libcurl"
assert_contains "$(cat "$T/version")" "libssh2 1." "--version names libssh2"
assert_contains "$(cat "$T/version")" "libpq 1" "--version names libpq"

# a scheduler with an ssh executor loads libssh2 when it makes the
# executor, and its tries still run
stop_pid "$SCHED_PID"
ssh-keygen -q -t ed25519 -N '' -f "$T/id_test"
printf 'executors:\n  local: {type: local}\n  remote: {type: ssh, hosts: ["127.0.0.1:1"], user: etl, key: %s}\n' \
	"$T/id_test" >>"$H/sluice.yaml"
start_scheduler
sl trigger plain --partition second --wait >"$T/out" 2>&1 || fail "the run failed: $(cat "$T/out")"
assert_eq success "$(run_state plain second)"
grep -q "libssh2" "/proc/$SCHED_PID/maps" || fail "the ssh executor did not load libssh2"
grep -q "libcurl" "/proc/$SCHED_PID/maps" && fail "the scheduler loaded libcurl without an HTTP task"
stop_pid "$SCHED_PID"

# With libcurl and libpq that cannot be loaded (/dev/null bound over them
# in a mount namespace of this test's own): --version says so and which
# package has each; an S3 sensor's try fails with that reason in its log,
# and the scheduler goes on (another task of the run succeeds); an email
# task fails with the same reason, a SQL task on PostgreSQL with libpq's;
# a SQL task on SQLite never needs libpq.
curl_so=$(readlink -f "$(ldconfig -p | awk '/libcurl\.so\.4 / {print $NF; exit}')")
pq_so=$(readlink -f "$(ldconfig -p | awk '/libpq\.so\.5 / {print $NF; exit}')")
if [ ! -f "$curl_so" ] || [ ! -f "$pq_so" ] || ! unshare -m true 2>/dev/null; then
	note "no mount namespace here (unshare -m): unloadable libraries are not tried"
	exit 0
fi
# nocurl CMD...: CMD in that namespace; called in a subshell, which it
# replaces: unshare and sh exec in turn, so the subshell's pid is CMD's
nocurl() {
	exec unshare -m sh -c 'mount --bind /dev/null "$0" && mount --bind /dev/null "$1" && shift && exec "$@"' \
		"$curl_so" "$pq_so" "$@"
}
(nocurl "$SLUICE" --home "$H" --version) >"$T/version" 2>&1
assert_contains "$(cat "$T/version")" "libcurl: cannot load libcurl.so.4, which sluice needs for HTTP" "--version without libcurl"
assert_contains "$(cat "$T/version")" "on Debian: libcurl4" "--version names the package"
assert_contains "$(cat "$T/version")" "libpq: cannot load libpq.so.5" "--version without libpq"
assert_contains "$(cat "$T/version")" "libssh2 1." "--version without libcurl still names libssh2"
printf 'connections:\n  lake: {type: aws, endpoint_url: "http://127.0.0.1:1", region: us-east-1}\n  wh: {url: "sqlite:warehouse.db"}\n  pg: {url: "postgresql://127.0.0.1:1/db"}\nsmtp: {url: "smtp://127.0.0.1:1", from: "sluice@example.com"}\n' >>"$H/sluice.yaml"
cat >"$H/dags/nocurl.yaml" <<'YAML'
dag: nocurl
schedule: none
tasks:
  wait: {type: s3_sensor, url: "s3://lake/in/", connection: lake, poke_interval: 1s, timeout: 20s}
  other: {command: 'echo fine'}
  local_sql: {type: sql, connection: wh, sql: "INSERT INTO t VALUES (1)"}
  mail: {type: email, to: [data-eng@example.com], subject: "s", body: "b"}
  pg_sql: {type: sql, connection: pg, sql: "SELECT 1"}
YAML
sqlite3 "$H/warehouse.db" "CREATE TABLE t (x)"
(AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=test-secret nocurl "$SLUICE" --home "$H" scheduler) >>"$T/nocurl.log" 2>&1 &
NPID=$!
on_exit "stop_pid $NPID"
wait_for 15 "the scheduler without libcurl to start" grep -q "scheduler started" "$T/nocurl.log"
set +e
sl trigger nocurl --partition p1 --wait >"$T/out" 2>&1
set -e
assert_eq success "$(task_state nocurl p1 other)"
assert_eq success "$(task_state nocurl p1 local_sql)"
assert_eq 1 "$(sqlite3 "$H/warehouse.db" "SELECT count(*) FROM t")" "the SQL task's row"
assert_eq failed "$(task_state nocurl p1 wait)"
assert_contains "$(sl logs nocurl wait p1)" "cannot load libcurl.so.4" "the sensor's log says why"
assert_eq failed "$(task_state nocurl p1 mail)"
assert_contains "$(sl logs nocurl mail p1)" "cannot load libcurl.so.4" "the email task's log says why"
assert_not_contains "$(sl logs nocurl mail p1)" "fatal" "the email task ends cleanly"
assert_eq failed "$(task_state nocurl p1 pg_sql)"
assert_contains "$(sl logs nocurl pg_sql p1)" "cannot load libpq.so.5" "the PostgreSQL task's log says why"
assert_not_contains "$(sl logs nocurl pg_sql p1)" "fatal" "the PostgreSQL task ends cleanly"
kill -0 "$NPID" 2>/dev/null || fail "the scheduler ended: $(tail -5 "$T/nocurl.log")"
assert_eq "$(readlink -f "$SLUICE")" "$(readlink "/proc/$NPID/exe")" "the pid the test stops is the scheduler itself"
exit 0
