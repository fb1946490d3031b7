#!/bin/bash
# The wall time a local try costs end to end, one at a time: a chain of
# LENGTH `true` tasks (each after the one before, so nothing overlaps and
# every cost of a try, from its dispatch to its recorded end, is on the
# path), run by each of the given sluice builds in turn, round after
# round (alternating: a shared machine's load moves). Prints each run's
# wall time and ms per try, then the median per build.
# Usage: bench/chain.sh SLUICE_BINARY... (default: build/sluice); ROUNDS,
# LENGTH. Each binary uses the sluice-try next to it. Not part of
# `make check`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- "$here/../build/sluice"
ROUNDS=${ROUNDS:-5}
LENGTH=${LENGTH:-300}
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-chain.XXXXXX")
SCHED=
trap '[ -n "$SCHED" ] && kill $SCHED 2>/dev/null; rm -rf "$W"' EXIT
echo "chain of $LENGTH tries, $ROUNDS rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
b=0
for bin in "$@"; do
	b=$((b + 1))
	mkdir -p "$W/h$b/dags"
	cat >"$W/h$b/sluice.yaml" <<YAML
dags_paused_at_creation: false
parallelism: 16
executors:
  local: {type: local, slots: 16}
YAML
	/usr/bin/python3 "$here/chain.py" "$W/h$b/dags/chain.yaml" "$LENGTH"
done
for round in $(seq "$ROUNDS"); do
	b=0
	for bin in "$@"; do
		b=$((b + 1))
		h=$W/h$b
		"$bin" --home "$h" scheduler >"$h/sched.log" 2>&1 &
		SCHED=$!
		for _ in $(seq 600); do grep -q "scheduler started" "$h/sched.log" && break; sleep 0.05; done
		t0=$(date +%s%N)
		"$bin" --home "$h" trigger chain --partition "r$round" --wait >"$h/trigger.out" 2>&1 ||
			{ echo "chain: the run failed ($bin)"; tail "$h/trigger.out" "$h/sched.log"; exit 1; }
		t1=$(date +%s%N)
		kill $SCHED; wait $SCHED 2>/dev/null || true; SCHED=
		ms=$(( (t1 - t0) / 1000000 ))
		echo "$b $ms" >>"$W/times"
		printf "  round %d build %d: %6d ms, %.2f ms/try, load %s (%s)\n" "$round" "$b" "$ms" \
			"$(awk -v a="$ms" -v n="$LENGTH" 'BEGIN{printf "%.2f", a/n}')" \
			"$(cut -d' ' -f1 /proc/loadavg)" "$bin"
	done
done
b=0
for bin in "$@"; do
	b=$((b + 1))
	med=$(awk -v b="$b" '$1 == b {print $2}' "$W/times" | sort -n |
		awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}')
	printf "median build %d: %6d ms, %.2f ms/try (%s)\n" "$b" "$med" \
		"$(awk -v a="$med" -v n="$LENGTH" 'BEGIN{printf "%.2f", a/n}')" "$bin"
done
