#!/bin/bash
# The example DAGs of dags/: they all validate, and the local stock-prices
# pipelines run end to end with nothing but sluice (trades generated into
# the lake folder, a sensor on it, bands computed, a flaky check retried,
# the SQLite warehouse loaded); clearing an hour re-imports exactly it.
. "$SLUICE_SRCDIR/tests/setup.sh"
H=$T/home
"$SLUICE" init "$H" --dags "$SLUICE_SRCDIR/dags" >/dev/null
out=$(sl dags validate)
assert_contains "$out" "DAG files OK"
# dags show says which task is mapped and over what (its table did not)
assert_contains "$(sl dags show retail_weekly)" \
	'wait_extracts          mapped: one instance per item of ["sales","inventory","stores","products","returns"]' "a mapped task in dags show"
for d in retail_weekly serverless_lake wiki_edits_lake firehose_to_redshift stock_bollinger_aws stock_bands_emr_rollup stock_bands_weekly retail_extracts_daily retail_weekly_fact; do sl dags pause $d >/dev/null; done
start_scheduler
day=2024-03-08T21:30:00-05:00
sl trigger stock_bollinger_daily --partition 2024-03-08T21:30:00-05:00 --wait >/dev/null
assert_eq success "$(task_state stock_bollinger_daily $day quality_check)"
assert_eq 2 "$(ti_field stock_bollinger_daily $day quality_check try_number)" "the flaky check retried once"
n=$(sqlite3 "$H/warehouse.db" "SELECT count(*) FROM bollinger_bands WHERE day = '2024-03-08'")
# 5 symbols x (390 minutes - 19 for the first full window)
assert_eq 1855 "$n" "band rows loaded"
# a re-run of the same partition leaves one copy (upsert)
sl clear stock_bollinger_daily --partition $day --yes >/dev/null
wait_run stock_bollinger_daily $day success 60
assert_eq 1855 "$(sqlite3 "$H/warehouse.db" "SELECT count(*) FROM bollinger_bands WHERE day = '2024-03-08'")" "rows after a re-run"

sl backfill stock_prices_hourly --from 2024-01-01T00:00:00Z --to 2024-01-01T04:00:00Z --wait >/dev/null
assert_eq 1000 "$(sqlite3 "$H/warehouse.db" "SELECT count(*) FROM trades_hourly WHERE event_hour LIKE '2024-01-01%'")" "5 hours x 200 rows"
# each hour ends with its sql check of the partition's row count
assert_contains "$(sl logs stock_prices_hourly check_partition 2024-01-01T02:00:00+00:00)" \
	"check partition_rows passed: value 200, rule min 1"
assert_contains "$(sl logs stock_bollinger_daily check_bands $day)" "check symbols passed: value 5, rule equals 5"
sl clear stock_prices_hourly --task copy_partition --from 2024-01-01T01:00:00Z --to 2024-01-01T03:00:00Z --yes >/dev/null
reloaded() { [ "$(q "SELECT count(*) FROM task_instances WHERE dag_id='stock_prices_hourly' AND task_id='copy_partition' AND try_number=2 AND state='success'")" = 3 ]; }
wait_for 60 "three hours re-imported" reloaded
assert_eq 1000 "$(sqlite3 "$H/warehouse.db" "SELECT count(*) FROM trades_hourly WHERE event_hour LIKE '2024-01-01%'")" "replace_partition keeps one copy"
echo "example_dags: ok"
