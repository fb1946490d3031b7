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
exit 0
