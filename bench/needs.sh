#!/bin/bash
# needs: across DAGs at the scale of a year, side by side in one run:
#   a year of an hourly upstream (8,760 partitions) under a daily consumer
#   (365 partitions), each day missing its last hour (failed), written
#   straight into a home's database;
#   start:   the readiness of all 365 consumer partitions evaluated as the
#            scheduler does at its start (bench/needs_eval: one
#            needs_eval_ti per waiting partition); target <= 50 ms;
#   release: the real scheduler waits on all 365 days (no process); the
#            last hour of DAYS days is cleared in batches of BATCH and
#            re-runs; last hour's success -> the consumer's first task
#            start, from the times the store recorded (ms); targets p50
#            <= 5 ms, p99 <= 50 ms.
# Usage: bench/needs.sh [SLUICE_BINARY] (default: build/sluice).
# Not part of `make check`: it measures, it does not assert.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SLUICE=${1:-$here/../build/sluice}
SLUICE=$(cd "$(dirname "$SLUICE")" && pwd)/$(basename "$SLUICE")
EVAL=$(dirname "$SLUICE")/bench/needs_eval
DAYS=${DAYS:-60}
BATCH=${BATCH:-6}
ROUNDS=${ROUNDS:-5}
# PART=start: only the start figure
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-needs.XXXXXX")
SCHED=
cleanup() {
	[ -n "$SCHED" ] && kill "$SCHED" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
H=$W/home
sl() { "$SLUICE" --home "$H" "$@"; }
q() { sqlite3 -batch -noheader "$H/sluice.db" "$@"; }

echo "sluice needs bench: 8,760 hourly x 365 daily, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$H/dags"
printf 'dags_paused_at_creation: false\nparallelism: 32\n' >"$H/sluice.yaml"
cat >"$H/dags/up.yaml" <<YAML
dag: trades_hourly
schedule: "0 * * * *"
start: 2025-01-01T00:00:00Z
end: 2026-01-01T00:00:00Z
max_active_runs: 400
max_active_tasks: 400
tasks:
  load: {command: "true"}
YAML
cat >"$H/dags/down.yaml" <<YAML
dag: bands_daily
schedule: "0 0 * * *"
start: 2025-01-01T00:00:00Z
end: 2026-01-01T00:00:00Z
max_active_runs: 400
max_active_tasks: 400
needs: [{dag: trades_hourly, task: load}]
tasks:
  compute: {command: "true"}
YAML
sl dags validate >/dev/null
sl dags list >/dev/null		# creates the database
/usr/bin/python3 - "$H/sluice.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
t0 = 1735689600  # 2025-01-01T00:00:00Z
def key(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))
for h in range(8760):
    s = t0 + h * 3600
    st = "failed" if h % 24 == 23 else "success"
    r = c.execute("INSERT INTO dag_runs (dag_id, partition, start_s, end_s, run_type, state, created_at, started_at, ended_at) VALUES ('trades_hourly', ?, ?, ?, 'scheduled', ?, ?, ?, ?)",
                  (key(s), s, s + 3600, st, s * 1000, s * 1000, s * 1000 + 10)).lastrowid
    c.execute("INSERT INTO task_instances (run_id, dag_id, task_id, state, try_number, max_tries, updated_at) VALUES (?, 'trades_hourly', 'load', ?, 1, 1, ?)", (r, st, s * 1000))
for d in range(365):
    s = t0 + d * 86400
    r = c.execute("INSERT INTO dag_runs (dag_id, partition, start_s, end_s, run_type, state, created_at, started_at) VALUES ('bands_daily', ?, ?, ?, 'scheduled', 'running', ?, ?)",
                  (key(s), s, s + 86400, s * 1000, s * 1000)).lastrowid
    c.execute("INSERT INTO task_instances (run_id, dag_id, task_id, state, updated_at) VALUES (?, 'bands_daily', 'compute', 'none', ?)", (r, s * 1000))
# the catch-up cursors: nothing more to create
c.execute("UPDATE dags SET next_start_s = 1767225600")
c.commit()
PY

echo "## start: readiness of 365 consumer partitions (bench/needs_eval, $ROUNDS rounds; round 1 cold)"
"$EVAL" "$H" bands_daily compute "$ROUNDS"
[ "${PART:-all}" = start ] && exit 0

echo "## release: last hour's success -> consumer start ($DAYS days, batches of $BATCH)"
"$SLUICE" --home "$H" scheduler >"$W/scheduler.log" 2>&1 &
SCHED=$!
for _ in $(seq 1 300); do grep -q 'scheduler started' "$W/scheduler.log" && break; sleep 0.1; done
sleep 3
echo "waiting consumer partitions: $(q "SELECT count(*) FROM task_instances WHERE dag_id='bands_daily' AND state='none'"), tries started: $(q "SELECT count(*) FROM task_instances WHERE dag_id='bands_daily' AND try_number > 0")"
c0=$(awk '{print $14+$15}' /proc/$SCHED/stat)
sleep 5
c1=$(awk '{print $14+$15}' /proc/$SCHED/stat)
echo "scheduler CPU while 365 partitions wait: $(( (c1 - c0) * 100 / $(getconf CLK_TCK) / 5 )) % of a core over 5 s"
[ "${PART:-all}" = idle ] && exit 0
d=0
while [ $d -lt "$DAYS" ]; do
	for i in $(seq 0 $((BATCH - 1))); do
		day=$((d + i))
		[ $day -lt "$DAYS" ] || break
		p=$(date -u -d "@$((1735689600 + day * 86400 + 23 * 3600))" +%Y-%m-%dT%H:%M:%S+00:00)
		sl clear trades_hourly --partition "$p" --yes >/dev/null
	done
	d=$((d + BATCH))
	for _ in $(seq 1 600); do
		[ "$(q "SELECT count(*) FROM task_instances WHERE dag_id='bands_daily' AND state='success'")" -ge "$(( d < DAYS ? d : DAYS ))" ] && break
		sleep 0.05
	done
done
q "SELECT c.started_at - l.ended_at FROM dag_runs cr JOIN task_instances c ON c.run_id = cr.id
   JOIN dag_runs lr ON lr.dag_id = 'trades_hourly' AND lr.start_s = cr.start_s + 82800
   JOIN task_instances l ON l.run_id = lr.id
   WHERE cr.dag_id = 'bands_daily' AND c.state = 'success'" | sort -n >"$W/gaps"
/usr/bin/python3 - "$W/gaps" <<'PY'
import sys
v = [int(x) for x in open(sys.argv[1]) if x.strip()]
if not v:
    print("no consumer partition ran"); sys.exit(1)
def pct(p): return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
print(f"{len(v)} releases: p50 {pct(50)} ms, p99 {pct(99)} ms, max {v[-1]} ms (whole-ms timestamps)")
PY
