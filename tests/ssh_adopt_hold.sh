#!/bin/bash
# ssh executor: an adopted try's copy of its remote log waits for its
# secret values (adopted_secrets, executor.h version 5). The driver adopts
# two detached tries and gives their values only once a file exists; each
# prints a secret after the adoption, which is in its host's log before
# the values come: task 0's copy is written masked once they came; task
# 1, killed before they came, leaves its output on the host and says so.
# An adopted try's log keeps the try's cap (log_max).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
cfg=$(ssh_config_json a)
secret=pw-Adopt-Hold-77
waiter='touch "$1/started.$TASK_INDEX"; n=0
	while [ ! -e "$1/go" ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done
	echo "said=$2;"
	[ "$TASK_INDEX" = 0 ] || sleep 300'
driver_bg -c "$cfg" -n 2 -L "$T" -S "$secret" -o -x "$T/detach" -- sh -c "$waiter" x "$T" "$secret"
wait_for 60 "both tries running" test -e "$T/started.0" -a -e "$T/started.1"
touch "$T/detach"
driver_wait
tries=$(getent passwd "$(id -un)" | cut -d: -f6)/.sluice/tries
for i in 0 1; do
	tok[$i]=$(json_field "$(grep "\"task\":$i,\"token\"" "$T/driver.out")" token)
	id[$i]=$(printf '%s\n' "${tok[$i]}" | sed 's/.* id=\([0-9a-f-]*\) .*/\1/')
done

# follower_runs ID: the adopter's follower of try ID runs on the host (its
# channel is open: a kill then stops the try, not its adoption; task 0's
# follower ends as soon as its try did)
follower_runs() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null |
			grep -qE -- "(-f|sluice-follow) $tries/$1 " && return 0
	done
	return 1
}

driver_bg -c "$cfg" -L "$T" -S "$secret" -V "$T/values" -k "1:$T/kill" -a "${tok[0]}" -a "${tok[1]}"
touch "$T/go"
for i in 0 1; do
	wait_for 30 "task $i's secret in its host's log" grep -q "^said=" "$tries/${id[$i]}.log"
done
wait_for 30 "task 1's follower" follower_runs "${id[1]}"
touch "$T/kill"
wait_for 30 "task 1 to end, killed" grep -q '"task":1,' "$T/driver.out"
assert_not_contains "$(cat "$T/task-0.log")" "said=" "task 0's copy before its values came"
touch "$T/values"
driver_wait
assert_eq 0 "$(json_field "$(result_of "$(cat "$T/driver.out")" 0)" exit_code)" "task 0's exit code"
assert_eq 15 "$(json_field "$(result_of "$(cat "$T/driver.out")" 1)" signal)" "task 1 killed: $(cat "$T/driver.out")"
assert_contains "$(cat "$T/task-0.log")" "said=***;" "the secret printed after the adoption, masked"
assert_contains "$(cat "$T/task-1.log")" "bytes of output not copied: the try was stopped before its secret values were known"
for i in 0 1; do
	assert_not_contains "$(cat "$T/task-$i.log")" "$secret" "the secret in task $i's log"
done

# An adopted try keeps its log_max: the cap travels in the token (adopt()
# is given no task), and what the copy took before the detach counts.
rm -f "$T/go" "$T/detach" "$T/started.0"
capped='touch "$1/started.0"; echo first-line; head -c 1000 /dev/zero | tr "\0" a; echo
	n=0; while [ ! -e "$1/go" ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done
	head -c 200000 /dev/zero | tr "\0" b; echo; echo last-line'
mkdir -p "$T/cap"
driver_bg -c "$cfg" -L "$T/cap" -m 4000 -o -x "$T/detach" -- sh -c "$capped" x "$T"
wait_for 60 "the capped try running" test -e "$T/started.0"
wait_for 30 "its first lines copied" grep -q "^aaaa" "$T/cap/task-0.log"
touch "$T/detach"
driver_wait
tok=$(json_field "$(grep '"task":0,"token"' "$T/driver.out")" token)
assert_contains "$tok" " max=4000 " "the cap in the token"
driver_bg -c "$cfg" -L "$T/cap" -a "$tok"
touch "$T/go"
driver_wait
log=$(cat "$T/cap/task-0.log")
size=$(stat -c %s "$T/cap/task-0.log")
[ "$size" -lt 6000 ] || fail "the adopted try's log is $size bytes, past its 4000-byte cap"
assert_eq 1 "$(grep -c "^first-line" "$T/cap/task-0.log")" "the line before the detach, once"
assert_contains "$log" "bytes of output dropped here" "the cap's marker"
assert_contains "$log" "last-line" "the last line, after the adoption"
echo "ssh_adopt_hold: ok"
