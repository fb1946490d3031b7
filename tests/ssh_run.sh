#!/bin/bash
# ssh executor: a task runs remotely with its env (safely quoted), cwd and
# stdin; argv[0] of operator tasks becomes sluice_path; the log's first
# line names the host; a command too large for one SSH exec request is
# refused with its size; `executors check` connects and reports.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
port=$(sshd_port a)
mkdir -p "$T/work dir" "$T/logs"
cfg=$(ssh_config_json a)

tricky="it's \"quoted\" \$HOME \`id\` ; echo pwned | & > <"
out=$("$DRIVER" -c "$cfg" -L "$T/logs" -e "TRICKY=$tricky" \
	-e "MULTI=line1
line2" -e "BAD-NAME=x" -d "$T/work dir" -i "from stdin" -- \
	sh -c 'printf "tricky=%s\n" "$TRICKY"; printf "multi=%s\n" "$MULTI";
	       echo "pwd=$(pwd)"; echo "index=$TASK_INDEX"; echo "stdin=$(cat)";
	       echo "port=${SSH_CONNECTION##* }"; echo "to stderr" >&2')
r=$(result_of "$out" 0)
assert_eq 0 "$(json_field "$r" exit_code)" "exit code"
assert_eq "" "$(json_field "$r" error)" "error"
assert_eq "127.0.0.1:$port" "$(json_field "$r" host)" "host"
log=$(cat "$T/logs/task-0.log")
# sluice's own lines have the one form a reader skips (try_note.h)
head -n 1 "$T/logs/task-0.log" | grep -qE '^\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\+00:00 sluice\] ' ||
	fail "the first log line is not a note of sluice's: $(head -n 1 "$T/logs/task-0.log")"
assert_eq "try 1 of driver.task on host 127.0.0.1:$port as $(id -un) (ssh executor test)" \
	"$(head -n 1 "$T/logs/task-0.log" | sed 's/^\[[^]]*\] //')" "first log line"
assert_contains "$log" "tricky=$tricky"
assert_contains "$log" "multi=line1
line2"
assert_contains "$log" "pwd=$T/work dir"
assert_contains "$log" "index=0"
assert_contains "$log" "stdin=from stdin"
assert_contains "$log" "port=$port"
assert_contains "$log" "to stderr"
assert_contains "$log" "not passed to the remote command (not shell variable names): BAD-NAME"
assert_not_contains "$log" "pwned
"
assert_not_contains "$log" "sluice-pgid"

# The scheduler's own HOME and PATH stay home: the remote login's apply.
out=$(HOME=/nonexistent-home PATH=/nonexistent-bin:$PATH "$DRIVER" -c "$cfg" \
	-L "$T/logs" -- sh -c 'echo "home=$HOME"; echo "path=$PATH"')
log=$(cat "$T/logs/task-0.log")
assert_not_contains "$log" "home=/nonexistent-home"
assert_not_contains "$log" "/nonexistent-bin"

# Operator tasks: argv[0] (the local sluice) becomes sluice_path there.
printf '#!/bin/sh\necho "remote sluice: $*"\n' >"$T/remote-sluice"
chmod +x "$T/remote-sluice"
cfg2=$(ssh_config_json a "\"sluice_path\": \"$T/remote-sluice\"")
out=$("$DRIVER" -c "$cfg2" -L "$T/logs" -s -- /usr/local/bin/sluice operator shell)
assert_eq 0 "$(json_field "$(result_of "$out" 0)" exit_code)" "operator exit"
assert_contains "$(cat "$T/logs/task-0.log")" "remote sluice: operator shell"

# A missing cwd fails the try clearly (exit 126) without running it.
out=$("$DRIVER" -c "$cfg" -L "$T/logs" -d "$T/no such dir" -- touch "$T/ran")
assert_eq 126 "$(json_field "$(result_of "$out" 0)" exit_code)" "bad cwd"
[ ! -e "$T/ran" ] || fail "the command ran despite the missing cwd"

# A command line with its environment travels in one SSH exec request,
# which libssh2 caps: a large one runs whole; one past the cap is refused
# before anything is sent, naming its size and the cap (it was sent and
# failed as "Unable to send channel request"). The try's environment is
# the caller's plus the task's: the driver runs with a small one of its
# own, so that the sizes do not depend on who runs the test.
while read -r n want; do
	v=$(head -c "$n" /dev/zero | tr '\0' v)
	out=$(env -i PATH="$PATH" HOME="$HOME" USER="$(id -un)" "$DRIVER" -c "$cfg" -L "$T/logs" -e "BIG=$v" -- \
		sh -c 'echo "argv=${#1} env=${#BIG}"' big "$v")
	r=$(result_of "$out" 0)
	case $want in
	ok)
		assert_eq 0 "$(json_field "$r" exit_code)" "exit code with a value of $n characters"
		assert_contains "$(cat "$T/logs/task-0.log")" "argv=$n env=$n" ;;
	refused)
		err=$(json_field "$r" start_error)
		assert_contains "$err" "the command with its environment is " "a value of $n characters"
		assert_contains "$err" "bytes, more than the 34725 one SSH exec request can carry" "a value of $n characters"
		assert_contains "$err" "pass large values in a file or on the task's stdin" ;;
	esac
done <<'TABLE'
10000 ok
16000 refused
TABLE

# The local log on a full disk (a 1 MB tmpfs): the try that did its work
# keeps its own exit, and the executor says its log is incomplete, as the
# local executor does (it said nothing).
mkdir -p "$T/full"
if mount -t tmpfs -o size=1m tmpfs "$T/full" 2>"$T/mount.err"; then
	on_exit "umount -l '$T/full'"
	out=$("$DRIVER" -c "$cfg" -L "$T/full" -- sh -c 'head -c 3000000 /dev/zero' 2>"$T/err")
	r=$(result_of "$out" 0)
	assert_eq 0 "$(json_field "$r" exit_code)" "exit code with the log's disk full"
	assert_eq "" "$(json_field "$r" error)" "error with the log's disk full"
	assert_contains "$(cat "$T/err")" "its log $T/full/task-0.log is incomplete: disk full: "
	assert_contains "$(cat "$T/err")" "bytes of output could not be written to it"
else
	echo "ssh_run: the full-disk case skipped: $(cat "$T/mount.err")"
fi

# executors check: every host connects and reports.
out=$("$DRIVER" -C -c "$cfg2")
assert_contains "$out" "127.0.0.1:$port: ok: logged in as $(id -un)"
assert_contains "$out" "host key ED25519 SHA256:"
assert_contains "$out" "sluice at $T/remote-sluice"
# no sluice on the host: still ok (shell tasks run), with what to do
out=$("$DRIVER" -C -c "$(ssh_config_json a "\"sluice_path\": \"$T/no-sluice\"")")
assert_contains "$out" "127.0.0.1:$port: ok: logged in"
assert_contains "$out" "sluice not found on the host as $T/no-sluice (shell tasks do not need it; tasks of other types do: install it there, or set sluice_path)"
dead=$(free_port)
cfg3=$(ssh_config_json a "\"hosts\": [\"127.0.0.1:$port\", \"127.0.0.1:$dead\"], \"connect_timeout\": \"3s\"")
# (the later "hosts" member wins over the generated one)
if out=$("$DRIVER" -C -c "$cfg3"); then
	fail "check passed with a dead host: $out"
fi
assert_contains "$out" "127.0.0.1:$dead: FAILED: cannot connect to 127.0.0.1:$dead: Connection refused"
assert_contains "$out" "127.0.0.1:$port: ok"
assert_contains "$out" "check failed: 1 of 2 hosts"
