#!/bin/bash
# The web part's benchmark:
#   1. the grid API over 1,000 partitions x 50 tasks (50,000 task
#      instances, written with SQL directly), and the DAG page;
#   2. `wrk -c 50` on /api/v1/dags: requests/s with the server idle;
#   3. the core bench's layered 10,000-task DAG under `sluice standalone`
#      alone, then again with `wrk -c 50 -d <the DAG's duration>` on
#      /api/v1/dags of the same process: both wall times, the growth and
#      the requests/s during the run (ROUNDS pairs, alternating; medians).
# Usage: bench/web.sh [SLUICE_BINARY] (default: build/sluice);
# ONLY=grid or ONLY=load runs one part. Not part of `make check`: it
# measures, it does not assert.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SLUICE=${1:-$here/../build/sluice}
SLUICE=$(cd "$(dirname "$SLUICE")" && pwd)/$(basename "$SLUICE")
REPEAT=${REPEAT:-30}
WRK_SECS=${WRK_SECS:-10}
LAYERS=${LAYERS:-100}
WIDTH=${WIDTH:-100}
N=${N:-16}
ROUNDS=${ROUNDS:-3}
ONLY=${ONLY:-}
PY=/usr/bin/python3
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-webbench.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 300); do curl -fsS "$1/health" >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "bench: $1 did not start"; exit 1; }
# stats over curl time_total values (seconds, one per line): median p95 in ms
wrk_rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
stats() { sort -n | awk '{v[NR]=$1*1000} END {m=v[int((NR+1)/2)]; p=v[int(NR*0.95)>0?int(NR*0.95):1]; printf "%.1f %.1f", m, p}'; }

echo "sluice web bench: $(nproc) cores, $REPEAT requests per figure, load average $(cut -d" " -f1-3 /proc/loadavg)"

# --- 1. the grid over 1,000 partitions x 50 tasks ---
if [ "$ONLY" != load ]; then
mkdir -p "$W/grid/dags"
$PY - "$W/grid/dags/wide.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('dag: wide\nschedule: "@hourly"\nstart: 2024-01-01T00:00:00Z\nend: 2024-02-11T16:00:00Z\ntasks:\n')
    for i in range(50):
        after = "" if i == 0 else f", after: [t{i-1:02d}]"
        f.write(f"  t{i:02d}: {{command: \"true\"{after}}}\n")
PY
"$SLUICE" --home "$W/grid" db migrate >/dev/null
TOKEN=$(echo bench-password | "$SLUICE" --home "$W/grid" users add bench --role operator --password-stdin >/dev/null &&
	"$SLUICE" --home "$W/grid" users token bench)
$PY - "$W/grid/sluice.db" <<'PY'
import sqlite3, sys, datetime, random
random.seed(7)
db = sqlite3.connect(sys.argv[1])
base = int(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc).timestamp())
states = ["success"] * 45 + ["failed", "upstream_failed", "skipped", "running", "none"]
with db:
    db.execute("INSERT INTO dags (dag_id, paused, updated_at) VALUES ('wide', 1, 0)")
    for p in range(1000):
        s = base + 3600 * p
        key = datetime.datetime.fromtimestamp(s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        rid = db.execute("INSERT INTO dag_runs (dag_id, partition, start_s, end_s, run_type, state, created_at) "
                         "VALUES ('wide', ?, ?, ?, 'scheduled', 'success', 0)", (key, s, s + 3600)).lastrowid
        db.executemany("INSERT INTO task_instances (run_id, dag_id, task_id, state, try_number, max_tries, "
                       "started_at, duration_ms, updated_at) VALUES (?, 'wide', ?, ?, 1, 1, ?, ?, 0)",
                       [(rid, f"t{i:02d}", random.choice(states), s * 1000, random.randint(50, 90000)) for i in range(50)])
PY
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$SLUICE" --home "$W/grid" web --port "$PORT" >"$W/web.log" 2>&1 &
WEBPID=$!
PIDS+=($WEBPID)
wait_http "$URL"
# CPU time the server spent (ms), which other load on the machine does
# not inflate the way it inflates wall time
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / hz}' /proc/$WEBPID/stat; }
A=(-sS -o /dev/null -H "Authorization: Bearer $TOKEN")
cells=$(curl -sS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/dags/wide/grid?limit=1000" |
	$PY -c 'import json,sys; g=json.load(sys.stdin); print(len(g["partitions"]), "x", len(g["tasks"]), "=", sum(1 for p in g["partitions"] for c in p["cells"] if c))')
bytes=$(curl "${A[@]}" -w '%{size_download}' "$URL/api/v1/dags/wide/grid?limit=1000")
for _ in 1 2 3; do curl "${A[@]}" "$URL/api/v1/dags/wide/grid?limit=1000"; done
c0=$(cpu_ms)
grid=$(for _ in $(seq "$REPEAT"); do curl "${A[@]}" -w '%{time_total}\n' "$URL/api/v1/dags/wide/grid?limit=1000"; done | stats)
grid_cpu=$(( ($(cpu_ms) - c0) / REPEAT ))
range=$(for _ in $(seq "$REPEAT"); do curl "${A[@]}" -w '%{time_total}\n' "$URL/api/v1/dags/wide/grid?limit=1000&from=2024-01-10T00:00&to=2024-01-30T00:00"; done | stats)
page25=$(for _ in $(seq "$REPEAT"); do curl "${A[@]}" -w '%{time_total}\n' "$URL/api/v1/dags/wide/grid?limit=25"; done | stats)
# the page as a browser gets it: the HTML (session cookie), then its grid call
curl -sS -o /dev/null -c "$W/jar" --data "username=bench&password=bench-password" "$URL/login"
html=$(for _ in $(seq "$REPEAT"); do curl -sS -o /dev/null -b "$W/jar" -w '%{time_total}\n' "$URL/dags/wide"; done | stats)
both=$(for _ in $(seq "$REPEAT"); do
	t0=$(date +%s%N)
	curl -sS -o /dev/null -b "$W/jar" "$URL/dags/wide"
	curl -sS -o /dev/null -b "$W/jar" "$URL/api/v1/dags/wide/grid?limit=1000"
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 ))e-6"
done | awk '{printf "%.6f\n", $1}' | stats)
echo
echo "grid API, 1,000 partitions x 50 tasks ($cells cells, $((bytes / 1024)) KiB JSON):"
set -- $grid;   echo "  all 1,000 partitions      median $1 ms, p95 $2 ms (target <= 50 ms); server CPU $grid_cpu ms per request"
set -- $range;  echo "  a 20-day range (480)      median $1 ms, p95 $2 ms"
set -- $page25; echo "  one UI page (25)          median $1 ms, p95 $2 ms"
set -- $html;   echo "  DAG page HTML             median $1 ms, p95 $2 ms"
set -- $both;   echo "  page + 1,000-row grid     median $1 ms, p95 $2 ms (target <= 100 ms)"

# --- 2. wrk on /api/v1/dags, idle ---
wrk -t 2 -c 50 -d "${WRK_SECS}s" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/dags" >"$W/wrk-idle.txt"
echo
echo "wrk -t2 -c50 -d${WRK_SECS}s /api/v1/dags (sluice web, idle): $(wrk_rps "$W/wrk-idle.txt") requests/s"
grep -E "Latency|Non-2xx|Socket errors" "$W/wrk-idle.txt" | sed 's/^/  /'

fi

# --- 3. while the scheduler runs the 10,000-task DAG ---
[ "$ONLY" = grid ] && exit 0
layered_home() {
	mkdir -p "$1/dags"
	$PY - "$1/dags/layered.yaml" "$LAYERS" "$WIDTH" <<'PY'
import sys
path, layers, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def name(l, i): return f"t{l}_{i}"
with open(path, "w") as f:
    f.write("dag: layered\nmax_active_tasks: 100000\ntasks:\n")
    for l in range(layers):
        for i in range(width):
            after = "" if l == 0 else f", after: [{name(l-1, i)}, {name(l-1, (i+1) % width)}]"
            f.write(f"  {name(l, i)}: {{command: \"true\"{after}}}\n")
PY
	printf 'dags_paused_at_creation: false\nparallelism: %s\npools: {default: 100000}\nexecutors:\n  local: {type: local, slots: %s}\n' "$N" "$N" >"$1/sluice.yaml"
	# BUSY_MAX_RPS=N tries another web.busy_max_rps than the default
	[ -z "${BUSY_MAX_RPS:-}" ] || printf 'web: {busy_max_rps: %s}\n' "$BUSY_MAX_RPS" >>"$1/sluice.yaml"
}
# run_layered HOME WRK_SECS: the DAG's wall time in ms; with WRK_SECS > 0,
# wrk runs on /api/v1/dags from the trigger until the DAG ends (-d is only
# an upper bound) and its output goes to $W/wrk-busy.txt
run_layered() {
	local home=$1 secs=$2 port pid wpid="" t0 t1 tok
	rm -rf "$home/sluice.db"* "$home/logs"
	echo bench-password | "$SLUICE" --home "$home" users add bench --role operator --password-stdin >/dev/null
	port=$(free_port)
	"$SLUICE" --home "$home" standalone --port "$port" >"$home/standalone.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait_http "http://127.0.0.1:$port"
	tok=$("$SLUICE" --home "$home" users token bench)
	if [ "$secs" -gt 0 ]; then
		wrk -t 2 -c 50 -d "${secs}s" -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/api/v1/dags" >"$W/wrk-busy.txt" &
		wpid=$!
		PIDS+=("$wpid")
	fi
	t0=$(date +%s%N)
	"$SLUICE" --home "$home" trigger layered --partition bench --wait >/dev/null 2>&1
	t1=$(date +%s%N)
	if [ -n "$wpid" ]; then
		kill -INT "$wpid" 2>/dev/null || true
		wait "$wpid" 2>/dev/null || true
	fi
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
layered_home "$W/layered"
echo
echo "$((LAYERS * WIDTH))-task layered DAG under sluice standalone (parallelism $N), $ROUNDS rounds, load average $(cut -d" " -f1-3 /proc/loadavg):"
: >"$W/quiet" ; : >"$W/busy" ; : >"$W/rps"
for round in $(seq "$ROUNDS"); do
	q=$(run_layered "$W/layered" 0)
	# wrk for about the DAG's duration; stopped when the DAG ends
	b=$(run_layered "$W/layered" $(( q * 2 / 1000 + 5 )))
	rps=$(wrk_rps "$W/wrk-busy.txt")
	echo "$q" >>"$W/quiet"; echo "$b" >>"$W/busy"; echo "$rps" >>"$W/rps"
	echo "  round $round: alone $q ms, under wrk $b ms ($(awk -v a="$b" -v b="$q" 'BEGIN{printf "%+.0f%%", (a/b-1)*100}')), $rps requests/s; $(grep -E "Non-2xx|Socket errors" "$W/wrk-busy.txt" | tr -s ' ' | paste -sd';' - || true)"
done
quiet_ms=$(median <"$W/quiet")
busy_ms=$(median <"$W/busy")
echo "  median wall time, no web load:              $quiet_ms ms"
echo "  median wall time, wrk -c50 on /api/v1/dags: $busy_ms ms (growth $(awk -v a="$busy_ms" -v b="$quiet_ms" 'BEGIN{printf "%+.0f%%", (a/b-1)*100}'); target <= +20%)"
echo "  median requests/s during the run: $(median <"$W/rps") (target >= 5000)"
