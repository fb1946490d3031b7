#!/bin/bash
# Mistakes in sluice.yaml's executors: block are reported like every other
# config error, naming the file, the line and column of the key at fault
# (else of the entry) and the executor, by `sluice executors`, by
# `sluice executors check` and by a scheduler, all exiting 3 (the home's
# config cannot be used) and the scheduler without starting; misspelt keys
# included, with the keys the executor knows and the one meant (as for a
# misspelt key anywhere in sluice.yaml, checked last).
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home

# exec_error LINE:COL NAME TEXT: `sluice executors`, `sluice executors
# check NAME` and `sluice scheduler` (without starting) refuse the config
# with exit 3, naming $H/sluice.yaml:LINE:COL, executors.NAME and TEXT
exec_error() {
	local what rc
	for what in executors "executors check $2" scheduler; do
		rc=0
		# shellcheck disable=SC2086
		timeout 30 "$SLUICE" --home "$H" $what >"$T/out" 2>"$T/err" || rc=$?
		assert_eq 3 "$rc" "exit code of $what on: $(cat "$H/sluice.yaml")"
		assert_contains "$(cat "$T/err")" "$H/sluice.yaml:$1: executors.$2: $3" \
			"$what names file:line:column, the executor and what is wrong"
	done
}

printf 'parallelism: 4\nexecutors:\n  local: {type: lokal}\n' >"$H/sluice.yaml"
exec_error 3:11 local "unknown executor type 'lokal'"
printf 'executors:\n  local: {type: local}\n  box:\n    type: local\n    slots: 0\n' >"$H/sluice.yaml"
exec_error 5:5 box "slots must be a whole number"
# a misspelt key of a local executor is refused by name, like the ssh
# executor's, instead of running on the default slots
printf 'executors:\n  local:\n    type: local\n    slotz: 2\n' >"$H/sluice.yaml"
exec_error 4:5 local "unknown key 'slotz' (did you mean 'slots'? known: type, slots,"

# the ssh executor's: each names the line of its key; nothing connects
# (port 1 of loopback: nothing listens there)
ssh_conf() {
	printf 'executors:\n  local: {type: local}\n  box:\n    type: ssh\n'
	printf '    hosts: ["127.0.0.1:1"]\n    user: etl\n    key: %s\n' "$1"
	printf '    slots_per_host: 2\n'
}
: >"$T/id_test"
ssh_conf "$T/id_test" | sed 's/slots_per_host/slot_per_host/' >"$H/sluice.yaml"
exec_error 8:5 box "unknown key 'slot_per_host' (did you mean 'slots_per_host'? known: type, hosts, port, user, key,"
ssh_conf "$T/id_test" | sed 's/    user: etl/    usr: etl/' >"$H/sluice.yaml"
exec_error 6:5 box "unknown key 'usr' (did you mean 'user'? known:"
ssh_conf "$T/no_such_key" >"$H/sluice.yaml"
exec_error 7:5 box "cannot read the key $T/no_such_key: No such file or directory"
ssh_conf "$T/id_test" | sed 's/127.0.0.1:1"/127.0.0.1:99999"/' >"$H/sluice.yaml"
exec_error 5:5 box 'hosts[0] must be "host" or "host:port" (a port from 1 to 65535), not "127.0.0.1:99999"'
# user@host in hosts (via takes it; hosts do not): refused at load, not
# a "cannot resolve root@127.0.0.1" at the first try
ssh_conf "$T/id_test" | sed 's/"127.0.0.1:1"/"root@127.0.0.1:1"/' >"$H/sluice.yaml"
exec_error 5:5 box 'hosts[0] "root@127.0.0.1:1" names a user: the hosts take no user@ (every host is logged in to as the executor'"'"'s user: key)'
ssh_conf "$T/id_test" | sed 's/slots_per_host: 2/slots_per_host: two/' >"$H/sluice.yaml"
exec_error 8:5 box "slots_per_host must be a number from 1 to 1000"
ssh_conf "$T/id_test" | sed 's/type: ssh/type: shh/' >"$H/sluice.yaml"
exec_error 4:5 box "unknown executor type 'shh' (known: local, ssh, plugin)"
{ ssh_conf "$T/id_test"; printf '    host_key_check: no\n'; } >"$H/sluice.yaml"
exec_error 9:5 box "host_key_check must be strict or accept-new, not 'no'"
# every key the ssh executor knows is described in sluice.yaml(5), which
# a person reading the error turns to
ssh_conf "$T/id_test" | sed 's/slots_per_host/slot_per_host/' >"$H/sluice.yaml"
known=$(sl executors 2>&1 | sed -n "s/.*unknown key 'slot_per_host' (did you mean [^?]*? known: \(.*\))$/\1/p")
[ -n "$known" ] || fail "no list of known keys"
page=$("$SLUICE" man sluice.yaml | sed -n '/^\.SH "*SSH EXECUTOR/,/^\.SH "*EXAMPLE/p')
[ -n "$page" ] || fail "sluice.yaml(5) has no SSH EXECUTOR section"
for k in ${known//,/ }; do
	assert_contains "$page" ".BR \"$k\" \" (" "sluice.yaml(5) describes the ssh executor's key $k"
done

# a good block still works
printf 'executors:\n  local: {type: local, slots: 3}\n' >"$H/sluice.yaml"
out=$(sl executors) || fail "sluice executors on a good config: $out"
assert_eq "local            local    3      0        0       -" "$(echo "$out" | sed -n 2p)" "an idle executor"
assert_contains "$out" "(no scheduler is running on this home's database: RUNNING and QUEUED are the tries it last recorded"
# what holds the slots is the running scheduler's, not this process's
# (it said "0 of 3 slots busy" while the scheduler ran three tries)
cat >"$H/dags/busy.yaml" <<'YAML'
dag: busy
tasks:
  a: {command: "exec sleep 60"}
  b: {command: "exec sleep 60"}
YAML
start_scheduler
sl trigger busy --partition p >/dev/null
wait_ti busy p a running 30
wait_ti busy p b running 30
out=$(sl executors)
assert_eq "local            local    3      2        0       -" "$(echo "$out" | sed -n 2p)" "two tries running: $out"
assert_contains "$out" "(a scheduler is running on this home's database; RUNNING and QUEUED are its tries)"
assert_eq 2 "$(sl --json executors | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["running"])')" "running in --json"
sl clear busy --partition p --yes >/dev/null
stop_pid "$SCHED_PID"
# an executor the config does not name is an input error
rc=0
sl executors check nobox >/dev/null 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "exit code of executors check of an unknown executor"
assert_contains "$(cat "$T/err")" "no executor 'nobox'"

# a misspelt key anywhere in sluice.yaml suggests the one meant, as the
# DAG files' errors do
config_hint() {
	printf '%b' "$1" >"$H/sluice.yaml"
	rc=0
	sl dags list >/dev/null 2>"$T/err" || rc=$?
	assert_eq 3 "$rc" "exit code on a misspelt key: $1"
	assert_contains "$(cat "$T/err")" "$H/sluice.yaml:$2" "a misspelt key: $1"
}
config_hint 'dag_paused_at_creation: true\n' "1:1: unknown key 'dag_paused_at_creation' (did you mean 'dags_paused_at_creation'? known: dags,"
config_hint 'web:\n  base_ur: http://x\n' "2:3: web: unknown key 'base_ur' (did you mean 'base_url'? known: bind,"
config_hint 'retention:\n  run: 30d\n' "2:3: retention: unknown key 'run' (did you mean 'runs'? known: runs, logs)"
config_hint 'webhooks:\n  ops: {url: "http://x", formt: json}\n' "2:26: webhooks.ops: unknown key 'formt' (did you mean 'format'? known: url,"
config_hint 'no_such_key: 1\n' "1:1: unknown key 'no_such_key' (known: dags,"
echo "config_executors: ok"
