#!/bin/bash
# Mistakes in sluice.yaml's executors: block are reported like every other
# config error, naming the file, the line of the entry and the executor,
# by `sluice executors` and by a scheduler, both exiting 3 (the home's
# config cannot be used) and the scheduler without starting; misspelt keys
# included.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home

# exec_error LINE TEXT: `sluice executors` and `sluice scheduler` (without
# starting) refuse the config with exit 3, naming $H/sluice.yaml:LINE and
# TEXT
exec_error() {
	local what rc want
	for what in executors:3 scheduler:3; do
		want=${what#*:} what=${what%:*} rc=0
		timeout 30 "$SLUICE" --home "$H" "$what" >"$T/out" 2>"$T/err" || rc=$?
		assert_eq "$want" "$rc" "exit code of $what on: $(cat "$H/sluice.yaml")"
		assert_contains "$(cat "$T/err")" "$H/sluice.yaml:$1: executors." "$what names file:line"
		assert_contains "$(cat "$T/err")" "$2" "$what says what is wrong"
	done
}

printf 'parallelism: 4\nexecutors:\n  local: {type: lokal}\n' >"$H/sluice.yaml"
exec_error 3 "unknown executor type 'lokal'"
printf 'executors:\n  local: {type: local}\n  box:\n    type: local\n    slots: 0\n' >"$H/sluice.yaml"
exec_error 4 "slots must be a whole number"
# a misspelt key of a local executor is refused by name, like the ssh
# executor's, instead of running on the default slots
printf 'executors:\n  local:\n    type: local\n    slotz: 2\n' >"$H/sluice.yaml"
exec_error 3 "unknown key 'slotz'"

# a good block still works
printf 'executors:\n  local: {type: local, slots: 3}\n' >"$H/sluice.yaml"
out=$(sl executors) || fail "sluice executors on a good config: $out"
assert_contains "$out" "0 of 3 slots"
# an executor the config does not name is an input error
rc=0
sl executors check nobox >/dev/null 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "exit code of executors check of an unknown executor"
assert_contains "$(cat "$T/err")" "no executor 'nobox'"
echo "config_executors: ok"
