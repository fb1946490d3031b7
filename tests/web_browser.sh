#!/bin/bash
# The web UI in headless Chromium: log in, see a grid with failed
# partitions, clear a range of three with downstream after checking the
# preview and watch it turn green, trigger with a param, tail a log; the
# audit log fits at 1280px and at 640px.
# Screenshots go to $WEB_SHOTS (default: $T/shots, removed with $T).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (apt-get install chromium)"
command -v node >/dev/null || skip "no node"
[ -d "$SLUICE_SRCDIR/tests/node_modules/playwright-core" ] ||
	skip "playwright-core is not installed (cd tests && npm ci)"

web_home
cat > "$H/dags/g.yaml" <<YAML
dag: g
description: "hourly <b>partitions</b>"
schedule: "@hourly"
start: 2024-01-01T00:00:00Z
end: 2024-01-01T06:00:00Z
tasks:
  a: {command: "true"}
  b: {after: [a], command: "test -f $T/fixed"}
  c: {after: [b], command: "true"}
YAML
cat > "$H/dags/p.yaml" <<'YAML'
dag: p
schedule: none
timezone: Asia/Kolkata
params: {table: public.prices}
tasks:
  show: {command: "echo table={{ params.table }}; : postgres://etl:hunter2@db.example/dw"}
YAML
cat > "$H/dags/tp.yaml" <<'YAML'
dag: tp
schedule: none
params:
  table: {type: string, description: "the table to <b>load</b>"}
  token: {type: string, secret: true, default: s3cr3t-default}
  mode: {enum: [full, delta, "a&b"], default: delta}
  n: {type: integer, default: 3}
  full: {type: boolean, default: false}
tasks:
  show: {command: "test {{ params.token }} = s3cr3t-default && echo table={{ params.table }} mode={{ params.mode }} full={{ params.full }}"}
YAML
cat > "$H/dags/tail.yaml" <<YAML
dag: tail
schedule: none
tasks:
  slow:
    command: |
      echo first line
      echo '<img src=x onerror="window.xss=1">'
      while [ ! -f $T/go ]; do sleep 0.05; done
      echo second line
YAML
# a wide graph: a chain of nine tasks, one with a long name
{
	echo 'dag: wide'
	echo 'schedule: none'
	echo 'tasks:'
	echo '  load_the_customer_lifetime_value_segments_into_the_warehouse_staging: {command: "true"}'
	prev=load_the_customer_lifetime_value_segments_into_the_warehouse_staging
	for i in 1 2 3 4 5 6 7 8; do echo "  step$i: {after: [$prev], command: \"true\"}"; prev=step$i; done
} > "$H/dags/wide.yaml"
# a DAG of 16 letters in one word, audited (its pause): the audit's DAG
# column keeps it whole; a longer one breaks between its words
printf 'dag: inventoryrollups\nschedule: none\ntasks:\n  x: {command: "true"}\n' > "$H/dags/inventoryrollups.yaml"
printf 'dag: customer_lifetime_value_rollup\nschedule: none\ntasks:\n  x: {command: "true"}\n' > "$H/dags/clv.yaml"
start_standalone
P1=2024-01-01T01:00:00+00:00 P2=2024-01-01T02:00:00+00:00 P3=2024-01-01T03:00:00+00:00
for h in 0 1 2 3 4 5; do
	wait_for 30 "g hour $h b failed" state_is g "2024-01-01T0$h:00:00+00:00" b failed
done
assert_status 201 POST /dags/tail/runs '{"partition":"t1"}'
# a long audit detail (a param of 400 characters without a space), its
# time in p's zone (+05:30, the When column's widest)
clv_known() { [ "$(api GET /dags/customer_lifetime_value_rollup)" = 200 ]; }
wait_for 15 "the DAG customer_lifetime_value_rollup" clv_known
assert_status 200 POST /dags/inventoryrollups/pause '{}'
assert_status 200 POST /dags/customer_lifetime_value_rollup/pause '{}'
assert_status 201 POST /dags/p/runs "{\"partition\":\"long\",\"params\":{\"table\":\"$(printf 'x%.0s' $(seq 400))\"}}"
SHOTS=${WEB_SHOTS:-$T/shots}
mkdir -p "$SHOTS"
URL=$URL OPS_PW=$OPS_PW T=$T SHOTS=$SHOTS P1=$P1 P2=$P2 P3=$P3 \
	node "$SLUICE_SRCDIR/tests/browser/web_ui.mjs" || fail "browser test failed (screenshots in $SHOTS)"
# one clear in the UI (three partitions, downstream) is one audit row
assert_eq 1 "$(q "SELECT count(*) FROM audit WHERE action = 'clear'")" "audit rows of one UI clear"
detail=$(q "SELECT detail FROM audit WHERE action = 'clear'")
for p in "$P1" "$P2" "$P3"; do assert_contains "$detail" "\"$p\"" "the clear's partitions"; done
assert_not_contains "$detail" "from_s" "the clear's partitions, not epoch seconds"
# the run deleted from its page is audited with the params it ran with
detail=$(q "SELECT detail FROM audit WHERE action = 'delete_run'")
assert_contains "$detail" '"partition":"from-browser"' "the delete's partition"
assert_contains "$detail" '"table":"public.from_browser"' "the delete's params"
assert_eq "" "$(q "SELECT id FROM dag_runs WHERE dag_id = 'p' AND partition = 'from-browser'")" "the run is gone"
# no task declares produces: the Datasets page says so, without an empty table
login viewer "$VIEWER_PW" "$T/jar"
page=$(curl -sS -b "$T/jar" "$URL/datasets")
assert_contains "$page" 'id="no-datasets"' "the Datasets page says there are none"
assert_not_contains "$page" 'id="datasets"' "no empty table of datasets under it"
for s in 01-login 02-grid-failed 03-clear-preview 04-cleared-green 05-trigger 05b-run-deleted 05c-outside-range 06-log-running 07-log-tailed 08-graph 08b-graph-wide 09-audit 09b-audit-640; do
	[ -s "$SHOTS/$s.png" ] || fail "no screenshot $s"
done
echo "web_browser: ok"
