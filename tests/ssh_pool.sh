#!/bin/bash
# ssh executor: two sshd's as a two-host pool share the load and never
# run more than slots_per_host tasks on one host; a host that cannot be
# reached is marked down and the tries sent there before that go to the
# others without costing a retry (also across a scheduler restart); a
# refused host key fails its try instead.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
start_sshd b
pa=$(sshd_port a)
pb=$(sshd_port b)
cfg=$(ssh_config_json a b '"slots_per_host": 2')
mkdir -p "$T/running" "$T/logs"

# Each task marks itself running under its sshd's port, records how many
# tasks run on that host and in all, works until a third task runs beside
# it (at most 5 s, so the tries of 4 slots overlap even when connecting
# is slow on a loaded machine: a fixed 2 s once saw only 2 at once), then
# 1 s more, and unmarks itself.
task='port=${SSH_CONNECTION##* }; m="$1/running/$port.$TASK_INDEX"
      touch "$m"
      echo "$port $(ls "$1/running" | grep -c "^$port\.") $(ls "$1/running" | wc -l)" >>"$1/counts"
      i=0; while [ "$(ls "$1/running" | wc -l)" -lt 3 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
      sleep 1
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

# A dead host in the pool (nothing listens on its port), no retries: the
# tries placed there before it was known down never started, so they go
# to the live host at their first try, and the host is marked down.
dead=$(free_port)
cfg=$(ssh_config_json a "\"hosts\": [\"127.0.0.1:$dead\", \"127.0.0.1:$pa\"]" \
	'"slots_per_host": 2' '"down_backoff": "60s"')
mkdir -p "$T/dead"
out=$("$DRIVER" -c "$cfg" -n 8 -L "$T/dead" -D -- sh -c 'echo ok')
for i in $(seq 0 7); do
	r=$(result_of "$out" "$i")
	assert_eq 1 "$(json_field "$r" try)" "task $i try"
	assert_eq 0 "$(json_field "$r" exit_code)" "task $i exit: $r"
	assert_eq "127.0.0.1:$pa" "$(json_field "$r" host)" "task $i host"
done
assert_eq 8 "$(printf '%s\n' "$out" | grep -c '"try"')" "tries reported"
assert_contains "$out" "127.0.0.1:$dead down for"
# Task 0 went to the dead host first (it is listed first, both had room):
# its log says where it was placed, once that the command did not start
# there and why, then where it ran.
notes=$(grep '^\[[^]]* sluice\] ' "$T/dead/task-0.log")
assert_eq 3 "$(printf '%s\n' "$notes" | wc -l)" "sluice lines: $notes"
assert_contains "$(printf '%s\n' "$notes" | sed -n 1p)" "try 1 of driver.task on host 127.0.0.1:$dead "
assert_contains "$(printf '%s\n' "$notes" | sed -n 2p)" \
	"did not start on 127.0.0.1:$dead (cannot connect to 127.0.0.1:$dead: Connection refused)"
assert_contains "$(printf '%s\n' "$notes" | sed -n 3p)" "try 1 of driver.task on host 127.0.0.1:$pa "
assert_eq ok "$(grep -v '^\[[^]]* sluice\] ' "$T/dead/task-0.log")" "task 0 output"

# A moved try survives the scheduler: the token it got at start names the
# dead host, yet adopting that token follows the try where it runs.
mkdir -p "$T/moved"
waiter='touch "$1/started.$TASK_INDEX"; n=0
	while [ ! -e "$1/go" ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done
	echo "ran $TASK_INDEX"'
driver_bg -c "$cfg" -n 2 -L "$T/moved" -o -x "$T/moved/detach" -- sh -c "$waiter" x "$T/moved"
wait_for 60 "both tries running" test -e "$T/moved/started.0" -a -e "$T/moved/started.1"
touch "$T/moved/detach"
driver_wait
tok0=$(json_field "$(grep '"task":0,"token"' "$T/driver.out")" token)
tok1=$(json_field "$(grep '"task":1,"token"' "$T/driver.out")" token)
assert_contains "$tok0" "host=127.0.0.1:$dead "
touch "$T/moved/go"
# first as a scheduler whose write of the ends failed (no -Y: no end is
# recorded): the note of where the try moved stays, so the next
# scheduler, adopting the same token, follows the try where it ran
# (without the note it would look on the dead host, find nothing there,
# and start the try again); then as one whose write held (-Y)
for record in "" -Y; do
	out=$("$DRIVER" -c "$cfg" $record -a "$tok0" -a "$tok1")
	for i in 0 1; do
		r=$(result_of "$out" "$i")
		assert_eq 0 "$(json_field "$r" exit_code)" "adopted task $i${record:+ ($record)}: $r"
		assert_eq "127.0.0.1:$pa" "$(json_field "$r" host)" "adopted task $i host${record:+ ($record)}"
		assert_eq 1 "$(grep -c "^ran $i\$" "$T/moved/task-$i.log")" "task $i's output once in its log${record:+ ($record)}"
	done
	if [ -z "$record" ]; then
		[ -e "$T/moved/task-0.log.ssh-host" ] || fail "the host note went before the try's end was recorded"
	fi
done
wait_for 10 "the host note to go once the end is recorded" eval '[ ! -e "$T/moved/task-0.log.ssh-host" ]'

# A refused host key is a reason to fail, not to move on: the try placed
# on a host whose key is unknown, or has changed, fails as before (no
# retries here), while the other host still works.
grep -v "^\[127.0.0.1\]:$pb " "$SSH_DIR/known_hosts" >"$T/kh-unknown"
{ cat "$T/kh-unknown"
  echo "[127.0.0.1]:$pb $(cut -d' ' -f1,2 "$SSH_DIR/sshd-a/hostkey.pub")"
} >"$T/kh-changed"
for case in "unknown:host key of 127.0.0.1:$pb is not known" \
	    "changed:HOST KEY OF 127.0.0.1:$pb HAS CHANGED"; do
	kh=$T/kh-${case%%:*}
	cfg=$(ssh_config_json b a '"slots_per_host": 2')
	cfg=${cfg//$SSH_DIR\/known_hosts/$kh}
	mkdir -p "$T/kh-logs-${case%%:*}"
	out=$("$DRIVER" -c "$cfg" -n 2 -L "$T/kh-logs-${case%%:*}" -- sh -c 'echo ok')
	r=$(result_of "$out" 0)
	assert_contains "$(json_field "$r" error)" "${case#*:}"
	assert_eq "127.0.0.1:$pb" "$(json_field "$r" host)" "${case%%:*} key: host of task 0"
	r=$(result_of "$out" 1)
	assert_eq 0 "$(json_field "$r" exit_code)" "${case%%:*} key: task 1 on the other host"
	assert_eq "127.0.0.1:$pa" "$(json_field "$r" host)" "${case%%:*} key: host of task 1"
done
