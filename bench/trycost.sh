#!/bin/bash
# The CPU a try costs, sluice beside ninja, on a busy shared machine:
# wall times move with the other sessions' load, the CPU time of the
# whole process tree much less. Runs the layered DAG of bench/core.sh
# (LAYERS x WIDTH `true` tasks, parallelism N) under `perf stat -e
# task-clock` (which follows every descendant: for sluice the scheduler,
# its supervisors and the commands, plus ~30 ms of a python3 wrapper that
# waits for them all) and prints, per round, both wall
# times and both CPU times, and the CPU ratio.
# Usage: bench/trycost.sh [SLUICE_BINARY]; ROUNDS, LAYERS, WIDTH, N; extra
# local executor keys in EXEC_EXTRA (e.g. "fork_server: true").
# Not part of `make check`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SLUICE=${1:-$here/../build/sluice}
SLUICE=$(cd "$(dirname "$SLUICE")" && pwd)/$(basename "$SLUICE")
N=${N:-16}
LAYERS=${LAYERS:-10}
WIDTH=${WIDTH:-50}
ROUNDS=${ROUNDS:-3}
EXEC_EXTRA=${EXEC_EXTRA:-}
command -v perf >/dev/null || { echo "trycost: perf is missing (apt-get install linux-perf)"; exit 1; }
command -v ninja >/dev/null || { echo "trycost: ninja is missing"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-trycost.XXXXXX")
SCHED=
trap '[ -n "$SCHED" ] && kill $SCHED 2>/dev/null; rm -rf "$W"' EXIT
/usr/bin/python3 "$here/layered.py" "$W" "$LAYERS" "$WIDTH" "$N" "$EXEC_EXTRA"
tasks=$((LAYERS * WIDTH))
clock() { awk '/task-clock/ {gsub(",", "", $1); printf "%d", $1}' "$1"; }
echo "trycost ($SLUICE): $tasks tasks, parallelism $N; load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
	cd "$W"
	rm -f .ninja_log .ninja_deps
	t0=$(date +%s%N)
	perf stat -e task-clock -o "$W/ninja.perf" ninja -j "$N" >/dev/null
	t1=$(date +%s%N)
	cd - >/dev/null
	ninja_ms=$(( (t1 - t0) / 1000000 )); ninja_cpu=$(clock "$W/ninja.perf")

	# under a subreaper that waits for every descendant: a process that
	# outlives the scheduler (the shared supervisor, which serves its
	# tries to their end) is counted too (perf adds a child's count when
	# it exits)
	perf stat -e task-clock -o "$W/sluice.perf" /usr/bin/python3 -c '
import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)	# PR_SET_CHILD_SUBREAPER
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
try:
    while True:
        os.wait()
except ChildProcessError:
    pass' "$SLUICE" --home "$W/home" scheduler >"$W/sched.log" 2>&1 &
	SCHED=$!
	for _ in $(seq 600); do grep -q "scheduler started" "$W/sched.log" && break; sleep 0.05; done
	t0=$(date +%s%N)
	"$SLUICE" --home "$W/home" trigger layered --partition "r$round" --wait >"$W/trigger.out" 2>&1 ||
		{ echo "trycost: the run failed"; tail "$W/trigger.out" "$W/sched.log"; exit 1; }
	t1=$(date +%s%N)
	sluice_ms=$(( (t1 - t0) / 1000000 ))
	# perf ends when the scheduler (its grandchild) and everything it
	# left have ended
	kill $(ps -o pid= --ppid $(ps -o pid= --ppid $SCHED)) 2>/dev/null || true
	wait $SCHED 2>/dev/null || true
	SCHED=
	sluice_cpu=$(clock "$W/sluice.perf")
	printf "  round %d: wall ninja %6d ms sluice %6d ms (%s) | cpu ninja %6d ms sluice %6d ms (%s, %.2f ms/try) | load %s\n" \
		"$round" "$ninja_ms" "$sluice_ms" "$(awk -v a="$sluice_ms" -v b="$ninja_ms" 'BEGIN{printf "%.2f", a/b}')" \
		"$ninja_cpu" "$sluice_cpu" "$(awk -v a="$sluice_cpu" -v b="$ninja_cpu" 'BEGIN{printf "%.2f", a/b}')" \
		"$(awk -v a="$sluice_cpu" -v n="$tasks" 'BEGIN{printf "%.2f", a/n}')" "$(cut -d' ' -f1 /proc/loadavg)"
done
