#!/bin/bash
# bench/recheck.sh: the scheduler's CPU while it rechecks 10,000 partitions
# that an s3_sensor already passed (file:// prefixes, one folder with one
# file per partition), their checks spread over the recheck interval.
#
#   bench/recheck.sh        (from a build folder, or with SLUICE_BUILDDIR set)
#
# An hourly DAG of PARTITIONS partitions, one s3_sensor task with recheck:
# and recheck_interval: INTERVAL; the scheduler runs them all (each sensor
# passes and records its fingerprint), is restarted (a start spreads the
# first checks over one interval), settles for SETTLE_S, and then its CPU
# (utime + stime from /proc) is sampled over WINDOW_S. During the window
# LATE partitions get a late file: each must be found (the checks really
# cycle) within one interval.
# Target (issue 13): under 5% of one core with 10,000 rechecking partitions.
#
# Knobs: PARTITIONS (10000), INTERVAL (60s, the shortest meaningful one
# for a 60 s window; the default 15m is far cheaper), WINDOW_S (60),
# SETTLE_S (10), LATE (10).
set -eu
: "${SLUICE_BUILDDIR:=$(pwd)}"
: "${SLUICE_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
SLUICE=${SLUICE:-$SLUICE_BUILDDIR/sluice}
export SLUICE_BUILDDIR SLUICE_SRCDIR SLUICE
. "$SLUICE_SRCDIR/tests/setup.sh"
PARTITIONS=${PARTITIONS:-10000}
INTERVAL=${INTERVAL:-60s}
WINDOW_S=${WINDOW_S:-60}
SETTLE_S=${SETTLE_S:-10}
LATE=${LATE:-10}

echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); sluice $(git -C "$SLUICE_SRCDIR" rev-parse --short HEAD 2>/dev/null)"
echo "# $PARTITIONS partitions rechecked every $INTERVAL (file:// prefixes), window ${WINDOW_S}s"
new_home
L=$T/lake
base=$(( $(date +%s) / 3600 * 3600 ))
first=$(( base - PARTITIONS * 3600 ))
note "making $PARTITIONS folders"
/usr/bin/python3 - "$L" "$first" "$PARTITIONS" <<'PY'
import os, sys, time
root, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    d = os.path.join(root, time.strftime("%Y%m%d%H", time.gmtime(first + i * 3600)))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "part-0.csv"), "w") as f:
        f.write("a,b\n1,2\n")
PY
cat >"$H/dags/lake.yaml" <<YAML
dag: lake
schedule: "0 * * * *"
start: $(date -u -d "@$first" +%Y-%m-%dT%H:00:00Z)
end: $(date -u -d "@$base" +%Y-%m-%dT%H:00:00Z)
max_active_runs: 100000
tasks:
  wait:
    type: s3_sensor
    url: "file://$L/{{ data_interval_start | %Y%m%d%H }}/"
    poke_interval: 1s
    recheck: 1000d
    recheck_interval: $INTERVAL
YAML
cat >"$H/sluice.yaml" <<EOC
parallelism: 64
EOC
start_scheduler
passed() { [ "$(q "SELECT count(*) FROM sensor_fingerprints")" -ge "$PARTITIONS" ]; }
t0=$(date +%s)
wait_for 1800 "every sensor to pass" passed
note "all $PARTITIONS sensors passed in $(( $(date +%s) - t0 )) s; restarting the scheduler"
stop_pid "$SCHED_PID"
start_scheduler
pid=$SCHED_PID
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
sleep "$SETTLE_S"	# a bench's settling time, not synchronisation
c0=$(cpu); t0=$(date +%s%N)
# late files in LATE partitions spread over the range
for i in $(seq 1 "$LATE"); do
	h=$(( first + (i * PARTITIONS / (LATE + 1)) * 3600 ))
	printf 'late\n' >"$L/$(date -u -d "@$h" +%Y%m%d%H)/late.csv"
done
sleep "$WINDOW_S"	# the measuring window
c1=$(cpu); t1=$(date +%s%N)
found() { grep -c 'recheck: 1 added, 0 removed, 0 changed' "$T/scheduler.log" || true; }
all_found() { [ "$(found)" -ge "$LATE" ]; }
# (a check comes within 1.1 intervals: wait for the last ones, bounded)
wait_for 300 "the late files to be found" all_found
found=$(found)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
awk -v c="$((c1 - c0))" -v t="$(( (t1 - t0) / 1000000 ))" -v k="$ticks" -v n="$PARTITIONS" \
	'BEGIN { printf "scheduler CPU over %.0f s with %d rechecking partitions: %.2f%% of one core\n", t / 1000, n, 100 * (c / k) / (t / 1000) }'
echo "scheduler RSS: $((rss / 1024)) MB; late files found: $found of $LATE, $(( ($(date +%s%N) - t0) / 1000000000 )) s after they landed"
