#!/bin/bash
# The partition map page in headless Chromium: a year of hourly partitions
# (seeded history, a stretch of missing hours and failed ones), the missing
# cells visible, a drag over a range, Backfill missing with its preview,
# and the cells turning green without a reload; the first paint of the
# year is measured and recorded; a run page for a key without a run lists
# the nearest keys, none split at a hyphen; two adjacent never-run rows of
# the grid picked and backfilled are one backfill; a DAG that runs every
# minute shows its newest 200,000 partitions at twice the density. Screenshots go to $WEB_SHOTS
# (default: the build dir's tests/shots-partition_map) for a person to
# look at.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

need_browser

web_home
printf 'dags_paused_at_creation: true\n' >> "$H/sluice.yaml"
now=$(date +%s)
HOUR=$((now / 3600 * 3600))
START=$((HOUR - 365 * 24 * 3600))
cat > "$H/dags/year.yaml" <<YAML
dag: year
schedule: "@hourly"
timezone: UTC
start: $(date -u -d "@$START" +%Y-%m-%dT%H:%M:%SZ)
catchup: false
max_active_runs: 16
tasks:
  t01: {command: "true"}
  t02: {after: [t01], command: "true"}
YAML
# every minute for 150 days: more than the map's 200,000 partitions
cat > "$H/dags/minutely.yaml" <<YAML
dag: minutely
schedule: "* * * * *"
start: $(date -u -d "@$((now - 150 * 86400))" +%Y-%m-%dT%H:%M:00Z)
tasks:
  a: {command: "true"}
YAML
start_standalone
has_row() { [ -n "$(q "SELECT dag_id FROM dags WHERE dag_id = 'year'")" ]; }
wait_for 15 "the DAG's row" has_row
# a year of history up to the last hour that ended, but 8 missing hours
# three days ago (for the map) and 2 ten hours ago (for the grid's
# never-run rows); the scheduler creates from the current hour on
sqlite3 "$H/sluice.db" -cmd ".timeout 5000" -cmd ".parameter set @dag year" \
	-cmd ".parameter set @start $START" -cmd ".parameter set @hours $((365 * 24))" \
	-cmd ".parameter set @tasks 2" < "$SLUICE_SRCDIR/bench/partition_map_seed.sql"
GAP=$((HOUR - 72 * 3600))
q ".timeout 5000" "DELETE FROM task_instances WHERE run_id IN (SELECT id FROM dag_runs WHERE dag_id = 'year' AND start_s BETWEEN $GAP AND $((GAP + 7 * 3600)));
   DELETE FROM dag_runs WHERE dag_id = 'year' AND start_s BETWEEN $GAP AND $((GAP + 7 * 3600));
   DELETE FROM task_instances WHERE run_id IN (SELECT id FROM dag_runs WHERE dag_id = 'year' AND start_s IN ($((HOUR - 10 * 3600)), $((HOUR - 9 * 3600))));
   DELETE FROM dag_runs WHERE dag_id = 'year' AND start_s IN ($((HOUR - 10 * 3600)), $((HOUR - 9 * 3600)));
   UPDATE dags SET next_start_s = $HOUR WHERE dag_id = 'year';"
assert_status 200 POST /dags/year/unpause '{}'
assert_status 200 GET "/dags/year/partitions?format=compact"
assert_eq 10 "$(jget 'd["counts"]["missing"]')" "ten missing hours"

SHOTS=${WEB_SHOTS:-$PWD/tests/shots-partition_map}
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
GAP_KEY=$(date -u -d "@$GAP" +%Y-%m-%dT%H:%M:%S+00:00)
NEVER_KEYS="$(date -u -d "@$((HOUR - 9 * 3600))" +%Y-%m-%dT%H:%M:%S+00:00) $(date -u -d "@$((HOUR - 10 * 3600))" +%Y-%m-%dT%H:%M:%S+00:00)"
(set -o pipefail  # node's status, not tee's
URL=$URL OPS_PW=$OPS_PW VIEWER_PW=$VIEWER_PW SHOTS=$SHOTS GAP_KEY=$GAP_KEY GAP_INDEX=$(((GAP - START) / 3600)) NEVER_KEYS=$NEVER_KEYS HOUR_S=$HOUR \
	node "$SLUICE_SRCDIR/tests/browser/partition_map.mjs" | tee "$T/browser.out") ||
	fail "browser test failed (screenshots in $SHOTS)"
# what the browser did is in the database: the eight runs, created by the
# backfill and run to success
assert_eq 8 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'year' AND start_s BETWEEN $GAP AND $((GAP + 7 * 3600)) AND run_type = 'backfill' AND state = 'success'")" "the backfilled runs"
assert_eq 2 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'year' AND start_s IN ($((HOUR - 10 * 3600)), $((HOUR - 9 * 3600))) AND run_type = 'backfill'")" "the grid's backfill of its never-run rows"
assert_eq 1 "$(q "SELECT count(DISTINCT backfill_id) FROM dag_runs WHERE dag_id = 'year' AND start_s IN ($((HOUR - 10 * 3600)), $((HOUR - 9 * 3600)))")" "the two adjacent never-run hours picked: one backfill"
# the newest 200,000 minutes at twice the density: a canvas the browser
# holds (the tab died)
(set -o pipefail
URL=$URL OPS_PW=$OPS_PW SHOTS=$SHOTS node "$SLUICE_SRCDIR/tests/browser/map_long_strip.mjs" | tee -a "$T/browser.out") ||
	fail "the long strip's browser test failed (screenshots in $SHOTS)"
for s in 10-long-strip 01-year 02-missing-hover 03-selected 04-preview 05-green 06-grid-at 07-grid-never-run 08-grid-backfilled 09-run-not-found; do
	[ -s "$SHOTS/$s.png" ] || fail "no screenshot $s"
done
echo "web_partition_map_browser: ok"
