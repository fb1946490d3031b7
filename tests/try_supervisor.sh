#!/bin/bash
# sluice-try, the per-try supervisor, run directly: the status file holds
# the exit code or the signal; the log keeps head and tail with a marker
# when the output passes the cap; children (backgrounded and setsid'd)
# end with the try unless kept; a SIGTERM ends the whole tree; a
# supervisor whose parent is SIGKILLed finishes and records the end.
. "$SLUICE_SRCDIR/tests/setup.sh"
SUP=$SLUICE_BUILDDIR/sluice-try
[ -x "$SUP" ] || fail "$SUP is not built"

field() {	# FILE NAME: the value of NAME= in a status file
	sed -n "s/^$2=//p" "$1"
}
gone_all() {	# FILE: every pid listed in FILE is gone
	local p
	for p in $(cat "$1"); do pid_gone "$p" || return 1; done
}

# --- exit codes, signals, a command that cannot start (a table) ---
while IFS='|' read -r name cmd code sig err; do
	rc=0
	"$SUP" -s "$T/$name.status" -- sh -c "$cmd" >>"$T/$name.log" 2>&1 || rc=$?
	assert_eq ended "$(field "$T/$name.status" state)" "$name: state"
	assert_eq "$code" "$(field "$T/$name.status" exit_code)" "$name: exit_code"
	assert_eq "$sig" "$(field "$T/$name.status" signal)" "$name: signal"
	assert_eq "$code" "$rc" "$name: the supervisor's own exit mirrors the command"
	if [ -n "$err" ]; then
		assert_contains "$(field "$T/$name.status" error)" "$err" "$name: error"
	else
		assert_eq "" "$(field "$T/$name.status" error)" "$name: no error"
	fi
	[ ! -e "$T/$name.status.tmp" ] || fail "$name: the temp status file was left"
done <<'TABLE'
ok|echo out; echo err >&2|0|0|
three|exit 3|3|0|
term|kill -TERM $$|143|15|
kill9|kill -KILL $$|137|9|
missing|exec /nonexistent/program|127|0|
TABLE
assert_eq "out
err" "$(cat "$T/ok.log")" "stdout and stderr in the log"
rc=0
"$SUP" -s "$T/nostart.status" -x /nonexistent/program -- prog >>"$T/nostart.log" 2>&1 || rc=$?
assert_eq 127 "$rc" "a program that cannot start"
assert_contains "$(field "$T/nostart.status" error)" "cannot start prog: No such file or directory"
assert_contains "$(cat "$T/nostart.log")" "cannot start prog"

# --- stdin is the command's ---
echo "from stdin" | "$SUP" -s "$T/stdin.status" -- cat >>"$T/stdin.log"
assert_eq "from stdin" "$(cat "$T/stdin.log")"

# --- the log cap: 300 MB of output under the default cap (100 MB) ---
"$SUP" -s "$T/big.status" -- sh -c 'echo FIRST; yes "the middle of a long output" | head -c 300000000; echo; echo LAST' >>"$T/big.log"
size=$(stat -c %s "$T/big.log")
[ "$size" -ge 99000000 ] && [ "$size" -le 100001000 ] || fail "a 300 MB output left a log of $size bytes (cap 100 MB)"
assert_eq FIRST "$(head -n 1 "$T/big.log")" "the head is kept"
assert_eq LAST "$(tail -n 1 "$T/big.log")" "the tail is kept"
markers=$(grep -a -c '^\[sluice: [0-9]* bytes of output dropped here' "$T/big.log")
assert_eq 1 "$markers" "one marker line"
dropped=$(grep -a -o '^\[sluice: [0-9]* bytes' "$T/big.log" | tr -dc 0-9)
assert_eq "$dropped" "$(field "$T/big.status" log_dropped)" "the status counts the dropped bytes as the marker says"
[ "$dropped" -ge 200000000 ] && [ "$dropped" -le 201000000 ] || fail "dropped $dropped bytes of about 300 MB with a 100 MB cap"
# every kept line is whole except around the marker and at the cut of head -c
assert_eq 0 "$(grep -a -v -c -e '^the middle of a long output$' -e '^FIRST$' -e '^LAST$' -e '^\[sluice' -e '^$' "$T/big.log" | awk '{print ($1 > 3)}')" "kept lines are the output's"
rm -f "$T/big.log"

# a small cap, a little over it: head and tail exactly, in order
"$SUP" -s "$T/small.status" -m 20000 -- sh -c 'i=0; while [ $i -lt 5000 ]; do echo "line $i"; i=$((i+1)); done' >>"$T/small.log"
assert_eq "line 0" "$(head -n 1 "$T/small.log")"
assert_eq "line 4999" "$(tail -n 1 "$T/small.log")"
assert_eq 20000 "$(stat -c %s "$T/small.log")" "the log is the cap"
grep -a '^line' "$T/small.log" | awk '{print $2}' | sort -n -c || fail "kept lines out of order"
# under the cap: untouched
"$SUP" -s "$T/under.status" -m 20000 -- sh -c 'echo a; echo b' >>"$T/under.log"
assert_eq "a
b" "$(cat "$T/under.log")"
assert_eq 0 "$(field "$T/under.status" log_dropped)"

# --- leftovers: backgrounded and setsid'd children end with the try ---
cat >"$T/spawner.sh" <<'SH'
# starts 10 background children, 2 setsid'd ones and one that ignores
# SIGTERM, records their pids, and exits 0 without waiting
for i in 1 2 3 4 5 6 7 8 9 10; do sleep 300 & echo $! >> "$1"; done
setsid sh -c 'echo $$ >> "$1"; exec sleep 300' x "$1" &
setsid sh -c 'sleep 300 & echo $! >> "$1"; wait' x "$1" &
sh -c 'trap "" TERM; echo $$ >> "$1"; while :; do sleep 1; done' x "$1" &
n=0
while [ "$(wc -l < "$1")" -lt 13 ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n+1)); done
exit 0
SH
: >"$T/kids"
on_exit 'kill -9 $(cat "$T/kids") 2>/dev/null'
"$SUP" -s "$T/kids.status" -g 500 -- sh "$T/spawner.sh" "$T/kids" >>"$T/kids.log" 2>&1
assert_eq 13 "$(wc -l < "$T/kids")" "children started"
assert_eq 0 "$(field "$T/kids.status" exit_code)" "the try itself succeeded"
# the supervisor returns only once its tree is empty: no poll needed
gone_all "$T/kids" || fail "children outlived their try: $(ps -o pid=,args= -p "$(paste -sd, "$T/kids")")"

# keep_children (-K): they are left running
: >"$T/kept"
on_exit 'kill -9 $(cat "$T/kept") 2>/dev/null'
"$SUP" -s "$T/kept.status" -K -- sh -c 'setsid sleep 300 >/dev/null 2>&1 & echo $! >> "$1"' x "$T/kept" >>"$T/kept.log" 2>&1
assert_eq 0 "$(field "$T/kept.status" exit_code)"
! pid_gone "$(cat "$T/kept")" || fail "a kept child was killed"
kill -9 "$(cat "$T/kept")"

# --- SIGTERM (a kill request): the whole tree, SIGKILL after the grace ---
: >"$T/tree"
on_exit 'kill -9 $(cat "$T/tree") 2>/dev/null'
"$SUP" -s "$T/tree.status" -g 300 -- sh -c '
	setsid sh -c "echo \$\$ >> $1; exec sleep 300" &
	sh -c "trap \"\" TERM; echo \$\$ >> $1; while :; do sleep 1; done" &
	sleep 300 & echo $! >> "$1"
	wait' x "$T/tree" >>"$T/tree.log" 2>&1 &
sup=$!
wait_for 20 "the tree to start" sh -c "[ \$(wc -l < '$T/tree') -ge 3 ]"
kill -TERM "$sup"
rc=0
wait "$sup" || rc=$?
assert_eq 143 "$rc" "the supervisor mirrors the SIGTERM of the command"
assert_eq 15 "$(field "$T/tree.status" signal)" "signal in the status"
gone_all "$T/tree" || fail "processes survived the kill: $(cat "$T/tree")"

# a kill request ends kept children too (keep_children is about a
# command that ends by itself)
: >"$T/keptkill"
on_exit 'kill -9 $(cat "$T/keptkill") 2>/dev/null'
"$SUP" -s "$T/keptkill.status" -K -g 300 -- sh -c '
	setsid sh -c "trap \"\" TERM; echo \$\$ >> $1; while :; do sleep 1; done" &
	wait' x "$T/keptkill" >>"$T/keptkill.log" 2>&1 &
sup=$!
wait_for 20 "the kept child to start" test -s "$T/keptkill"
kill -TERM "$sup"
wait "$sup" || true
gone_all "$T/keptkill" || fail "a kill request left a kept child running"

# --- the parent (a scheduler) is SIGKILLed: the try runs on, finishes,
#     and its status says how it ended ---
sh -c '"$1" -s "$2/orphan.status" -- sh -c "while [ ! -f \"$2/go\" ]; do sleep 0.05; done; exit 42" >>"$2/orphan.log" 2>&1 &
       echo $! > "$2/orphan.pid"; wait' x "$SUP" "$T" &
parent=$!
wait_for 20 "the supervisor to start" test -s "$T/orphan.status.tmp"
assert_eq running "$(field "$T/orphan.status.tmp" state)"
orphan=$(cat "$T/orphan.pid")
assert_eq "$orphan" "$(field "$T/orphan.status.tmp" pid)" "the running record names the supervisor"
kill -9 "$parent"
wait "$parent" 2>/dev/null || true
! pid_gone "$orphan" || fail "the supervisor died with its parent"
touch "$T/go"
wait_for 20 "the orphaned try to end" test -f "$T/orphan.status"
assert_eq 42 "$(field "$T/orphan.status" exit_code)" "the orphaned try's exit code"
echo "try_supervisor: ok"
