#!/bin/bash
# ssh executor: two sshd's as a two-host pool share the load and never
# run more than slots_per_host tasks on one host; a host that cannot be
# reached is marked down and its work goes to the others.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
start_sshd b
pa=$(sshd_port a)
pb=$(sshd_port b)
cfg=$(ssh_config_json a b '"slots_per_host": 2')
mkdir -p "$T/running" "$T/logs"

# Each task marks itself running under its sshd's port, records how many
# tasks run on that host and in all, works a little (2 s: long enough
# that the tries of 4 slots overlap even when connecting is slow on a
# loaded machine), and unmarks itself.
task='port=${SSH_CONNECTION##* }; m="$1/running/$port.$TASK_INDEX"
      touch "$m"
      echo "$port $(ls "$1/running" | grep -c "^$port\.") $(ls "$1/running" | wc -l)" >>"$1/counts"
      sleep 2
      rm "$m"'
out=$("$DRIVER" -c "$cfg" -n 16 -L "$T/logs" -D -- sh -c "$task" task "$T")
for i in $(seq 0 15); do
	r=$(result_of "$out" "$i")
	assert_eq 0 "$(json_field "$r" exit_code)" "task $i exit"
done
# Per host never more than 2, in all never more than 4.
awk '$2 > 2 || $3 > 4 { print "too many: " $0; bad = 1 } END { exit bad }' "$T/counts" ||
	fail "slots exceeded: $(cat "$T/counts")"
# Both hosts worked, about evenly (each 16 tasks / 2 slots; allow slack).
na=$(grep -c "^$pa " "$T/counts")
nb=$(grep -c "^$pb " "$T/counts")
[ "$na" -ge 5 ] && [ "$nb" -ge 5 ] || fail "load not shared: a=$na b=$nb"
assert_eq 16 $((na + nb)) "tasks run"
# Tasks did run concurrently (4 slots in all).
max=$(awk '$3 > m { m = $3 } END { print m }' "$T/counts")
[ "$max" -ge 3 ] || fail "never more than $max tasks at once"
# Each log names the host that ran it, the one the task saw.
for i in $(seq 0 15); do
	h=$(json_field "$(result_of "$out" "$i")" host)
	assert_contains "$(head -n 1 "$T/logs/task-$i.log")" "on host $h "
done
assert_contains "$out" "127.0.0.1:$pa up, 2/2 slots free; 127.0.0.1:$pb up, 2/2 slots free"

# A dead host in the pool: its tries fail clearly, it is marked down, and
# the retries (and all later work) go to the live host.
dead=$(free_port)
cfg=$(ssh_config_json a "\"hosts\": [\"127.0.0.1:$dead\", \"127.0.0.1:$pa\"]" \
	'"slots_per_host": 2' '"down_backoff": "60s"')
touch "$T/retry-now"
out=$("$DRIVER" -c "$cfg" -n 8 -L "$T/logs" -r "$T/retry-now" -D -- sh -c 'echo ok')
assert_contains "$out" "cannot connect to 127.0.0.1:$dead: Connection refused"
for i in $(seq 0 7); do
	r=$(result_of "$out" "$i")
	assert_eq 0 "$(json_field "$r" exit_code)" "task $i exit (after retry)"
	assert_eq "127.0.0.1:$pa" "$(json_field "$r" host)" "task $i host"
done
# Once down, the dead host gets no new tries: at most the first pair.
fails=$(printf '%s\n' "$out" | grep '"try"' | grep -c "127.0.0.1:$dead: Connection refused" || true)
[ "$fails" -le 2 ] || fail "$fails tries went to the dead host"
assert_contains "$out" "127.0.0.1:$dead down for"
