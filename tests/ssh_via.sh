#!/bin/bash
# ssh executor: a jump host (via). The connection to the target goes
# through a direct-tcpip channel of the jump host's connection: the jump
# sshd logs the forward, and a jump host that may not forward to the
# target makes the try fail with an error naming both.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd jump
start_sshd target
pj=$(sshd_port jump)
pt=$(sshd_port target)
# The jump host logs forwards (sshd -e writes its log to sshd.log).
stop_sshd jump
SSHD_EXTRA_CONFIG="LogLevel DEBUG1" start_sshd jump
user=$(id -un)
cfg=$(ssh_config_json target "\"via\": \"$user@127.0.0.1:$pj\"")
out=$("$DRIVER" -c "$cfg" -n 3 -L "$T" -- sh -c 'echo "on ${SSH_CONNECTION##* }"')
for i in 0 1 2; do
	r=$(result_of "$out" $i)
	assert_eq 0 "$(json_field "$r" exit_code)" "task $i exit"
	assert_eq "127.0.0.1:$pt" "$(json_field "$r" host)" "task $i host"
	assert_contains "$(cat "$T/task-$i.log")" "on $pt"
	assert_contains "$(head -n 1 "$T/task-$i.log")" ", via 127.0.0.1:$pj)"
done
assert_contains "$(cat "$SSH_DIR/sshd-jump/sshd.log")" "127.0.0.1 port $pt"

# A jump host that refuses to forward there. (The target cannot be
# reached: with unreachable_timeout 0 the try fails at once rather than
# wait for it, ssh_unreachable.sh.)
cfg=$(ssh_config_json target "\"via\": \"$user@127.0.0.1:$pj\"" '"unreachable_timeout": 0')
stop_sshd jump
SSHD_EXTRA_CONFIG="PermitOpen 127.0.0.1:1" start_sshd jump
out=$("$DRIVER" -c "$cfg" -L "$T" -- true)
err=$(json_field "$(result_of "$out" 0)" error)
assert_contains "$err" "the jump host 127.0.0.1:$pj cannot reach 127.0.0.1:$pt"

# A jump host that is down.
stop_sshd jump
out=$("$DRIVER" -c "$cfg" -L "$T" -- true)
err=$(json_field "$(result_of "$out" 0)" error)
assert_contains "$err" "127.0.0.1:$pj"
