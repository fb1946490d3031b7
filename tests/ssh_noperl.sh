#!/bin/bash
# ssh executor on a host without perl: the start falls back to the sh
# runner and its polling follower. Output streams into the log, exit codes
# come back (a status above 128 reads as the signal N-128: the shell's $?
# cannot tell them apart), the try's files hold a bare status, and what
# the command leaves behind is stopped unless keep_children.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

# The login's PATH holds what a host without perl has.
mkdir -p "$T/noperl"
for c in sh setsid grep mkdir chmod find rm wc tail head sleep cat; do
	ln -s "$(command -v "$c")" "$T/noperl/$c"
done
SSHD_EXTRA_CONFIG="ForceCommand PATH=$T/noperl; eval \"\$SSH_ORIGINAL_COMMAND\"" start_sshd a
cfg=$(ssh_config_json a)

check() {	# EXIT SIGNAL COMMAND...
	local want_exit=$1 want_sig=$2 out r
	shift 2
	out=$("$DRIVER" -c "$cfg" -L "$T" -o -- "$@")
	r=$(result_of "$out" 0)
	assert_eq "$want_sig" "$(json_field "$r" signal)" "signal of $*"
	[ "$want_sig" != 0 ] || assert_eq "$want_exit" "$(json_field "$r" exit_code)" "exit code of $*"
	assert_eq "" "$(json_field "$r" error)" "error of $*"
	ID=$(printf '%s\n' "$out" | sed -n 's/.* id=\([0-9a-f-]*\) .*/\1/p' | head -n 1)
	[ -n "$ID" ] || fail "no token in: $out"
}
tries=$(getent passwd "$(id -un)" | cut -d: -f6)/.sluice/tries

check 0 0 sh -c 'echo out; echo err >&2'
assert_contains "$(cat "$T/task-0.log")" "out
err"
assert_eq 0 "$(cat "$tries/$ID.status")" "the bare status"
check 3 0 sh -c 'exit 3'
check 127 0 no-such-command-for-sluice
check - 10 sh -c 'kill -USR1 $$'
check - 15 sh -c 'kill -TERM $$'

# Streams: the first line is in the log while the task still runs.
driver_bg -c "$cfg" -L "$T" -- sh -c '
	echo first line
	i=0; while [ ! -e "$1" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
	echo second line' task "$T/go"
wait_for 30 "the first line in the log" grep -q '^first line$' "$T/task-0.log"
grep -q 'second line' "$T/task-0.log" && fail "second line before the go file"
touch "$T/go"
driver_wait
assert_contains "$(cat "$T/task-0.log")" "second line"

# What the command leaves behind is stopped when it ends (the sh runner
# finds its group in /proc, and a setsid'd child by the try's key in its
# environment), unless keep_children (-K).
leftover() { pgrep -f "^sleep 2(0[89]|10)$$\$"; }
kill_leftovers() { local p; p=$(leftover) || return 0; kill -KILL $p 2>/dev/null || true; }
on_exit kill_leftovers
left="(sleep 208$$ &); sleep 209$$ >/dev/null 2>&1 & setsid sleep 210$$ </dev/null >/dev/null 2>&1 & echo done"
check 0 0 sh -c "$left"
wait_for 10 "the processes the try left to be stopped" eval "! leftover"
"$DRIVER" -c "$cfg" -L "$T" -K -- sh -c "$left" >/dev/null
wait_for 10 "the 3 processes kept with keep_children" eval '[ "$(leftover | wc -l)" = 3 ]'
kill_leftovers
echo "ssh_noperl: ok"
