#!/bin/bash
# The local executor's lanes (`starters`: starter threads, each with its
# own shared supervisor, taking tries from one queue), driven by
# tests/exec_driver: tries started on several lanes report their own
# ends (each server numbers its tries from 1, so a serial alone would
# confuse them), a kill reaches the try on whichever lane started it, and
# a bad `starters` value is refused with the executor's name; kill
# requests sent together to one server all arrive, also after a restart
# (to an adopted try's server).
. "$SLUICE_SRCDIR/tests/setup.sh"
DRIVER=$SLUICE_BUILDDIR/tests/exec_driver
SUP=$SLUICE_BUILDDIR/sluice-try
CONF="{\"type\":\"local\",\"supervisor\":\"$SUP\",\"status_dir\":\"$T/run\",\"slots\":12,\"starters\":3}"
mkdir -p "$T/logs"

code() {	# FILE TASK KEY
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("task") == int(sys.argv[2]) and sys.argv[3] in o:
        print(o[sys.argv[3]])' "$@"
}

# --- twelve tries at once, ending in the reverse order of their start:
# each reports its own exit code; the parent of each command is the lane's
# server that started it ---
"$DRIVER" -c "$CONF" -L "$T/logs" -n 12 -- sh -c 'echo "server $PPID"; sleep 0.$((12 - TASK_INDEX)); exit $((20 + TASK_INDEX))' >"$T/r.out"
for i in $(seq 0 11); do
	assert_eq $((20 + i)) "$(code "$T/r.out" $i exit_code)" "try $i reports its own end"
done
servers=$(cat "$T"/logs/task-*.log | sort -u | wc -l)
[ "$servers" -ge 2 ] || fail "the twelve tries were all started by one lane ($servers server)"
[ "$servers" -le 3 ] || fail "more servers than starters: $servers"
# with its executor gone and its tries over, each server exits
for pid in $(awk '{print $2}' "$T"/logs/task-*.log | sort -u); do
	wait_for 10 "server $pid to exit" pid_gone "$pid"
done

# --- a kill reaches every lane's try: four long tries, each killed as
# timed out, all end by the signal well before their sleep is over ---
t0=$(date +%s)
"$DRIVER" -c "$CONF" -L "$T/logs" -n 4 -t 0:200 -t 1:200 -t 2:200 -t 3:200 -- sleep 60 >"$T/k.out"
for i in 0 1 2 3; do
	assert_eq 15 "$(code "$T/k.out" $i signal)" "try $i was ended by SIGTERM"
done
[ $(( $(date +%s) - t0 )) -lt 30 ] || fail "the killed tries ran on"

# --- eight kills to one server at the same moment: each try gets its
# SIGTERM (kill requests are queued signals; two SIGUSR1 at once merged
# into one, and the other try was SIGKILLed 7 s later by the fallback) ---
ONE8="{\"type\":\"local\",\"supervisor\":\"$SUP\",\"status_dir\":\"$T/run\",\"slots\":8,\"starters\":1}"
"$DRIVER" -c "$ONE8" -L "$T/logs" -n 8 $(for i in 0 1 2 3 4 5 6 7; do printf -- '-t %d:300 ' $i; done) -- sleep 60 >"$T/k8.out"
for i in 0 1 2 3 4 5 6 7; do
	assert_eq 15 "$(code "$T/k8.out" $i signal)" "try $i of eight killed at once was ended by SIGTERM"
done

# --- the same after a restart: eight tries left running by an executor
# that detached, adopted by a new one, killed at the same moment (the
# new executor sees that their server takes real-time kill requests) ---
"$DRIVER" -c "$ONE8" -L "$T/logs" -n 8 -o -x "$T/detach" -- sleep 60 >"$T/x8.out" &
drv=$!
on_exit "kill $drv 2>/dev/null"
wait_for 20 "eight tries to start" sh -c "grep -c token '$T/x8.out' | grep -qx 8"
touch "$T/detach"
wait "$drv"
adopt=()
for i in 0 1 2 3 4 5 6 7; do
	adopt+=(-k "$i:$T/kill8" -a "$(code "$T/x8.out" $i token)")
done
touch "$T/kill8"
"$DRIVER" -c "$ONE8" -o "${adopt[@]}" >"$T/a8.out"
for i in 0 1 2 3 4 5 6 7; do
	assert_eq 15 "$(code "$T/a8.out" $i signal)" "adopted try $i of eight killed at once was ended by SIGTERM"
done

# --- one lane, the old way: the same results ---
ONE="{\"type\":\"local\",\"supervisor\":\"$SUP\",\"status_dir\":\"$T/run\",\"slots\":4,\"starters\":1}"
"$DRIVER" -c "$ONE" -L "$T/logs" -n 4 -- sh -c 'exit $((30 + TASK_INDEX))' >"$T/o.out"
for i in 0 1 2 3; do
	assert_eq $((30 + i)) "$(code "$T/o.out" $i exit_code)"
done

# --- a bad value names the executor and the key ---
"$DRIVER" -c "{\"type\":\"local\",\"supervisor\":\"$SUP\",\"starters\":0}" -- true 2>"$T/err" && fail "starters: 0 was accepted"
assert_contains "$(cat "$T/err")" "starters must be a whole number from 1 to 64"
echo "try_local_starters: ok"
