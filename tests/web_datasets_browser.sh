#!/bin/bash
# Datasets and the clear previews across DAGs in headless Chromium: the
# Datasets page from the nav (producers, consumers, each dataset's recent
# partitions as a strip whose cells open the grid), a dataset's page with
# its map (the producing task's hours: the two failed loads show), and a
# clear of lake's hours, from the partition map's Clear range and from
# the grid's Clear…, whose preview lists the report hours that re-run as
# a consequence; the grid's clear, confirmed, re-runs them. At 390px the
# Datasets page and a dataset's page fit the window. Screenshots
# go to $WEB_SHOTS (default: the build dir's tests/shots-datasets).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

need_browser

web_home
printf 'dags_paused_at_creation: true\n' >> "$H/sluice.yaml"
now=$(date +%s)
HOUR=$((now / 3600 * 3600))
S0=$((HOUR - 48 * 3600))
key() { date -u -d "@$(($S0 + $1 * 3600))" +%Y-%m-%dT%H:%M:%S+00:00; }
nodash() { date -u -d "@$(($S0 + $1 * 3600))" +%Y%m%dT%H%M%S; }
# lake: two days of hours; load fails at hours 7 and 30
cat > "$H/dags/lake.yaml" <<YAML
dag: lake
schedule: "@hourly"
start: $(date -u -d "@$S0" +%Y-%m-%dT%H:%M:%SZ)
end: $(date -u -d "@$HOUR" +%Y-%m-%dT%H:%M:%SZ)
max_active_runs: 48
tasks:
  land: {command: "true", produces: ["s3://bucket/prefix/"]}
  load:
    command: "case {{ ts_nodash }} in $(nodash 7)|$(nodash 30)) exit 1 ;; esac"
    after: [land]
    produces: [lake.trades]
YAML
cat > "$H/dags/report.yaml" <<YAML
dag: report
schedule: "@hourly"
start: $(date -u -d "@$S0" +%Y-%m-%dT%H:%M:%SZ)
end: $(date -u -d "@$HOUR" +%Y-%m-%dT%H:%M:%SZ)
max_active_runs: 48
needs:
  - dataset: lake.trades
tasks:
  sum: {command: "true"}
YAML
start_standalone
assert_status 200 POST /dags/lake/unpause '{}'
assert_status 200 POST /dags/report/unpause '{}'
lake_done() { [ "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'lake' AND state IN ('success', 'failed')")" = 48 ]; }
wait_for 120 "48 finished hours of lake" lake_done
report_done() { [ "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'report' AND state = 'success'")" = 46 ]; }
wait_for 120 "46 successful hours of report" report_done

SHOTS=${WEB_SHOTS:-$PWD/tests/shots-datasets}
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
(set -o pipefail  # node's status, not tee's
URL=$URL OPS_PW=$OPS_PW SHOTS=$SHOTS K3=$(key 3) K5=$(key 5) K10=$(key 10) K7=$(key 7) K30=$(key 30) \
	node "$SLUICE_SRCDIR/tests/browser/datasets.mjs" | tee "$T/browser.out") ||
	fail "browser test failed (screenshots in $SHOTS)"
# the grid's clear of lake's hour 10 (confirmed in the browser) re-ran
# report's hour 10 once
reran() { [ "$(ti_field report "$(key 10)" sum try_number)" = 2 ] && ti_is report "$(key 10)" sum success; }
wait_for 60 "report's hour 10 to re-run" reran
assert_eq 1 "$(ti_field report "$(key 9)" sum try_number)" "the hour before it did not"
for s in 01-datasets 01b-datasets-cell-grid 01c-datasets-390 02-dataset-map 02b-dataset-390 03-map-clear-preview 04a-grid-clear-column-1024 04-grid-clear-preview; do
	[ -s "$SHOTS/$s.png" ] || fail "no screenshot $s"
done
echo "web_datasets_browser: ok"
