#!/bin/bash
# freshness: the evaluation pass of the freshness timer (sched_fresh_pass)
# over 100 DAGs with freshness: x 7 days of hourly partitions, in process
# (bench/fresh_eval, the deterministic harness; no processes started):
# the passes after the start, the first pass after a mass of runs is
# written and the ones that follow until every recovery is recorded, the
# first pass with nothing checked (as after a restart), then the median
# and max (wall and CPU) of PASSES steady passes on a still clock and
# PASSES a minute apart, each beside the target (<= 10 ms per pass) as a
# ratio, with the machine's load before and after.
# Usage: bench/freshness.sh [BUILD_DIR] (default: build); FRESH_EVAL=path
# runs another build of the bench (an older sluice, to compare).
# Not part of `make check`: it measures, it does not assert.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$here/../build}
DAGS=${DAGS:-100}
PASSES=${PASSES:-120}
BIN=${FRESH_EVAL:-$BUILD/bench/fresh_eval}
LOG=$(mktemp "${TMPDIR:-/tmp}/sluice-bench-fresh.XXXXXX")
trap 'rm -f "$LOG"' EXIT
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# the scheduler's log (a line per late partition and per recovery) to LOG
"$BIN" "$DAGS" "$PASSES" 2>"$LOG" || { tail -20 "$LOG"; exit 1; }
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) load after $(cut -d' ' -f1-3 /proc/loadavg)"
