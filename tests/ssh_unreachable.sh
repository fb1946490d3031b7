#!/bin/bash
# ssh executor, one host that cannot be reached (its sshd stopped: the
# connection is refused). A try whose command never started waits for
# the host, queued, without spending a retry; its log says once that
# the host cannot be reached and since when. When the host comes back
# within unreachable_timeout, the try runs there at try 1; when it does
# not, the try fails with the reason. A try's wait is bounded by the
# task's timeout as well (a kill ends it). A pool whose hosts are all
# down makes its tries wait the same way.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
port=$(sshd_port a)
stop_sshd a

# down, then back: try 1 succeeds
cfg=$(ssh_config_json a '"down_backoff": "1s"' '"connect_timeout": "5s"')
mkdir -p "$T/back"
driver_bg -c "$cfg" -n 2 -L "$T/back" -r "$T/never" -- sh -c 'echo ran $TASK_INDEX'
wait_for 20 "the tries to wait for the host" grep -q 'waits for a host' "$T/back/task-1.log"
sleep 2	# a few back-offs: the tries keep waiting, nothing is reported
[ -s "$T/driver.out" ] && fail "a try ended while its host was down: $(cat "$T/driver.out")"
start_sshd a
driver_wait
for i in 0 1; do
	r=$(result_of "$(cat "$T/driver.out")" "$i")
	assert_eq 1 "$(json_field "$r" try)" "task $i try"
	assert_eq 0 "$(json_field "$r" exit_code)" "task $i exit: $r"
	assert_eq "" "$(json_field "$r" error)" "task $i error"
	log=$(cat "$T/back/task-$i.log")
	assert_contains "$log" "ran $i"
	assert_contains "$log" "try 1 of driver.task waits for a host, queued (no retry spent), at most 10m (unreachable_timeout of ssh executor "
	assert_contains "$log" "cannot reach 127.0.0.1:$port since "
	assert_contains "$log" "Connection refused"
	assert_eq 1 "$(grep -c 'waits for a host' "$T/back/task-$i.log")" "task $i: the wait said once"
	assert_eq 1 "$(grep -c 'on host 127.0.0.1' "$T/back/task-$i.log")" "task $i: one header line"
done

# down for longer than unreachable_timeout: try 1 fails with the reason
stop_sshd a
cfg=$(ssh_config_json a '"down_backoff": "1s"' '"unreachable_timeout": "3s"')
mkdir -p "$T/gone"
out=$("$DRIVER" -c "$cfg" -n 1 -L "$T/gone" -- sh -c 'echo ran')
r=$(result_of "$out" 0)
assert_eq 1 "$(json_field "$r" try)" "gone: try"
err=$(json_field "$r" error)
assert_contains "$err" "127.0.0.1:$port"
assert_contains "$err" "(unreachable_timeout)"
assert_contains "$err" "the command never started"
assert_contains "$(cat "$T/gone/task-0.log")" "sluice] try failed: $err"
assert_eq 1 "$(grep -c 'waits for a host' "$T/gone/task-0.log")" "gone: the wait said once"
grep -q '^ran$' "$T/gone/task-0.log" && fail "the command ran"

# a kill (the task's timeout) ends a waiting try at once, saying why
mkdir -p "$T/killed"
cfg=$(ssh_config_json a '"down_backoff": "1s"')
out=$("$DRIVER" -c "$cfg" -n 1 -L "$T/killed" -t 0:1500 -- sh -c 'echo ran')
r=$(result_of "$out" 0)
assert_contains "$(json_field "$r" error)" "killed (timed out) while waiting for a host that cannot be reached"

# a pool whose hosts are all down: the try waits likewise, and runs at
# try 1 on the first host that answers
dead=$(free_port)
cfg=$(ssh_config_json a "\"hosts\": [\"127.0.0.1:$dead\", \"127.0.0.1:$port\"]" '"down_backoff": "1s"')
mkdir -p "$T/pool"
driver_bg -c "$cfg" -n 1 -L "$T/pool" -- sh -c 'echo ran'
wait_for 20 "the pool's try to wait" grep -q 'waits for a host' "$T/pool/task-0.log"
assert_contains "$(cat "$T/pool/task-0.log")" "cannot reach 127.0.0.1:$dead since "
assert_contains "$(cat "$T/pool/task-0.log")" "127.0.0.1:$port since "
start_sshd a
driver_wait
r=$(result_of "$(cat "$T/driver.out")" 0)
assert_eq 1 "$(json_field "$r" try)" "pool: try"
assert_eq 0 "$(json_field "$r" exit_code)" "pool: exit: $r"
assert_eq "127.0.0.1:$port" "$(json_field "$r" host)" "pool: host"
stop_sshd a

# unreachable_timeout: 0 keeps the old way: the try fails at once
mkdir -p "$T/zero"
cfg=$(ssh_config_json a '"down_backoff": "1s"' '"unreachable_timeout": 0')
out=$("$DRIVER" -c "$cfg" -n 1 -L "$T/zero" -- sh -c 'echo ran')
r=$(result_of "$out" 0)
assert_contains "$(json_field "$r" error)$(json_field "$r" start_error)" "Connection refused"
echo "ssh_unreachable: ok"
