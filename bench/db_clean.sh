#!/bin/bash
# bench/db_clean.sh: `sluice db clean` of 1,000,000 task instances (20,000
# hourly runs of 50 tasks, every one older than the cutoff but the last
# 90 days', 200,000 log files) while a scheduler runs a chain of CHAIN
# `true` tasks run after run; side by side in the same run, the same
# chain on the same home before the clean. Prints the clean's time and
# its longest transaction, the chain's wall time before and during the
# clean (median of its runs; the ratio's target is <= 1.10), and the
# scheduler's release latency (upstream end -> downstream start, from the
# tries' recorded times) before and during (target: p99 <= 50 ms during).
#
#   bench/db_clean.sh [BUILD_DIR]     (RUNS, TASKS, LOG_RUNS, CHAIN, BASE)
#
# Not part of `make check`: it measures, it does not assert;
# tests/db_clean_big.sh checks what the clean removes.
. "$(dirname "$0")/db_bench_lib.sh"
RUNS=${RUNS:-20000} TASKS=${TASKS:-50} LOG_RUNS=${LOG_RUNS:-4000}
CHAIN=${CHAIN:-100} BASE=${BASE:-3}

echo "db clean bench ($SLUICE): $RUNS runs x $TASKS tasks, $((LOG_RUNS * TASKS)) log files, a $CHAIN-task chain; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
new_home
/usr/bin/python3 "$(dirname "$0")/chain.py" "$H/dags/chain.yaml" "$CHAIN"
sl db migrate >/dev/null
t0=$(ms)
db_bulk_history hourly "$RUNS" "$TASKS" "$LOG_RUNS"
echo "  home made in $(( ($(ms) - t0) / 1000 )) s: $(q "SELECT count(*) FROM task_instances") task instances, database $(( $(stat -c %s "$H/sluice.db") / 1048576 )) MB"
hour=$(( $(date +%s) / 3600 * 3600 ))
cutoff=$(( hour - 90 * 86400 - 1800 ))
before=$(date -u -d "@$cutoff" +%Y-%m-%dT%H:%M:%SZ)
old_tis=$(q "SELECT count(*) FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.end_s < $cutoff")

start_scheduler
# chain_run N: one run of the chain (partition pN), its wall time in ms
chain_run() {
	local a b
	a=$(ms)
	sl trigger chain --partition "p$1" --wait >"$T/trigger-p$1.out" 2>&1 || fail "chain run p$1 failed: $(tail -3 "$T/trigger-p$1.out")"
	b=$(ms)
	echo $((b - a)) >>"$T/wall-$2"
	echo "p$1" >>"$T/parts-$2"
}
for i in $(seq 1 "$BASE"); do chain_run "$i" before; done

t0=$(ms)
sl db clean --before "$before" --yes >"$T/clean.out" 2>"$T/clean.err" &
CLEAN=$!
on_exit "kill $CLEAN 2>/dev/null"
i=$BASE
while kill -0 "$CLEAN" 2>/dev/null; do
	i=$((i + 1))
	chain_run "$i" during
done
rc=0; wait "$CLEAN" || rc=$?
clean_ms=$(( $(ms) - t0 ))
[ "$rc" = 0 ] || fail "db clean exited $rc: $(tail -3 "$T/clean.err")"

# release latency and wall time per phase, from the recorded tries
stats() {
	/usr/bin/python3 - "$H/sluice.db" "$T/parts-$1" "$T/wall-$1" "$CHAIN" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
parts = [l.strip() for l in open(sys.argv[2]) if l.strip()]
walls = sorted(int(l) for l in open(sys.argv[3]) if l.strip())
n = int(sys.argv[4])
lats = []
for p in parts:
    rows = dict((r[0], (r[1], r[2])) for r in db.execute("""SELECT ti.task_id, t.started_at, t.ended_at
        FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id JOIN dag_runs r ON r.id = ti.run_id
        WHERE r.dag_id = 'chain' AND r.partition = ?""", (p,)))
    lats += [rows[f"c{i}"][0] - rows[f"c{i-1}"][1] for i in range(1, n) if f"c{i}" in rows and f"c{i-1}" in rows]
lats.sort()
q = lambda x: lats[min(len(lats) - 1, int(x * len(lats)))]
print(len(parts), walls[(len(walls) - 1) // 2], q(0.5), q(0.99), lats[-1], len(lats))
PY
}
set -- $(stats before); b_runs=$1 b_wall=$2 b_p50=$3 b_p99=$4 b_max=$5 b_n=$6
set -- $(stats during); d_runs=$1 d_wall=$2 d_p50=$3 d_p99=$4 d_max=$5 d_n=$6
locked=$(grep -ciE 'locked|busy' "$T/scheduler.log" "$T/clean.err" | awk -F: '{s += $NF} END {print s + 0}')

echo
echo "$(tail -1 "$T/clean.out")"
echo "db clean of $old_tis task instances: $clean_ms ms (target <= 60,000 ms)"
echo "chain of $CHAIN tasks, median wall time: before $b_wall ms ($b_runs runs), during the clean $d_wall ms ($d_runs runs), ratio $(awk -v a="$d_wall" -v b="$b_wall" 'BEGIN{printf "%.2f", a/b}') (target <= 1.10)"
echo "release latency before:     p50 $b_p50 ms, p99 $b_p99 ms, max $b_max ms over $b_n edges"
echo "release latency during:     p50 $d_p50 ms, p99 $d_p99 ms, max $d_max ms over $d_n edges (target p99 <= 50 ms)"
echo "locked/busy messages: $locked; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
