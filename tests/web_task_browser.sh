#!/bin/bash
# The task page in headless Chromium follows the latest try without a
# reload: it says why the task waits (its upstream), switches to try 2
# when try 1 failed and the retry starts, and turns success; each try
# shows what it ran; times are in the DAG's zone with UTC in a tooltip.
# At 1024px the run page's and the task page's tables read a try ("1 of
# 1"), a result ("exit code 0") and a long task name on one line, and fit;
# a longer one breaks only after a "_", "." or "-", there and in the task
# page's title; its checkbox sits level with its label. At 640px the
# tries table fits the window, each try on two labelled lines. At 390px
# the header and the run page fit the window (each task instance on
# labelled lines), and at 320px the grid's pager keeps its labels whole. A
# sensor's durations read as written (1m30s, 1d), not in milliseconds.
# Screenshots go to $WEB_SHOTS (default: the build dir's
# tests/shots-task-page, kept to be looked at).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (apt-get install chromium)"
command -v node >/dev/null || skip "no node"
[ -d "$SLUICE_SRCDIR/tests/node_modules/playwright-core" ] ||
	skip "playwright-core is not installed (cd tests && npm ci)"

web_home
cat > "$H/dags/live.yaml" <<YAML
dag: live
schedule: none
timezone: Europe/Paris
tasks:
  first: {command: "while [ ! -f $T/go-first ]; do sleep 0.05; done"}
  second:
    after: [first]
    retries: 1
    retry_delay: 1s
    command: "echo try {{ try_number }}; test {{ try_number }} -ge 2 || exit 3; while [ ! -f $T/go-second ]; do sleep 0.05; done; echo done"
  refresh_customer_lifetime_value_segments:
    after: [second]
    retries: 1
    retry_delay: 1s
    command: "test {{ try_number }} -ge 2 || exit 127"
YAML
# a DAG of 14 letters in one word and a task of 56 with "_", "." and
# "-": they break between their words, never inside one
NAMED=extract_customer_orders_from_postgres_replica.v2-hourly
cat > "$H/dags/ordersnapshots.yaml" <<YAML
dag: ordersnapshots
schedule: none
tasks:
  $NAMED: {command: "true"}
YAML
# a sensor: its page shows its durations as a DAG file writes them
mkdir -p "$T/lake"
touch "$T/lake/a.csv"
cat > "$H/dags/lake.yaml" <<YAML
dag: lake
schedule: none
tasks:
  landed: {type: s3_sensor, url: "file://$T/lake/*.csv", poke_interval: 90s, exponential_backoff: true, max_poke_interval: 1d}
YAML
start_standalone
assert_status 201 POST /dags/live/runs '{"partition":"k"}' >/dev/null
assert_status 201 POST /dags/ordersnapshots/runs '{"partition":"k"}' >/dev/null
assert_status 201 POST /dags/lake/runs '{"partition":"k"}' >/dev/null
wait_ti ordersnapshots k "$NAMED" success
wait_ti lake k landed success
wait_ti live k first running
SHOTS=${WEB_SHOTS:-$SLUICE_BUILDDIR/tests/shots-task-page}
mkdir -p "$SHOTS"
URL=$URL OPS_PW=$OPS_PW T=$T SHOTS=$SHOTS \
	node "$SLUICE_SRCDIR/tests/browser/task_page.mjs" || fail "browser test failed (screenshots in $SHOTS)"
for s in tp-01-waiting tp-02-try2-running tp-03-success tp-04-empty-log tp-05-run-1024 tp-06-task-1024 \
	tp-07-names-run-1024 tp-08-names-task-640 tp-09-tries-640 tp-10-sensor-durations tp-11-run-390; do
	[ -s "$SHOTS/$s.png" ] || fail "no screenshot $s"
done
echo "web_task_browser: ok"
