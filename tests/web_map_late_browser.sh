#!/bin/bash
# Late partitions without a run (freshness: missed, e.g. after the
# scheduler was down) are partitions to backfill like missing ones: the
# partition map's Backfill offers them, its preview is the server's dry
# run, and the grid shows them as never-run rows. And the map's month
# labels: a first month a column wide does not run into the next one's.
# And the day a zone's clocks go back: 25 hours, each in its own cell.
# The grid opened at a partition without a run older than every run (a
# late alert's link), or of a DAG with no run: that row is shown. And the
# map's first frame (the server's picture) matches the canvas drawn over
# it in each layout.
# Screenshots go to $WEB_SHOTS (default: $T/shots, removed with $T).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

need_browser

web_home
printf 'dags_paused_at_creation: true\n' >> "$H/sluice.yaml"
now=$(date +%s)
HOUR=$((now / 3600 * 3600))
START=$((HOUR - 12 * 3600))
# paused (new DAGs start paused): its ended hours have no run, and every
# one that ended more than 30 minutes ago is late (with catchup: false
# those that ended before it was first loaded would be missing instead:
# nothing was to run them)
cat > "$H/dags/fresh.yaml" <<YAML
dag: fresh
schedule: "@hourly"
start: $(date -u -d "@$START" +%Y-%m-%dT%H:%M:%SZ)
freshness: 30m
tasks:
  a: {command: "true"}
  b: {after: [a], command: "true"}
YAML
# one_task_dag NAME SCHEDULE START END [TIMEZONE]: a DAG of one task
one_task_dag() {
	{
		printf 'dag: %s\nschedule: "%s"\n' "$1" "$2"
		[ -n "${5:-}" ] && printf 'timezone: %s\n' "$5"
		printf 'start: %s\nend: %s\ntasks:\n  a: {command: "true"}\n' "$3" "$4"
	} > "$H/dags/$1.yaml"
}
# trigger_each DAG PARTITION...
trigger_each() {
	local dag=$1 p
	shift
	for p in "$@"; do
		"$SLUICE" --home "$H" trigger "$dag" --partition "$p" >/dev/null || fail "trigger $dag $p"
	done
}
one_task_dag cal "@daily" 2024-01-01T00:00:00Z 2024-03-01T00:00:00Z
one_task_dag ny "@hourly" 2024-11-02T00:00:00-04:00 2024-11-05T00:00:00-05:00 America/New_York
# the map's first frame against its canvas in each layout (a calendar,
# the days around a DST change, a strip): a few partitions with a run, so
# the cells differ from the white of missing ones and of no partition
one_task_dag days "@daily" 2024-01-01T00:00:00Z 2024-03-01T00:00:00Z
# daily in a zone with DST: its starts are 23 and 25 hours apart there
one_task_dag nyd "@daily" 2024-10-01T00:00:00-04:00 2024-12-01T00:00:00-05:00 America/New_York
one_task_dag quarter "*/15 * * * *" 2024-01-01T00:00:00Z 2024-01-02T06:00:00Z
start_standalone
trigger_each days 2024-01-03 2024-01-28 2024-02-05 2024-02-29
# an ended DAG's map shows its last partitions, not the empty year since
[ "$(api GET "/dags/days/partitions?format=compact")" = 200 ] || fail "the days map: $(cat "$T/body")"
assert_eq "60 2024-01-01T00:00:00+00:00 2024-02-29T00:00:00+00:00" "$(jget '" ".join(str(x) for x in (d["count"], d["from"], d["to"]))')" \
	"an ended DAG's map without a range: its days up to its end"
trigger_each ny 2024-11-02T05:00:00-04:00 2024-11-03T01:00:00-04:00 2024-11-03T01:00:00-05:00 \
	2024-11-03T09:00:00-05:00 2024-11-04T23:00:00-05:00
trigger_each nyd 2024-10-02 2024-11-03 2024-11-04 2024-11-30
[ "$(api GET "/dags/nyd/partitions?format=compact")" = 200 ] || fail "the nyd map: $(cat "$T/body")"
assert_eq "61 None" "$(jget '" ".join(str(x) for x in (d["count"], d["step_s"]))')" \
	"a daily map across a DST change: 61 days, each start listed (no one step)"
trigger_each quarter 2024-01-01T00:15:00+00:00 2024-01-01T14:45:00+00:00 2024-01-02T05:45:00+00:00
late_now() {
	[ "$(api GET "/dags/fresh/partitions?format=compact")" = 200 ] &&
		[ "$(jget 'd["counts"]["late"]')" -ge 10 ]
}
wait_for 15 "ten late hours without a run" late_now
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'fresh'")" "no run yet"

SHOTS=${WEB_SHOTS:-$T/shots}
mkdir -p "$SHOTS"
FIRST=$(date -u -d "@$((START + 2 * 3600))" +%Y-%m-%dT%H:%M:%S+00:00)
LAST=$(date -u -d "@$((START + 5 * 3600))" +%Y-%m-%dT%H:%M:%S+00:00)
ZERO=$(date -u -d "@$START" +%Y-%m-%dT%H:%M:%S+00:00)
URL=$URL OPS_PW=$OPS_PW SHOTS=$SHOTS FIRST=$FIRST LAST=$LAST ZERO=$ZERO \
	node "$SLUICE_SRCDIR/tests/browser/map_late.mjs" || fail "browser test failed (screenshots in $SHOTS)"
assert_eq 4 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'fresh' AND run_type = 'backfill' AND start_s BETWEEN $((START + 2 * 3600)) AND $((START + 5 * 3600))")" \
	"the four late hours backfilled from the map"
assert_eq 4 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'fresh'")" "and nothing else"
echo "web_map_late_browser: ok"
