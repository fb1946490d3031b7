#!/bin/bash
# ssh executor: exit codes and terminating signals come back exactly.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
cfg=$(ssh_config_json a)
check() {	# EXIT SIGNAL COMMAND...
	local want_exit=$1 want_sig=$2 out r
	shift 2
	out=$("$DRIVER" -c "$cfg" -L "$T" -- "$@")
	r=$(result_of "$out" 0)
	assert_eq "$want_sig" "$(json_field "$r" signal)" "signal of $*"
	[ "$want_sig" != 0 ] || assert_eq "$want_exit" "$(json_field "$r" exit_code)" "exit code of $*"
	assert_eq "" "$(json_field "$r" error)" "error of $*"
}
check 0 0 true
check 1 0 false
check 3 0 sh -c 'exit 3'
check 255 0 sh -c 'exit 255'
check 130 0 sh -c 'exit 130'		# an exit code, not a signal
check 127 0 no-such-command-for-sluice
check - 10 sh -c 'kill -USR1 $$'
check - 9 sh -c 'kill -KILL $$'
check - 15 sh -c 'kill -TERM $$'
check - 11 sh -c 'kill -SEGV $$'
