#!/bin/bash
# A backfill whose range reaches past its DAG's start:, in headless
# Chromium: the backfills page lists the range it covers (its first and
# last partition, what its progress counts) with the range asked below
# it, as the server draws the row and as app.js redraws it from the API;
# at 1024px a short DAG name, the progress's detail and every partition
# key keep their line, and the table fits its box; at 640px too, each
# backfill on lines of its own; Cancel… shows what it does in a dialog
# with a box to kill the running runs, and removes the queued run.
# Screenshots go to $WEB_SHOTS (default: the build dir's
# tests/shots-backfill-range, kept to be looked at).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

need_browser

web_home
printf 'dags_paused_at_creation: true\n' >>"$H/sluice.yaml"
cat >"$H/dags/hny.yaml" <<'YAML'
dag: hny
schedule: "0 * * * *"
timezone: America/New_York
start: 2024-01-01T00:00
end: 2027-01-01T00:00
tasks:
  x: {command: 'true'}
YAML
# an earlier backfill of a DAG with a longer name: the second row
cat >"$H/dags/daily_rollup.yaml" <<'YAML'
dag: daily_rollup
schedule: "@daily"
start: 2024-01-01
tasks:
  x: {command: 'true'}
YAML
# a DAG of 16 letters in one word: it keeps its line ("inventoryrollu|ps"
# once broke mid-word at 1024px)
cat >"$H/dags/inventoryrollups.yaml" <<'YAML'
dag: inventoryrollups
schedule: "@daily"
start: 2024-01-01
tasks:
  x: {command: 'true'}
YAML
start_standalone
sl backfill inventoryrollups --from 2024-01-01 --to 2024-01-01 >/dev/null 2>&1
# (newest first, at most 2 at once: the longest Which)
sl backfill daily_rollup --from 2024-01-01 --to 2024-01-02 --newest-first --max-active 2 >/dev/null 2>&1
sl backfill hny --from 2023-12-31T22:00 --to 2024-01-01T01:00 >/dev/null 2>"$T/err"
assert_contains "$(cat "$T/err")" "note: left out 2 partitions before" "the range was cut"
SHOTS=${WEB_SHOTS:-$SLUICE_BUILDDIR/tests/shots-backfill-range}
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
URL=$URL OPS_PW=$OPS_PW SHOTS=$SHOTS \
	node "$SLUICE_SRCDIR/tests/browser/backfill_range.mjs" || fail "browser test failed (screenshots in $SHOTS)"
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'inventoryrollups'")" "the cancelled backfill's queued run is removed"
assert_contains "$(sl backfills inventoryrollups)" "(missing; 1 queued run removed by the cancel)" "sluice backfills of a cancelled backfill"
for s in bf-01-cut bf-02-narrow bf-03-narrow-keys bf-04-640 bf-05-cancel; do [ -s "$SHOTS/$s.png" ] || fail "no screenshot $s"; done
echo "backfill_range_browser: ok"
