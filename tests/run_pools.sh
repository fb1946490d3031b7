#!/bin/bash
# Pools, max_active_tasks and parallelism are never over-subscribed;
# priority decides who goes first.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/sluice.yaml" <<'YAML'
parallelism: 6
pools: {default: 128, narrow: 2}
YAML
# task K N: each task records its start and end (ns, with its partition);
# overlap is computed after. Between the two it works until K tasks run
# at once or its run's N tasks have all started (at most 5 s), then 0.3 s
# more: the limit is reached however slowly a loaded machine starts the
# tries (a fixed 0.3 s could end before the next try of the pair began,
# and the run would never have two at once)
mkdir -p "$T/running"
task() {
	echo 'echo "start $(date +%s%N) $SLUICE_TASK $SLUICE_PARTITION" >> '$T'/spans; m='$T'/running/$SLUICE_PARTITION.$SLUICE_TASK; touch $m; i=0; while [ $(ls '$T'/running | wc -l) -lt '$1' ] && [ $(grep -c "^start .* $SLUICE_PARTITION\$" '$T'/spans) -lt '$2' ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; sleep 0.3; rm $m; echo "end $(date +%s%N) $SLUICE_TASK $SLUICE_PARTITION" >> '$T'/spans'
}
{
	echo "dag: pooled"
	echo "tasks:"
	for i in 1 2 3 4 5 6 7 8; do
		echo "  t$i: {pool: narrow, command: '$(task 2 8)'}"
	done
} >"$H/dags/pooled.yaml"
{
	echo "dag: wide"
	echo "max_active_tasks: 3"
	echo "tasks:"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		echo "  w$i: {command: '$(task 3 10)'}"
	done
} >"$H/dags/wide.yaml"
max_overlap() {
	sort -k2,2n "$1" | awk '$1=="start"{n++; if(n>m)m=n} $1=="end"{n--} END{print m}'
}
start_scheduler
sl trigger pooled --partition a --wait >/dev/null
assert_eq 2 "$(max_overlap "$T/spans")" "most tasks at once in a 2-slot pool"
rm -f "$T/spans"
# sluice pools: each pool's slots and those its tries hold (there was no
# way to see them from the command line)
pool_is() {	# NAME SLOTS USED: `sluice --json pools` says so
	"$SLUICE" --home "$H" --json pools | /usr/bin/python3 -c '
import json, sys
p = {x["name"]: x for x in json.load(sys.stdin)}[sys.argv[1]]
sys.exit(0 if (p["slots"], p["used"]) == (int(sys.argv[2]), int(sys.argv[3])) and
         p["running"] + p["queued"] == int(sys.argv[3]) else 1)' "$@"
}
sl trigger pooled --partition p >/dev/null
wait_for 20 "the narrow pool's 2 slots in use" pool_is narrow 2 2
wait_run pooled p success
pool_is narrow 2 0 || fail "the narrow pool after its run: $(sl --json pools)"
out=$(sl pools)
echo "$out" | grep -Eq '^default +128 +0 +0 +0$' || fail "sluice pools: $out"
echo "$out" | grep -Eq '^narrow +2 +0 +0 +0$' || fail "sluice pools: $out"
rm -f "$T/spans"
sl trigger wide --partition a --wait >/dev/null
assert_eq 3 "$(max_overlap "$T/spans")" "most tasks at once with max_active_tasks 3"
rm -f "$T/spans"
# two runs of wide at once: max_active_tasks per DAG is 3, parallelism 6
sl trigger wide --partition b >/dev/null
sl trigger wide --partition c --wait >/dev/null
wait_run wide b success
m=$(max_overlap "$T/spans")
[ "$m" -le 3 ] || fail "wide ran $m tasks at once, max_active_tasks is 3"

# priority: with one slot, the high-priority task runs first
cat >>"$H/sluice.yaml" <<'YAML'
YAML
cat >"$H/dags/prio.yaml" <<YAML
dag: prio
tasks:
  gate: {pool: narrow, pool_slots: 2, command: 'sleep 0.5'}
  low: {pool: narrow, pool_slots: 2, priority: 1, command: 'echo low >> $T/order'}
  high: {pool: narrow, pool_slots: 2, priority: 9, command: 'echo high >> $T/order'}
YAML
wait_for 10 "prio to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q prio"
sl trigger prio --partition a --wait >/dev/null
assert_eq "high low" "$(tr '\n' ' ' < "$T/order" | sed 's/ $//')" "order by priority"
echo "run_pools: ok"
