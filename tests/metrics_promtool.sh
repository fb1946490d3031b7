#!/bin/bash
# /metrics read by Prometheus's own checker: `promtool check metrics`
# (Debian's prometheus package) finds no error and no lint problem in
# what a busy standalone serves (runs and tries in every state, a
# duration histogram whose counts a clear does not lower, the
# scheduler's counters), and the names follow
# Prometheus's conventions (counters end in _total, times in _seconds).
. "$SLUICE_SRCDIR/tests/setup.sh"
command -v promtool >/dev/null ||
	skip "promtool is needed (apt-get install prometheus; scripts/deps --test)"

new_home
cat >"$H/sluice.yaml" <<'YAML'
executors:
  local: {type: local, slots: 8}
YAML
# a DAG with tries that succeed, fail, wait and run long
cat >"$H/dags/busy.yaml" <<YAML
dag: busy
tasks:
  quick: {command: "true"}
  fails: {command: "exit 3"}
  after_fail: {command: "true", after: fails}
  slow: {command: "while [ ! -f $T/go-slow ]; do sleep 0.05; done", timeout: 2m}
  wide_1: {command: "true", after: quick}
  wide_2: {command: "true", after: quick}
YAML
start_standalone
for p in a b c d; do
	sl trigger busy --partition "$p" >/dev/null
done
# every partition in the states counted below (slow runs until the test
# lets it end: a fixed sleep could end in the first partitions while the
# last ones start on a loaded machine)
for p in a b c d; do
	wait_ti busy "$p" fails failed 60
	wait_ti busy "$p" after_fail upstream_failed 60
	wait_ti busy "$p" wide_2 success 60
	wait_ti busy "$p" slow running 60
done

check() {	# check WHAT: fetch /metrics, run promtool on it
	curl -fsS "$URL/metrics" >"$T/metrics.txt" || fail "GET /metrics"
	out=$(promtool check metrics <"$T/metrics.txt" 2>&1) ||
		fail "promtool check metrics ($1): $out"
	[ -z "$out" ] || fail "promtool check metrics ($1) reports: $out"
}
check "tries running"
m=$(cat "$T/metrics.txt")
for want in 'sluice_dag_runs{dag="busy",state="running"} 4' \
	'sluice_task_instances{dag="busy",state="failed"} 4' \
	'sluice_task_instances{dag="busy",state="upstream_failed"} 4' \
	'sluice_task_instances{dag="busy",state="running"} 4' \
	'sluice_task_duration_seconds_bucket{dag="busy",le="+Inf"}' \
	'sluice_task_duration_seconds_count{dag="busy"}' \
	'sluice_running_tries 4' 'sluice_tries_started_total ' \
	'sluice_tries_ended_total ' 'sluice_scheduler_loop_lag_seconds ' \
	'# TYPE sluice_task_duration_seconds histogram'; do
	assert_contains "$m" "$want" "/metrics"
done
# conventions: a counter's name ends in _total; no time in another unit
awk '$1 == "#" && $2 == "TYPE" && $4 == "counter" && $3 !~ /_total$/ { print; bad = 1 } END { exit bad }' \
	"$T/metrics.txt" || fail "a counter without _total"
grep -E '^[a-z_]+_(ms|milliseconds|minutes|hours|bytes_kb)[{ ]' "$T/metrics.txt" &&
	fail "a metric in a unit other than the base unit"
# the duration histogram counts tries, which a clear keeps: its counts
# only grow (Prometheus reads them as counters); a re-run adds its try
count() { curl -fsS "$URL/metrics" | sed -n 's/^sluice_task_duration_seconds_count{dag="busy"} //p'; }
before=$(count)
sl clear busy --task fails --partition a --yes >/dev/null
after_clear=$(count)
[ "$after_clear" -ge "$before" ] || fail "the duration count fell at a clear: $before, then $after_clear"
wait_ti busy a fails failed 60
assert_eq $((before + 1)) "$(count)" "the duration count after the re-run's try"
check "after a clear"
# a web-only process serves the store's metrics the same way
stop_pid "$SCHED_PID"
start_web
URL=$WURL
check "sluice web"
echo "metrics_promtool: ok"
