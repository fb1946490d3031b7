#!/bin/bash
# How long the commands a person types take, start to end, and how much
# memory they touch: `sluice --help`, `dags list`, `runs`, `tasks` and
# `status` on a home with the example DAGs and a few runs, each run REPS
# times in a row (the median is printed), with their peak RSS. Given a
# second binary (an older build), both are measured alternately and the
# ratio printed: the before and after of a change to what every process
# does at start (the libraries it loads, base/lazylib.h).
# Usage: bench/cli_start.sh [SLUICE_BINARY [BASE_BINARY]]; REPS (default
# 30). Not part of `make check`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SLUICE=${1:-$here/../build/sluice}
BASE=${2:-}
REPS=${REPS:-30}
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-clistart.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/home/dags"
cp "$here"/../dags/*.yaml "$W/home/dags/"
printf 'dags_paused_at_creation: false\n' >"$W/home/sluice.yaml"
"$SLUICE" --home "$W/home" dags list >/dev/null
dag=$("$SLUICE" --home "$W/home" dags list --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["dag"])')
"$SLUICE" --home "$W/home" trigger "$dag" --partition 2026-01-01 >/dev/null 2>&1 || true

# median_ms BINARY ARGS...: the median wall time of REPS runs, in ms
median_ms() {
	local bin=$1 i t0 t1
	shift
	for i in $(seq "$REPS"); do
		t0=$(date +%s%N)
		"$bin" --home "$W/home" "$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000 ))
	done | sort -n | awk '{v[NR]=$1} END{printf "%.1f", v[int((NR+1)/2)]/1000}'
}
# peak_kb BINARY ARGS...: the peak RSS of one run
peak_kb() {
	local bin=$1
	shift
	/usr/bin/time -f %M "$bin" --home "$W/home" "$@" 2>&1 >/dev/null | tail -n 1
}

echo "sluice command start ($SLUICE${BASE:+ against $BASE}), $REPS runs each, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "  %-46s %10s %10s" "command" "ms" "peak kB"
[ -n "$BASE" ] && printf " %10s %10s %7s" "base ms" "base kB" "ratio"
echo
for cmd in "--help" "dags list" "runs $dag" "tasks $dag 2026-01-01" "status $dag"; do
	# shellcheck disable=SC2086
	ms=$(median_ms "$SLUICE" $cmd)
	# shellcheck disable=SC2086
	kb=$(peak_kb "$SLUICE" $cmd)
	printf "  %-46s %10s %10s" "sluice $cmd" "$ms" "$kb"
	if [ -n "$BASE" ]; then
		# shellcheck disable=SC2086
		bms=$(median_ms "$BASE" $cmd)
		# shellcheck disable=SC2086
		bkb=$(peak_kb "$BASE" $cmd)
		printf " %10s %10s %7s" "$bms" "$bkb" "$(awk -v a="$ms" -v b="$bms" 'BEGIN{printf "%.2f", a/b}')"
	fi
	echo
done
