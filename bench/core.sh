#!/bin/bash
# The core engine's benchmark, side by side with ninja in the same run:
#   1. a layered DAG of 10,000 `true` tasks (100 layers x 100 tasks, each
#      depending on two tasks of the layer before) run by sluice and by
#      `ninja -j N` on the same graph with the same parallelism: both wall
#      times and the ratio;
#   2. release latency (upstream end -> downstream start), p50 and p99;
#   3. the scheduler's peak RSS;
#   4. `sluice clear` of one task and its downstream over 1,000 partitions
#      of a 50-task DAG (50,000 task instances).
# Usage: bench/core.sh [SLUICE_BINARY] (default: build/sluice); ROUNDS,
# LAYERS, WIDTH, N change the size; ONLY_DAG=1 stops after part 3 (for
# comparing two builds round by round on a busy machine); CMD replaces the
# tasks' `true` on both sides (CMD='true;' makes sluice go through /bin/sh
# -c as ninja always does: a plain `true` runs without the shell in
# sluice, see operators/shell.c). Not part of
# `make check`: it measures, it does not assert.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SLUICE=${1:-$here/../build/sluice}
SLUICE=$(cd "$(dirname "$SLUICE")" && pwd)/$(basename "$SLUICE")
N=${N:-16}
LAYERS=${LAYERS:-100}
WIDTH=${WIDTH:-100}
PY=/usr/bin/python3
command -v ninja >/dev/null || { echo "bench: ninja is missing (apt-get install ninja-build)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is missing (apt-get install sqlite3)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
trap 'kill $SCHED 2>/dev/null || true; rm -rf "$W"' EXIT
SCHED=

echo "sluice core bench ($SLUICE): $((LAYERS * WIDTH)) tasks of \`${CMD:-true}\`, $LAYERS layers x $WIDTH, parallelism $N, $(nproc) cores"

# the same graph for both
$PY "$here/layered.py" "$W" "$LAYERS" "$WIDTH" "$N"

# Rounds alternate ninja and sluice (a fresh home each time) so both see
# the same machine; the medians are the result (this VM's speed drifts).
ROUNDS=${ROUNDS:-3}
ninja_all=; sluice_all=
for round in $(seq "$ROUNDS"); do
	cd "$W"
	rm -f .ninja_log .ninja_deps
	t0=$(date +%s%N)
	ninja -j "$N" >/dev/null
	t1=$(date +%s%N)
	cd - >/dev/null
	ninja_ms=$(( (t1 - t0) / 1000000 ))

	# a new partition each round in the same home: nothing is deleted
	# between rounds (deleting 20,000 log inodes makes ext4's next
	# allocations slower, which would measure the file system's history)
	"$SLUICE" --home "$W/home" scheduler >"$W/sched.log" 2>&1 &
	SCHED=$!
	for _ in $(seq 600); do grep -q "scheduler started" "$W/sched.log" && break; sleep 0.05; done
	grep -q "scheduler started" "$W/sched.log" || { echo "bench: the scheduler did not start:"; cat "$W/sched.log"; exit 1; }
	t0=$(date +%s%N)
	if ! "$SLUICE" --home "$W/home" trigger layered --partition "bench$round" --wait >"$W/trigger.out" 2>&1; then
		echo "bench: the layered run did not succeed:"; tail -20 "$W/trigger.out" "$W/sched.log"
		exit 1
	fi
	t1=$(date +%s%N)
	sluice_ms=$(( (t1 - t0) / 1000000 ))
	rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$SCHED/status)
	kill $SCHED; wait $SCHED 2>/dev/null || true; SCHED=
	printf "  round %d: ninja %6d ms, sluice %6d ms, ratio %s\n" "$round" "$ninja_ms" "$sluice_ms" \
		"$(awk -v a="$sluice_ms" -v b="$ninja_ms" 'BEGIN{printf "%.2f", a/b}')"
	ninja_all="$ninja_all $ninja_ms"; sluice_all="$sluice_all $sluice_ms"
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
ninja_ms=$(echo "$ninja_all" | median)
sluice_ms=$(echo "$sluice_all" | median)
state=$(sqlite3 "$W/home/sluice.db" "SELECT state FROM dag_runs WHERE partition='bench$ROUNDS'")

# release latency from the recorded tries: downstream start - last upstream end
lat=$($PY - "$W/home/sluice.db" "bench$ROUNDS" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("""SELECT ti.task_id, t.started_at, t.ended_at FROM task_tries t
                     JOIN task_instances ti ON ti.id = t.ti_id
                     JOIN dag_runs r ON r.id = ti.run_id
                     WHERE r.dag_id = 'layered' AND r.partition = ?""", (sys.argv[2],)).fetchall()
start = {r[0]: r[1] for r in rows}
end = {r[0]: r[2] for r in rows}
lats = []
for task, s in start.items():
    l, i = task[1:].split("_")
    l, i = int(l), int(i)
    if l == 0:
        continue
    width = sum(1 for k in start if k.startswith(f"t{l}_"))
    ups = [f"t{l-1}_{i}", f"t{l-1}_{(i+1) % width}"]
    lats.append(s - max(end[u] for u in ups))
lats.sort()
p = lambda q: lats[min(len(lats) - 1, int(q * len(lats)))]
print(p(0.50), p(0.99))
PY
)
set -- $lat
echo
echo "10,000-task DAG (last run state: $state), medians of $ROUNDS rounds"
printf "  ninja -j %-3s  %6d ms\n" "$N" "$ninja_ms"
printf "  sluice        %6d ms\n" "$sluice_ms"
echo "  ratio of the medians sluice/ninja: $(awk -v a="$sluice_ms" -v b="$ninja_ms" 'BEGIN{printf "%.2f", a/b}') (target <= 1.0)"
echo "  upstream end -> downstream start on this DAG, slot waits included: p50 $1 ms, p99 $2 ms"
echo "  scheduler peak RSS: $((rss_kb / 1024)) MB ($rss_kb kB; target <= 30 MB)"

[ -n "${ONLY_DAG:-}" ] && exit 0

# release latency with free slots: a chain of 1,000 tasks, each after the
# one before, so every task starts the moment its upstream ends
$PY "$here/chain.py" "$W/home/dags/chain.yaml" 1000
"$SLUICE" --home "$W/home" scheduler >"$W/sched2.log" 2>&1 &
SCHED=$!
for _ in $(seq 600); do grep -q "scheduler started" "$W/sched2.log" && break; sleep 0.05; done
"$SLUICE" --home "$W/home" trigger chain --partition bench --wait >/dev/null 2>&1 || echo "bench: the chain run failed"
kill $SCHED; wait $SCHED 2>/dev/null || true; SCHED=
chain=$($PY - "$W/home/sluice.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = dict((r[0], (r[1], r[2])) for r in db.execute("""SELECT ti.task_id, t.started_at, t.ended_at
    FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.dag_id = 'chain'"""))
lats = sorted(rows[f"c{i}"][0] - rows[f"c{i-1}"][1] for i in range(1, 1000) if f"c{i}" in rows and f"c{i-1}" in rows)
p = lambda q: lats[min(len(lats) - 1, int(q * len(lats)))]
print(p(0.50), p(0.99), len(lats))
PY
)
set -- $chain
echo
echo "release latency, 1,000-task chain (slots always free): p50 $1 ms, p99 $2 ms over $3 edges"
echo "  (targets: p50 <= 2 ms, p99 <= 20 ms; times are recorded in whole ms)"

# clear over 50,000 task instances
mkdir -p "$W/home2/dags"
$PY - "$W/home2/dags/wide.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('dag: wide\nschedule: "@hourly"\nstart: 2024-01-01T00:00:00Z\nend: 2024-01-01T01:00:00Z\ntasks:\n')
    for i in range(50):
        after = "" if i == 0 else f", after: [t{i-1}]"
        f.write(f"  t{i}: {{command: \"true\"{after}}}\n")
PY
"$SLUICE" --home "$W/home2" dags list >/dev/null
$PY - "$W/home2/sluice.db" <<'PY'
import sqlite3, sys, datetime
db = sqlite3.connect(sys.argv[1])
base = int(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc).timestamp())
with db:
    for p in range(1000):
        s = base + 3600 * p
        key = datetime.datetime.fromtimestamp(s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        cur = db.execute("INSERT INTO dag_runs (dag_id, partition, start_s, end_s, run_type, state, created_at) VALUES ('wide', ?, ?, ?, 'scheduled', 'success', 0)", (key, s, s + 3600))
        rid = cur.lastrowid
        db.executemany("INSERT INTO task_instances (run_id, dag_id, task_id, state, try_number, max_tries, updated_at) VALUES (?, 'wide', ?, 'success', 1, 1, 0)",
                       [(rid, f"t{i}") for i in range(50)])
PY
t0=$(date +%s%N)
out=$("$SLUICE" --home "$W/home2" clear wide --task t0 --downstream --from 2024-01-01T00:00:00Z --to 2024-02-11T15:00:00Z --yes)
t1=$(date +%s%N)
clear_ms=$(( (t1 - t0) / 1000000 ))
echo
echo "clear t0 --downstream over 1,000 partitions x 50 tasks: $out"
echo "  $clear_ms ms (target <= 1000 ms)"
