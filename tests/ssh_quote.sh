#!/bin/bash
# ssh executor: every value built into the remote shell line (argv, env
# values, the cwd, sluice_path) is one quoted shell word: a value holding
# a quote, a semicolon, a command substitution and spaces (a newline, a
# backslash, UTF-8, an empty value) arrives verbatim, and nothing in it
# runs; output that is not text reaches the log byte for byte.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

start_sshd a
mkdir -p "$T/logs"
cd "$T"
# Relative to $T: a command substitution that ran would leave a file here
# (the remote login starts in $HOME, so look there too).
v="it's; \$(touch pwned-sub) \`touch pwned-tick\`;  a  b ' \"; touch pwned-semi"
dir="$T/it's; \$(touch pwned-cwd) x"
mkdir -p "$dir"
printf '#!/bin/sh\nprintf "remote sluice: [%%s]\\n" "$@"\n' >"$dir/remote-sluice"
chmod +x "$dir/remote-sluice"
cfg=$(ssh_config_json a "\"sluice_path\": \"$T/it's; \$(touch pwned-cwd) x/remote-sluice\"")

# a newline, a backslash, UTF-8, an empty value; and output bytes that
# are not text (NUL, 0xff) copied as they are
nl=$'line one\nline two $HOME `touch pwned-nl` \\ end'
uni='café ✓ 日本 🚀'
out=$("$DRIVER" -c "$cfg" -L "$T/logs" -e "TRICKY=$v" -e "NL=$nl" -e "UNI=$uni" -e "EMPTY=" -d "$dir" -- \
	sh -c 'printf "argv=[%s]\n" "$1"; printf "env=[%s]\n" "$TRICKY";
	       printf "pwd=[%s]\n" "$(pwd)"; printf "argv2=[%s]\n" "$2"
	       printf "nl=[%s]\n" "$NL"; printf "uni=[%s]\n" "$UNI"
	       printf "empty=[%s]\n" "${EMPTY-unset}"; printf "bin:\000\377;\n"' sh "$v" "$nl")
r=$(result_of "$out" 0)
assert_eq 0 "$(json_field "$r" exit_code)" "exit code"
log=$(cat "$T/logs/task-0.log")
assert_contains "$log" "argv=[$v]"
assert_contains "$log" "env=[$v]"
assert_contains "$log" "pwd=[$dir]"
assert_contains "$log" "argv2=[$nl]"
assert_contains "$log" "nl=[$nl]"
assert_contains "$log" "uni=[$uni]"
assert_contains "$log" "empty=[]"
assert_eq 1 "$(/usr/bin/python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(b"bin:\x00\xff;\n"))' "$T/logs/task-0.log")" "binary output, byte for byte"

# argv[0] of an operator task becomes sluice_path, quoted the same way.
out=$("$DRIVER" -c "$cfg" -L "$T/logs" -s -- /usr/local/bin/sluice operator "$v")
assert_eq 0 "$(json_field "$(result_of "$out" 0)" exit_code)" "operator exit"
log=$(cat "$T/logs/task-0.log")
assert_contains "$log" "remote sluice: [operator]"
assert_contains "$log" "remote sluice: [$v]"

# executors check looks sluice_path up with the same quoting.
out=$("$DRIVER" -C -c "$cfg")
assert_contains "$out" "sluice at $dir/remote-sluice"

for where in "$T" "$dir" "$HOME"; do
	for f in pwned-sub pwned-tick pwned-semi pwned-cwd pwned-nl; do
		[ ! -e "$where/$f" ] || fail "a value ran as code: $where/$f exists"
	done
done
