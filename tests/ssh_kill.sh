#!/bin/bash
# ssh executor: a timeout or a clear kills the whole remote process group
# (the command and what it started), SIGKILL after the grace period when
# SIGTERM is ignored; ps shows nothing of the group afterwards.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
cfg=$(ssh_config_json a)

# The task must have written its process group before its timeout kills
# it, and an ssh login here can take seconds (a login shell's rc files, a
# loaded machine): time one login first, and give each timed-out try three
# logins' worth plus 3 s.
t0=$(date +%s%N)
"$DRIVER" -c "$cfg" -L "$T" -- true >/dev/null 2>&1 || fail "a plain ssh try failed"
login_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tmo=$(( 3 * login_ms + 3000 ))
echo "one ssh try took ${login_ms} ms; timeouts are ${tmo} ms"
# The task records its process group, starts a child and a grandchild,
# and would run for minutes.
# A child detached with setsid (a session and group of its own) is found
# by the try's key in its environment and stopped with the rest.
task='setsid sleep 31'$$' </dev/null >/dev/null 2>&1 &
      echo $(ps -o pgid= $$) >"$1.tmp"; mv "$1.tmp" "$1"
      sh -c "sleep 300" & sleep 301 & wait'
escaped() { pgrep -f "^sleep 3[12]$$\$"; }
kill_escaped() { local p; p=$(escaped) || return 0; kill -KILL $p 2>/dev/null || true; }
on_exit kill_escaped

# 1. timeout
driver_bg -c "$cfg" -L "$T" -g 2000 -t 0:$tmo -- sh -c "$task" task "$T/pg1"
wait_for 20 "the task's process group" test -s "$T/pg1"
pg=$(tr -d ' ' <"$T/pg1")
group_alive "$pg" || fail "the group $pg is not running"
wait_for 10 "the setsid'd child to run" escaped
driver_wait
r=$(result_of "$(cat "$T/driver.out")" 0)
assert_eq 15 "$(json_field "$r" signal)" "signal after timeout"
assert_eq 143 "$(json_field "$r" exit_code)" "exit code after timeout: 128 + the signal, as the local executor says"
wait_for 10 "the timed-out group $pg to be gone" eval "! group_alive $pg"
wait_for 10 "the setsid'd child to be gone after the timeout" eval "! escaped"
assert_contains "$(cat "$T/task-0.log")" "killing the task on 127.0.0.1:$(sshd_port a) (timed out)"

# 2. clear while running (kill once a file appears)
rm -f "$T/task-0.log"
driver_bg -c "$cfg" -L "$T" -g 2000 -k "0:$T/clear" -- sh -c "$task" task "$T/pg2"
wait_for 20 "the task's process group" test -s "$T/pg2"
pg=$(tr -d ' ' <"$T/pg2")
group_alive "$pg" || fail "the group $pg is not running"
wait_for 10 "the setsid'd child to run" escaped
touch "$T/clear"
driver_wait
r=$(result_of "$(cat "$T/driver.out")" 0)
assert_eq 15 "$(json_field "$r" signal)" "signal after clear"
wait_for 10 "the cleared group $pg to be gone" eval "! group_alive $pg"
wait_for 10 "the setsid'd child to be gone after the clear" eval "! escaped"
assert_contains "$(cat "$T/task-0.log")" "(cleared)"

# 3. SIGTERM ignored: SIGKILL after the grace period.
rm -f "$T/task-0.log"
driver_bg -c "$cfg" -L "$T" -g 500 -t 0:$tmo -- sh -c "trap '' TERM; $task" task "$T/pg3"
wait_for 20 "the task's process group" test -s "$T/pg3"
pg=$(tr -d ' ' <"$T/pg3")
driver_wait
r=$(result_of "$(cat "$T/driver.out")" 0)
assert_eq 9 "$(json_field "$r" signal)" "signal when TERM is ignored"
wait_for 10 "the group $pg to be gone" eval "! group_alive $pg"
wait_for 10 "the setsid'd child to be gone" eval "! escaped"
assert_contains "$(cat "$T/task-0.log")" "sending SIGKILL to the process group $pg"

# 5. What the command leaves behind when it ends (a daemonised subshell's
# child, a nohup'd background job) is stopped with the try, as a local
# try's is (keep_children false, the default), before the try's end is
# reported; with keep_children (-K) it runs on.
left="(sleep 206$$ &); nohup sleep 207$$ >/dev/null 2>&1 & setsid sleep 205$$ </dev/null >/dev/null 2>&1 & echo done"
leftover() { pgrep -f "^sleep 20[567]$$\$"; }
kill_leftovers() { local p; p=$(leftover) || return 0; kill -KILL $p 2>/dev/null || true; }
on_exit kill_leftovers
driver_bg -c "$cfg" -L "$T" -g 2000 -- sh -c "$left"
driver_wait
r=$(result_of "$(cat "$T/driver.out")" 0)
assert_eq 0 "$(json_field "$r" exit_code)" "exit code of a command leaving processes"
wait_for 10 "the processes the try left to be stopped" eval "! leftover"
driver_bg -c "$cfg" -L "$T" -g 2000 -K -- sh -c "$left"
driver_wait
r=$(result_of "$(cat "$T/driver.out")" 0)
assert_eq 0 "$(json_field "$r" exit_code)" "exit code with keep_children"
wait_for 10 "the 3 processes kept with keep_children" eval '[ "$(leftover | wc -l)" = 3 ]'
kill_leftovers
wait_for 10 "the kept processes to go" eval "! leftover"

# 6. A login that talks on stderr before the command starts (a chatty
# .bashrc, here a ForceCommand): its lines reach the log, and the
# executor still finds the process group to kill.
stop_sshd a
SSHD_EXTRA_CONFIG='ForceCommand echo login noise >&2; echo more noise >&2; eval "$SSH_ORIGINAL_COMMAND"' start_sshd a
rm -f "$T/task-0.log"
driver_bg -c "$cfg" -L "$T" -g 2000 -t 0:$tmo -- sh -c "$task" task "$T/pg4"
wait_for 20 "the task's process group" test -s "$T/pg4"
pg=$(tr -d ' ' <"$T/pg4")
driver_wait
r=$(result_of "$(cat "$T/driver.out")" 0)
assert_eq 15 "$(json_field "$r" signal)" "signal after timeout (chatty login)"
wait_for 10 "the group $pg to be gone" eval "! group_alive $pg"
log=$(cat "$T/task-0.log")
assert_contains "$log" "login noise
more noise"
assert_contains "$log" "sending SIGTERM to the process group $pg"
assert_not_contains "$log" "sluice-pgid"

# 7. A host without perl (the sh runner, see ssh_noperl.sh): a timeout
# also stops a child detached with setsid.
mkdir -p "$T/noperl"
for c in sh setsid grep sleep mkdir chmod find rm wc tail head cat; do
	ln -s "$(command -v "$c")" "$T/noperl/$c"
done
stop_sshd a
SSHD_EXTRA_CONFIG="ForceCommand PATH=$T/noperl; eval \"\$SSH_ORIGINAL_COMMAND\"" start_sshd a
rm -f "$T/task-0.log"
driver_bg -c "$cfg" -L "$T" -g 2000 -t 0:$tmo -- sh -c \
	"setsid sleep 32$$ </dev/null >/dev/null 2>&1 & : >$T/started; sleep 300"
wait_for 20 "the task to start" test -e "$T/started"
wait_for 10 "the setsid'd child to run" escaped
driver_wait
r=$(result_of "$(cat "$T/driver.out")" 0)
case $(json_field "$r" signal) in 15|9) ;; *) fail "no kill signal after timeout (no perl): $r" ;; esac
wait_for 10 "the setsid'd child to be gone (no perl)" eval "! escaped"
