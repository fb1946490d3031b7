#!/bin/bash
# A DAG folder of 1,000 files stays cheap: a 1,000-task chain (each task
# `true`, after the one before) run by the scheduler while the folder also
# holds 1,000 other DAG files of 30 tasks each, side by side in one run:
#   quiet: nothing in the folder changes;
#   busy:  one of the 1,000 files is rewritten every 200 ms meanwhile.
# Prints both wall times, the ratio busy/quiet (target: within 5 %), and
# the scheduler's peak RSS (target <= 48 MB). Rounds alternate quiet and
# busy; medians are the result.
# Usage: bench/dagfolder.sh [SLUICE_BINARY] (default: build/sluice).
# Not part of `make check`: it measures, it does not assert.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SLUICE=${1:-$here/../build/sluice}
SLUICE=$(cd "$(dirname "$SLUICE")" && pwd)/$(basename "$SLUICE")
FILES=${FILES:-1000}
TASKS=${TASKS:-30}
CHAIN=${CHAIN:-1000}
ROUNDS=${ROUNDS:-3}
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-dags.XXXXXX")
SCHED=; TOUCHER=
cleanup() {
	[ -n "$TOUCHER" ] && kill "$TOUCHER" 2>/dev/null
	[ -n "$SCHED" ] && kill "$SCHED" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

echo "sluice DAG folder bench: $FILES files x $TASKS tasks, a $CHAIN-task chain, $(nproc) cores"
mkdir -p "$W/home/dags"
$PY - "$W/home/dags" "$FILES" "$TASKS" "$CHAIN" <<'PY'
import sys
d, files, tasks, chain = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for n in range(files):
    with open(f"{d}/other_{n:04d}.yaml", "w") as f:
        # unscheduled: loaded and checked, never run
        f.write(f"dag: other_{n:04d}\ndescription: filler DAG {n}\ntasks:\n")
        for i in range(tasks):
            after = "" if i == 0 else f", after: [t{i-1}]"
            f.write(f"  t{i}: {{command: \"echo {{{{ ds }}}} {i}\", retries: 1{after}}}\n")
with open(f"{d}/chain.yaml", "w") as f:
    f.write("dag: chain\nmax_active_tasks: 100000\ntasks:\n")
    for i in range(chain):
        after = "" if i == 0 else f", after: [c{i-1}]"
        f.write(f"  c{i}: {{command: \"true\"{after}}}\n")
PY
cat >"$W/home/sluice.yaml" <<YAML
dags_paused_at_creation: false
parallelism: 16
YAML

# the toucher: rewrites one file every 200 ms (a new description, so its
# size and mtime change), cycling through the folder
toucher() {
	local n=0
	while :; do
		f=$(printf "%s/home/dags/other_%04d.yaml" "$W" $((n % FILES)))
		sed -i "2s/.*/description: edited $n/" "$f"
		n=$((n + 1))
		sleep 0.2
	done
}

"$SLUICE" --home "$W/home" scheduler >"$W/sched.log" 2>&1 &
SCHED=$!
for _ in $(seq 1200); do grep -q "scheduler started" "$W/sched.log" && break; sleep 0.05; done
grep -q "scheduler started" "$W/sched.log" || { echo "bench: the scheduler did not start:"; tail "$W/sched.log"; exit 1; }

run_chain() {	# $1 = partition; prints wall ms
	local t0 t1
	t0=$(date +%s%N)
	"$SLUICE" --home "$W/home" trigger chain --partition "$1" --wait >"$W/trigger.out" 2>&1 ||
		{ echo "bench: the chain run failed:" >&2; tail "$W/trigger.out" "$W/sched.log" >&2; exit 1; }
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}

quiet_all=; busy_all=
for round in $(seq "$ROUNDS"); do
	q=$(run_chain "quiet$round")
	toucher & TOUCHER=$!
	b=$(run_chain "busy$round")
	kill "$TOUCHER"; wait "$TOUCHER" 2>/dev/null || true; TOUCHER=
	printf "  round %d: quiet %6d ms, busy %6d ms, ratio %s\n" "$round" "$q" "$b" \
		"$(awk -v a="$b" -v b="$q" 'BEGIN{printf "%.3f", a/b}')"
	quiet_all="$quiet_all $q"; busy_all="$busy_all $b"
done
rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$SCHED/status)
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
q=$(echo "$quiet_all" | median); b=$(echo "$busy_all" | median)
echo
echo "$CHAIN-task chain with $FILES other DAG files, medians of $ROUNDS rounds"
echo "  quiet folder:              $q ms"
echo "  one file edited / 200 ms:  $b ms"
echo "  ratio busy/quiet: $(awk -v a="$b" -v b="$q" 'BEGIN{printf "%.3f", a/b}') (target <= 1.05)"
echo "  scheduler peak RSS: $((rss_kb / 1024)) MB ($rss_kb kB; target <= 48 MB)"
