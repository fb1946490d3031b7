#!/bin/bash
# freshness: one evaluation pass of the freshness timer (sched_fresh_pass)
# over 100 DAGs with freshness: x 7 days of hourly partitions, in process
# (bench/fresh_eval, the deterministic harness; no processes started);
# prints the first pass and the median and max of PASSES steady passes
# beside the target (<= 10 ms per pass), with the machine's load.
# Usage: bench/freshness.sh [BUILD_DIR] (default: build).
# Not part of `make check`: it measures, it does not assert.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$here/../build}
DAGS=${DAGS:-100}
PASSES=${PASSES:-50}
LOG=$(mktemp "${TMPDIR:-/tmp}/sluice-bench-fresh.XXXXXX")
trap 'rm -f "$LOG"' EXIT
echo "$(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# the scheduler's log (a line per late partition and per recovery) to LOG
"$BUILD/bench/fresh_eval" "$DAGS" "$PASSES" 2>"$LOG" || { tail -20 "$LOG"; exit 1; }
