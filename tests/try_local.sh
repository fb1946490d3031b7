#!/bin/bash
# The local executor through its supervisor, driven by tests/exec_driver
# as a scheduler would: results (exit code, signal, stdin, log cap);
# setsid children end with a timed-out try; a driver (the "scheduler")
# that is SIGKILLed or detaches leaves its tries running, and a second
# executor instance adopts them: the real exit status of a try that ended
# while nobody watched, of one still running, of one it kills; a try
# whose supervisor died unwatched is reported lost and its processes
# end, as is one whose shared server ends while watched (its status is
# not the command's); tokens of an older sluice are refused by adopt.
. "$SLUICE_SRCDIR/tests/setup.sh"
DRIVER=$SLUICE_BUILDDIR/tests/exec_driver
SUP=$SLUICE_BUILDDIR/sluice-try
CONF="{\"type\":\"local\",\"supervisor\":\"$SUP\",\"status_dir\":\"$T/run\",\"cgroup\":true}"
mkdir -p "$T/logs"

json() {	# FILE TASK KEY: KEY of the result line of task TASK
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("task") == int(sys.argv[2]) and sys.argv[3] in o and ("exit_code" in o or sys.argv[3] in ("token","adopt_error","detached","adopted")):
        print(o[sys.argv[3]])' "$@"
}
gone_all() {	# FILE: every pid listed in FILE is gone
	local p
	for p in $(cat "$1"); do pid_gone "$p" || return 1; done
}
lines() { [ "$(wc -l < "$1" 2>/dev/null || echo 0)" -ge "$2" ]; }

# --- results: exit codes, a signal, stdin, the log ---
"$DRIVER" -Y -c "$CONF" -L "$T/logs" -n 3 -i "in" -- sh -c 'read x; echo "got $x"; case $TASK_INDEX in 0) exit 0;; 1) exit 5;; 2) kill -9 $$;; esac' >"$T/r.out"
assert_eq 0 "$(json "$T/r.out" 0 exit_code)"
assert_eq 5 "$(json "$T/r.out" 1 exit_code)"
assert_eq 9 "$(json "$T/r.out" 2 signal)"
assert_eq "got in" "$(cat "$T/logs/task-0.log")" "stdin and the log"
assert_eq "" "$(ls "$T/run")" "status files are removed once reported"
# a program that does not exist, a missing working directory
"$DRIVER" -Y -c "$CONF" -L "$T/logs" -- /nonexistent/prog >"$T/e.out"
assert_contains "$(json "$T/e.out" 0 error)" "cannot start /nonexistent/prog: No such file or directory"
"$DRIVER" -Y -c "$CONF" -L "$T/logs" -d "$T/nowhere" -- true >"$T/e.out"
assert_contains "$(json "$T/e.out" 0 error)" "cannot change to the directory $T/nowhere"
# log_max per try
rm -f "$T/logs/"*
"$DRIVER" -Y -c "$CONF" -L "$T/logs" -m 100000 -- sh -c 'echo FIRST; yes abc | head -c 1000000; echo LAST' >"$T/m.out"
assert_eq 0 "$(json "$T/m.out" 0 exit_code)"
assert_eq 100000 "$(stat -c %s "$T/logs/task-0.log")" "the log is capped"
assert_eq FIRST "$(head -n 1 "$T/logs/task-0.log")"
assert_eq LAST "$(tail -n 1 "$T/logs/task-0.log")"
# a supervisor that is missing: the executor is refused with the reason
"$DRIVER" -Y -c '{"type":"local","supervisor":"/nonexistent/sluice-try"}' -- true 2>"$T/err" && fail "a missing supervisor was accepted"
assert_contains "$(cat "$T/err")" "cannot find the try supervisor /nonexistent/sluice-try"

# --- a timed-out try: its setsid'd and backgrounded children end too ---
: >"$T/kids"
on_exit 'kill -9 $(cat "$T/kids") 2>/dev/null'
"$DRIVER" -Y -c "$CONF" -L "$T/logs" -g 300 -t 0:1000 -- sh -c '
	setsid sh -c "echo \$\$ >> $T/kids; exec sleep 300" &
	setsid sh -c "sleep 300 & echo \$! >> $T/kids; trap \"\" TERM; while :; do sleep 1; done" &
	sleep 300 & echo $! >> '"$T/kids"'
	wait' >"$T/t.out"
assert_eq 15 "$(json "$T/t.out" 0 signal)" "killed by the timeout"
lines "$T/kids" 3 || fail "the children did not start in time: $(cat "$T/kids")"
gone_all "$T/kids" || fail "children outlived the killed try"

# --- a main process that exits leaves nothing behind, unless kept ---
: >"$T/left"
on_exit 'kill -9 $(cat "$T/left") 2>/dev/null'
"$DRIVER" -Y -c "$CONF" -L "$T/logs" -- sh -c 'for i in 1 2 3 4 5; do sleep 300 & echo $! >> '"$T/left"'; done; setsid sleep 300 & echo $! >> '"$T/left"'; exit 0' >"$T/l.out"
assert_eq 0 "$(json "$T/l.out" 0 exit_code)"
assert_eq 6 "$(wc -l < "$T/left")"
gone_all "$T/left" || fail "leftovers survived their try"
: >"$T/kept"
on_exit 'kill -9 $(cat "$T/kept") 2>/dev/null'
"$DRIVER" -Y -c "$CONF" -L "$T/logs" -K -- sh -c 'setsid sleep 300 >/dev/null 2>&1 & echo $! >> '"$T/kept" >"$T/k.out"
! pid_gone "$(cat "$T/kept")" || fail "keep_children: the child was killed"

# --- the scheduler dies (kill -9): tries run on; a new executor adopts
#     one that ended while nobody watched and one still running ---
waiter='n=0; while [ ! -f '"$T"'/go$TASK_INDEX ]; do sleep 0.05; done; echo "task $TASK_INDEX ends"; exit $((40 + TASK_INDEX))'
"$DRIVER" -Y -c "$CONF" -L "$T/logs" -n 2 -o -- sh -c "$waiter" >"$T/a.out" &
drv=$!
wait_for 20 "two tries to start" lines "$T/a.out" 2
tok0=$(json "$T/a.out" 0 token)
tok1=$(json "$T/a.out" 1 token)
assert_contains "$tok0" "status=$T/run/"
kill -9 "$drv"
wait "$drv" 2>/dev/null || true
touch "$T/go0"
st0=${tok0#*status=}
wait_for 20 "try 0 to end unwatched" test -f "$st0"
assert_contains "$(cat "$st0")" "exit_code=40"
"$DRIVER" -Y -c "$CONF" -o -a "$tok0" -a "$tok1" >"$T/b.out" &
drv=$!
wait_for 20 "both tries to be adopted" sh -c "grep -c adopted '$T/b.out' | grep -qx 2"
wait_for 20 "try 0's result" sh -c "grep -q exit_code '$T/b.out'"
assert_eq 40 "$(json "$T/b.out" 0 exit_code)" "the try that ended while no scheduler ran"
assert_eq "" "$(json "$T/b.out" 1 exit_code)" "the running try is still running"
touch "$T/go1"
wait "$drv"
assert_eq 41 "$(json "$T/b.out" 1 exit_code)" "the adopted running try"
assert_eq "" "$(json "$T/b.out" 1 error)"
assert_eq "" "$(ls "$T/run")" "status files are removed once reported"
assert_contains "$(cat "$T/logs/task-1.log")" "task 1 ends"

# --- the scheduler stops and detaches (no kill); the next one adopts
#     and kills one of them, and sees the other end ---
rm -f "$T/go0" "$T/go1"
: >"$T/tree"
on_exit 'kill -9 $(cat "$T/tree") 2>/dev/null'
"$DRIVER" -Y -c "$CONF" -L "$T/logs" -n 2 -g 300 -o -x "$T/detach" -- sh -c 'setsid sleep 300 & echo $! >> '"$T/tree"'; '"$waiter" >"$T/c.out"  &
drv=$!
wait_for 20 "two tries to start" sh -c "grep -c token '$T/c.out' | grep -qx 2"
wait_for 20 "their children to start" lines "$T/tree" 2
touch "$T/detach"
wait "$drv"
assert_eq 1 "$(json "$T/c.out" 0 detached)"
assert_eq 1 "$(json "$T/c.out" 1 detached)"
tok0=$(json "$T/c.out" 0 token)
tok1=$(json "$T/c.out" 1 token)
"$DRIVER" -Y -c "$CONF" -o -k "0:$T/kill0" -a "$tok0" -a "$tok1" >"$T/d.out" &
drv=$!
wait_for 20 "both tries to be adopted" sh -c "grep -c adopted '$T/d.out' | grep -qx 2"
touch "$T/kill0"
wait_for 20 "the killed try's result" sh -c "grep -q exit_code '$T/d.out'"
assert_eq 15 "$(json "$T/d.out" 0 signal)" "an adopted try killed"
touch "$T/go1"
wait "$drv"
assert_eq 41 "$(json "$T/d.out" 1 exit_code)"
gone_all "$T/tree" || fail "the adopted tries' setsid children survived"

# --- a supervisor killed while nobody watched: adopt reports the try
#     lost, and ends what is left of it (by its cgroup, or without one
#     by the key in the environment of its processes) ---
lost_case() {	# CONFIG NAME
	: >"$T/lost.$2"
	on_exit "kill -9 \$(cat '$T/lost.$2') 2>/dev/null"
	"$DRIVER" -Y -c "$1" -L "$T/logs" -o -x "$T/detach" -- sh -c 'echo $$ >> "$1"; setsid sleep 300 & echo $! >> "$1"; wait' x "$T/lost.$2" >"$T/e.out"
	tok=$(json "$T/e.out" 0 token)
	st=${tok#*status=}
	wait_for 20 "the supervisor's running record ($2)" grep -aq '^pid=' "$st.tmp"
	sup=$(sed -n 's/^pid=//p' "$st.tmp" | tr -d '\0')
	wait_for 20 "the try's processes to start ($2)" lines "$T/lost.$2" 2
	kill -9 "$sup"
	wait_for 20 "the supervisor to die ($2)" pid_gone "$sup"
	"$DRIVER" -Y -c "$1" -a "$tok" >"$T/f.out"
	assert_contains "$(json "$T/f.out" 0 error)" "lost: " "$2"
	wait_for 20 "the lost try's processes to end ($2)" gone_all "$T/lost.$2"
}
lost_case "$CONF" default
lost_case "{\"type\":\"local\",\"supervisor\":\"$SUP\",\"status_dir\":\"$T/run\",\"cgroup\":false}" no-cgroup

# --- a supervisor that ends while the executor watches, before it
#     recorded the try's end: the try is lost (the supervisor's end in
#     the reason), never that end taken as the command's; what is left
#     of it ends. A per-try supervisor (fork_server: false) exits as its
#     command did, so a kill of it is the signal. A fake server that
#     exits 0 once its real one was killed stands for a server whose
#     status is 0: that is no success. ---
mkfifo "$T/server.go"
# a fake server still waiting when the test fails is let go (read-write:
# the open never blocks)
on_exit "echo go 1<>'$T/server.go'"
cat >"$T/fake-server" <<EOF
#!/bin/sh
# sluice-try, whose --server ends with status 0 once told, after killing
# the real server (which holds the ends pipe with us until we exit)
case " \$* " in *" --server "*) ;; *) exec "$SUP" "\$@";; esac
"$SUP" "\$@" &
read go <"$T/server.go"
kill -9 \$!
exit 0
EOF
chmod +x "$T/fake-server"
NOSRV="{\"type\":\"local\",\"supervisor\":\"$SUP\",\"status_dir\":\"$T/run\",\"fork_server\":false}"
FAKE="{\"type\":\"local\",\"supervisor\":\"$T/fake-server\",\"status_dir\":\"$T/run\",\"starters\":1}"
watched_case() {	# NAME CONFIG KILL WANT_SIGNAL WANT_ERROR
	: >"$T/watched"
	on_exit 'kill -9 $(cat "$T/watched") 2>/dev/null'
	"$DRIVER" -Y -c "$2" -L "$T/logs" -o -- sh -c 'setsid sleep 300 & echo $! >> '"$T/watched"'; wait' >"$T/h.out" &
	drv=$!
	wait_for 20 "the try to start ($1)" sh -c "grep -q token '$T/h.out'"
	tok=$(json "$T/h.out" 0 token)
	wait_for 20 "the try's child to start ($1)" test -s "$T/watched"
	wait_for 20 "the supervisor's running record ($1)" grep -aq '^pid=' "${tok#*status=}.tmp"
	sup=$(sed -n 's/^pid=//p' "${tok#*status=}.tmp" | tr -d '\0')
	case $3 in
	go) echo go >"$T/server.go" ;;
	*) kill -"$3" "$sup" ;;
	esac
	wait "$drv"
	assert_eq "$4" "$(json "$T/h.out" 0 signal)" "$1: the signal recorded as the command's"
	if [ -n "$5" ]; then
		assert_contains "$(json "$T/h.out" 0 error)" "$5" "$1: the error"
		assert_eq -1 "$(json "$T/h.out" 0 exit_code)" "$1: no exit code"
	fi
	wait_for 20 "the try's child to end ($1)" gone_all "$T/watched"
}
watched_case "shared server, kill -9" "$CONF" 9 0 \
	"lost: the shared supervisor (sluice-try --server) was killed by signal 9 (Killed) before it recorded how the try ended"
watched_case "shared server exits 0" "$FAKE" go 0 \
	"lost: the shared supervisor (sluice-try --server) exited with status 0 before it recorded how the try ended"
watched_case "per-try supervisor, kill -9" "$NOSRV" 9 9 ""

# --- tokens the executor cannot follow ---
"$DRIVER" -Y -c "$CONF" -a "key=0123456789abcdef0123456789abcdef" -a "pgid=12 start=34" >"$T/g.out"
assert_contains "$(json "$T/g.out" 0 adopt_error)" "cannot be followed"
assert_contains "$(json "$T/g.out" 1 adopt_error)" "cannot be followed"
# no try leaves its cgroup behind (where tries get one), kept or killed
cg=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
if [ -n "$cg" ]; then
	for key in $(cat "$T"/*.out | grep -o 'key=[0-9a-f]*' | sort -u | cut -d= -f2); do
		[ ! -d "$cg/sluice-try-$key" ] || fail "the cgroup of try $key was left behind"
	done
fi
# --- a reported try's status file becomes a spare that the next try
#     takes: one inode serves every try in turn, and the folder is empty
#     once the executor stopped ---
KEEP0="{\"type\":\"local\",\"supervisor\":\"$SUP\",\"status_dir\":\"$T/run2\",\"status_keep_ms\":0}"
mkdir -p "$T/logs2"
"$DRIVER" -Y -c "$KEEP0" -L "$T/logs2" -n 5 -P 1 -- sh -c 'stat -c %i "$1/$SLUICE_TRY_KEY.status.tmp"; exit $((TASK_INDEX + 10))' x "$T/run2" >"$T/k.out"
for i in 0 1 2 3 4; do
	assert_eq $((i + 10)) "$(json "$T/k.out" $i exit_code)" "try $i's result through a spare"
	assert_eq "$(cat "$T/logs2/task-0.log")" "$(cat "$T/logs2/task-$i.log")" "try $i's status file is try 0's, recycled"
done
assert_eq "" "$(ls -A "$T/run2")" "spares are removed when the executor stops"
echo "try_local: ok"
