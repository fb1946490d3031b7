#!/bin/bash
# The grid and the DAG list in headless Chromium: walk the grid by keyboard
# alone (one tab stop, arrows, Space, Enter), select by partition key
# across pages (shift-click), jump to a typed date or time, filter by
# state, mark success with and without "clear downstream", clear two cells
# with downstream (each instance once, the count the preview's), filter the DAG
# list by tag (at 640px too, where it fits the window); every state's
# badge and dot stands out 3:1 from what is behind it. Screenshots go to $WEB_SHOTS (default: the build dir's
# tests/shots-web_grid, kept for a person to look at).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (apt-get install chromium)"
command -v node >/dev/null || skip "no node"
[ -d "$SLUICE_SRCDIR/tests/node_modules/playwright-core" ] ||
	skip "playwright-core is not installed (cd tests && npm ci)"

web_home
# 40 hourly partitions (2026-12-01T00 .. 2026-12-02T15 UTC): two pages of
# 25 and 15 in the UI; b fails at 05:00 and 17:00, so c is upstream_failed
cat > "$H/dags/gr.yaml" <<'YAML'
dag: gr
schedule: "@hourly"
timezone: UTC
start: 2026-12-01T00:00:00Z
end: 2026-12-02T16:00:00Z
max_active_runs: 40
tags: [finance, hourly]
tasks:
  a: {command: "true"}
  b: {after: [a], command: "case {{ ts_nodash }} in *T05*|*T17*) exit 1 ;; esac"}
  c: {after: [b], command: "true"}
YAML
cat > "$H/dags/other.yaml" <<'YAML'
dag: other
description: Marketing attribution, recomputed for every campaign, channel and region once a day, with a long description that fills the DAG column of the list
schedule: "@daily"
start: 2030-01-01
tags: [marketing]
tasks:
  t: {command: "true"}
YAML
cat > "$H/dags/plain.yaml" <<'YAML'
dag: plain
schedule: none
tasks:
  t: {command: "true"}
  load_the_customer_lifetime_value_segments_into_the_warehouse_x64: {command: "true"}
YAML
start_standalone
assert_status 200 POST /dags/gr/unpause '{}'
done_runs() {
	[ "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'gr' AND state IN ('success', 'failed')")" = 40 ]
}
wait_for 180 "40 finished runs of gr" done_runs
assert_eq 3 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'gr' AND state = 'failed'")" "three failed runs"
# an unscheduled DAG's key may be 128 characters long
LONG_KEY=$(printf 'emea_north_orders_reprocessing_after_the_schema_migration_%.0s' 1 2 3 | cut -c1-128)
assert_status 201 POST /dags/plain/runs "{\"partition\":\"$LONG_KEY\"}"
SHOTS=${WEB_SHOTS:-$PWD/tests/shots-web_grid}
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
URL=$URL OPS_PW=$OPS_PW SHOTS=$SHOTS LONG_KEY=$LONG_KEY \
	node "$SLUICE_SRCDIR/tests/browser/grid_ui.mjs" || fail "browser test failed (screenshots in $SHOTS)"
# what the browser did is in the database
P05=2026-12-01T05:00:00+00:00 P17=2026-12-01T17:00:00+00:00
ti_is gr "$P05" c success || fail "clear downstream from the dialog ran c"
ti_is gr "$P17" c upstream_failed || fail "without the box c stays upstream_failed"
# the grid's clear of b and c at 2026-12-02T05 with downstream reset c once
assert_eq 1 "$(q "SELECT count(*) FROM state_changes s JOIN task_instances ti ON ti.id = s.ti_id
	JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id = 'gr' AND r.partition = '2026-12-02T05:00:00+00:00'
	AND ti.task_id = 'c' AND s.reason LIKE 'cleared by %'")" "c cleared once"
for s in 01-page-one 01c-keyboard 01d-keyboard-scrolled 02-range-across-pages 03-range-preview 04-jump-time 05-jump-date \
	06-filter-failed 07-mark-plain 08-mark-clear-downstream 09-marked 10-dags-tagged 10b-dags-narrow 10c-dags-640 11-long-key 12-long-key-task 13-toolbar-forms 13b-toolbar-640; do
	[ -s "$SHOTS/$s.png" ] || fail "no screenshot $s"
done
echo "web_grid_browser: ok"
