#!/bin/bash
# A mapped task in the web UI, in headless Chromium (tests/browser/
# mapped_grid.mjs): the grid shows w (foreach: over three items, the
# second failing) as one column with its items' count, expands it into
# one column per item, opens the failing item's page, clears it alone
# and watches it run again; the parent's page lists its items. The API
# side is checked here first. Screenshots go to $WEB_SHOTS (default: the
# build dir's tests/shots-web_mapped, kept for a person to look at).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
need_browser

web_home
cat > "$H/dags/mp.yaml" <<YAML
dag: mp
schedule: none
tasks:
  prep: {command: "true"}
  w:
    after: [prep]
    foreach: [a, b, c]
    command: "echo item {{ item }}; test {{ item }} != b || test -f $T/fixed"
  load: {after: [w], command: "true"}
YAML
start_standalone
assert_status 200 POST /dags/mp/unpause '{}'
assert_status 201 POST /dags/mp/runs '{"partition": "p1"}'
wait_run mp p1 failed 60
ti_is mp p1 'w[1]' failed || fail "w[1] failed"
ti_is mp p1 w failed || fail "w (its parent) failed"
ti_is mp p1 load upstream_failed || fail "load is upstream_failed"

# the grid API: w is mapped, its items come with the run's cells
assert_status 200 GET /dags/mp/grid
assert_eq '["w"]' "$(jget 'd["mapped"]')" "the grid's mapped tasks"
assert_eq '["success", "failed", "success"]' "$(jget '[c[0] for c in d["partitions"][0]["items"]["w"]]')" \
	"the grid's items of w"
assert_eq '["prep", "w", "load"]' "$(jget 'd["tasks"]')" "the grid's columns (no item is a task)"
# an item through the task API: its value and its own tries
assert_status 200 GET "/dags/mp/runs/p1/tasks/$(pct 'w[1]')"
assert_eq b "$(jget 'd["map_item"]')" "w[1]'s item"
assert_eq 1 "$(jget 'd["map_index"]')" "w[1]'s index"
# clearing one item: the dry run names it alone
assert_status 200 POST /dags/mp/clear '{"tasks": ["w[1]"], "partitions": ["p1"], "dry_run": true}'
assert_eq '["w[1]"]' "$(jget 'sorted(x["task"] for x in d["task_instances"])')" "the clear preview of w[1]"

touch "$T/fixed"
SHOTS=${WEB_SHOTS:-$PWD/tests/shots-web_mapped}
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
URL=$URL OPS_PW=$OPS_PW SHOTS=$SHOTS \
	node "$SLUICE_SRCDIR/tests/browser/mapped_grid.mjs" || fail "browser test failed (screenshots in $SHOTS)"
for s in 01-grid-collapsed 02-grid-expanded 03-item-page 04-clear-preview 05-item-rerun 06-parent-page; do
	[ -s "$SHOTS/$s.png" ] || fail "no screenshot $s"
done
ti_is mp p1 'w[1]' success || fail "w[1] succeeded after its clear"
echo "web_mapped_browser: ok"
