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
# one that ended more than 30 minutes ago is late
cat > "$H/dags/fresh.yaml" <<YAML
dag: fresh
schedule: "@hourly"
start: $(date -u -d "@$START" +%Y-%m-%dT%H:%M:%SZ)
catchup: false
freshness: 30m
tasks:
  a: {command: "true"}
  b: {after: [a], command: "true"}
YAML
cat > "$H/dags/cal.yaml" <<YAML
dag: cal
schedule: "@daily"
start: 2024-01-01T00:00:00Z
end: 2024-03-01T00:00:00Z
tasks:
  a: {command: "true"}
YAML
cat > "$H/dags/ny.yaml" <<YAML
dag: ny
schedule: "@hourly"
timezone: America/New_York
start: 2024-11-02T00:00:00-04:00
end: 2024-11-05T00:00:00-05:00
tasks:
  a: {command: "true"}
YAML
# the map's first frame against its canvas in each layout (a calendar,
# the days around a DST change, a strip): a few partitions with a run, so
# the cells differ from the white of missing ones and of no partition
cat > "$H/dags/days.yaml" <<YAML
dag: days
schedule: "@daily"
start: 2024-01-01T00:00:00Z
end: 2024-03-01T00:00:00Z
tasks:
  a: {command: "true"}
YAML
# daily in a zone with DST: its starts are 23 and 25 hours apart there
cat > "$H/dags/nyd.yaml" <<YAML
dag: nyd
schedule: "@daily"
timezone: America/New_York
start: 2024-10-01T00:00:00-04:00
end: 2024-12-01T00:00:00-05:00
tasks:
  a: {command: "true"}
YAML
cat > "$H/dags/quarter.yaml" <<YAML
dag: quarter
schedule: "*/15 * * * *"
start: 2024-01-01T00:00:00Z
end: 2024-01-02T06:00:00Z
tasks:
  a: {command: "true"}
YAML
start_standalone
for p in 2024-01-03 2024-01-28 2024-02-05 2024-02-29; do
	"$SLUICE" --home "$H" trigger days --partition "$p" >/dev/null || fail "trigger days $p"
done
# an ended DAG's map shows its last partitions, not the empty year since
[ "$(api GET "/dags/days/partitions?format=compact")" = 200 ] || fail "the days map: $(cat "$T/body")"
assert_eq "60 2024-01-01T00:00:00+00:00 2024-02-29T00:00:00+00:00" "$(jget '" ".join(str(x) for x in (d["count"], d["from"], d["to"]))')" \
	"an ended DAG's map without a range: its days up to its end"
for p in 2024-11-02T05:00:00-04:00 2024-11-03T01:00:00-04:00 2024-11-03T01:00:00-05:00 2024-11-03T09:00:00-05:00 \
	2024-11-04T23:00:00-05:00; do
	"$SLUICE" --home "$H" trigger ny --partition "$p" >/dev/null || fail "trigger ny $p"
done
for p in 2024-10-02 2024-11-03 2024-11-04 2024-11-30; do
	"$SLUICE" --home "$H" trigger nyd --partition "$p" >/dev/null || fail "trigger nyd $p"
done
[ "$(api GET "/dags/nyd/partitions?format=compact")" = 200 ] || fail "the nyd map: $(cat "$T/body")"
assert_eq "61 None" "$(jget '" ".join(str(x) for x in (d["count"], d["step_s"]))')" \
	"a daily map across a DST change: 61 days, each start listed (no one step)"
for p in 2024-01-01T00:15:00+00:00 2024-01-01T14:45:00+00:00 2024-01-02T05:45:00+00:00; do
	"$SLUICE" --home "$H" trigger quarter --partition "$p" >/dev/null || fail "trigger quarter $p"
done
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
