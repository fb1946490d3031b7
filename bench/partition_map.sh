#!/bin/bash
# The partition map's benchmark: GET /api/v1/dags/{dag}/partitions over a
# year of an hourly DAG of 50 tasks, on a database holding two years of
# its history (17,520 runs, 876,000 task instances; bench/partition_map_seed.sql),
# the last three runs running. Prints, for the compact form (the map
# page's poll) and the full form, the median and p95 wall time of REPEAT
# requests and the server's CPU time per request, and `sluice status`'s
# wall time. Target: <= 50 ms. Then, when Debian's Chromium, node and
# tests/node_modules/playwright-core are here, the map page's first paint
# of that year (tests/browser/partition_map_paint.mjs: PAINT_LOADS rounds,
# default 15, of three loads: in a fresh browser context as soon as its
# window opens; in a fresh context whose window was opened first and let
# go idle, a first visit in a browser already open (the target's figure,
# <= 200 ms); and that page once more with the assets cached). BASE=OTHER_BINARY serves the same
# database from a second `sluice web` of that binary and alternates the
# loads between the two, so a change is compared with its base under the
# same load. Usage: bench/partition_map.sh [SLUICE_BINARY] (default:
# build/sluice). Not part of `make check`: it measures, it does not
# assert.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SLUICE=${1:-$here/../build/sluice}
SLUICE=$(cd "$(dirname "$SLUICE")" && pwd)/$(basename "$SLUICE")
REPEAT=${REPEAT:-30}
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-mapbench.XXXXXX")
WEBPID=
BASEPID=
cleanup() { [ -n "$WEBPID" ] && kill "$WEBPID" 2>/dev/null; [ -n "$BASEPID" ] && kill "$BASEPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 300); do curl -fsS "$1/health" >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "bench: $1 did not start"; exit 1; }
# median and p95 (ms) of curl time_total values (seconds), one per line
stats() { sort -n | awk '{v[NR]=$1*1000} END {m=v[int((NR+1)/2)]; p=v[int(NR*0.95)>0?int(NR*0.95):1]; printf "%.1f %.1f", m, p}'; }

echo "sluice partition map bench: $(nproc) cores, $REPEAT requests per figure, load average $(cut -d" " -f1-3 /proc/loadavg)"
HOUR=$(($(date +%s) / 3600 * 3600))
START=$((HOUR - 2 * 8760 * 3600))
mkdir -p "$W/dags"
printf 'dags_paused_at_creation: true\n' > "$W/sluice.yaml"
$PY - "$W/dags/wide.yaml" "$START" <<'PY'
import sys, datetime
start = datetime.datetime.fromtimestamp(int(sys.argv[2]), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
with open(sys.argv[1], "w") as f:
    f.write(f'dag: wide\nschedule: "@hourly"\nstart: {start}\ntasks:\n')
    for i in range(1, 51):
        after = "" if i == 1 else f", after: [t{i-1:02d}]"
        f.write(f"  t{i:02d}: {{command: \"true\"{after}}}\n")
PY
"$SLUICE" --home "$W" db migrate >/dev/null
TOKEN=$(echo bench-password | "$SLUICE" --home "$W" users add bench --role viewer --password-stdin >/dev/null &&
	"$SLUICE" --home "$W" users token bench)
t0=$(date +%s%N)
sqlite3 "$W/sluice.db" -cmd ".parameter set @dag wide" -cmd ".parameter set @start $START" \
	-cmd ".parameter set @hours $((2 * 8760))" -cmd ".parameter set @tasks 50" < "$here/partition_map_seed.sql"
sqlite3 "$W/sluice.db" "INSERT INTO dags (dag_id, paused, updated_at) VALUES ('wide', 1, 0);
  UPDATE dag_runs SET state = 'running' WHERE id IN (SELECT id FROM dag_runs ORDER BY start_s DESC LIMIT 3);
  UPDATE task_instances SET state = 'running' WHERE task_id = 't01' AND run_id IN (SELECT id FROM dag_runs WHERE state = 'running');
  ANALYZE;"
echo "seeded $(sqlite3 "$W/sluice.db" 'SELECT count(*) FROM dag_runs') runs, $(sqlite3 "$W/sluice.db" 'SELECT count(*) FROM task_instances') task instances in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$SLUICE" --home "$W" web --port "$PORT" >"$W/web.log" 2>&1 &
WEBPID=$!
wait_http "$URL"
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / hz}' /proc/$WEBPID/stat; }
A=(-sS -H "Authorization: Bearer $TOKEN")
FROM=$(date -u -d "@$((HOUR - 8760 * 3600))" +%Y-%m-%dT%H:%M:%SZ)
for form in compact full; do
	path="/api/v1/dags/wide/partitions?format=$form&from=$FROM"
	curl "${A[@]}" -o "$W/body" "$URL$path"
	n=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["count"], d["counts"]["running"], d["counts"]["failed"], d["counts"]["future"])' "$W/body")
	size=$(wc -c < "$W/body")
	c0=$(cpu_ms)
	for _ in $(seq "$REPEAT"); do curl "${A[@]}" -o /dev/null -w '%{time_total}\n' "$URL$path"; done > "$W/times"
	c1=$(cpu_ms)
	read -r med p95 <<<"$(stats < "$W/times")"
	printf '%-8s partitions/running/failed/future %s, %s bytes: median %s ms, p95 %s ms, server CPU %s ms a request\n' \
		"$form" "$n" "$size" "$med" "$p95" "$(awk -v a="$c0" -v b="$c1" -v n="$REPEAT" 'BEGIN {printf "%.1f", (b - a) / n}')"
done

# the map page's first paint, in headless Chromium
if [ -x /usr/bin/chromium ] && command -v node >/dev/null && [ -d "$here/../tests/node_modules/playwright-core" ]; then
	URLS=$URL
	if [ -n "${BASE:-}" ]; then
		BPORT=$(free_port)
		"$BASE" --home "$W" web --port "$BPORT" >"$W/web-base.log" 2>&1 &
		BASEPID=$!
		wait_http "http://127.0.0.1:$BPORT"
		URLS="http://127.0.0.1:$BPORT $URL"
		echo "first paint: base $BASE at http://127.0.0.1:$BPORT, new $SLUICE at $URL, alternated"
	fi
	echo "first paint, load average before $(cut -d" " -f1-3 /proc/loadavg)"
	URLS=$URLS PAGE="/dags/wide/map" USER=bench PASSWORD=bench-password LOADS=${PAINT_LOADS:-15} \
		node "$here/../tests/browser/partition_map_paint.mjs" > "$W/paint.out"
	grep -v '^#' "$W/paint.out" > "${PAINT_LOG:-/dev/null}"
	grep '^#' "$W/paint.out"
	echo "first paint, load average after $(cut -d" " -f1-3 /proc/loadavg)"
	[ -n "$BASEPID" ] && kill "$BASEPID"
	BASEPID=
else
	echo "first paint: skipped (needs /usr/bin/chromium, node and tests/node_modules/playwright-core)"
fi
kill "$WEBPID"
WEBPID=
t0=$(date +%s%N)
"$SLUICE" --home "$W" status wide --from "$FROM" > "$W/status.out"
echo "sluice status (a year, $(wc -l < "$W/status.out") lines): $(( ($(date +%s%N) - t0) / 1000000 )) ms wall (process start included)"
