#!/bin/bash
# The needs: example of dags/: stock_bands_hourly_rollup needs the day's 24
# hourly partitions of stock_prices_hourly. Triggered before the hours
# exist, its task waits and says for what; the hours backfilled, the day
# runs and computes its bands from them; an hour cleared and re-imported
# re-runs the day once.
. "$SLUICE_SRCDIR/tests/setup.sh"
H=$T/home
"$SLUICE" init "$H" --dags "$SLUICE_SRCDIR/dags" >/dev/null
out=$(sl dags validate)
assert_contains "$out" "DAG files OK"
# dags show says what the DAG waits for (and a dataset's producer)
assert_contains "$(sl dags show stock_bands_hourly_rollup)" "NEEDS (every task waits for these partitions)
  DAG stock_prices_hourly task copy_partition"
assert_contains "$(sl dags show stock_bands_hourly_rollup compute_bands)" "needs            DAG stock_prices_hourly task copy_partition (the DAG's)"
assert_contains "$(sl dags show retail_weekly_fact)" "dataset s3://retail-staging/raw/ (produced by retail_extracts_daily.extracts_landed)"
assert_eq '[{"dag": "stock_prices_hourly", "task": "copy_partition", "offset": 0, "latest": false, "on_change": "rerun"}]' \
	"$(sl dags show --json stock_bands_hourly_rollup | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["needs"]))')" "dags show --json: needs"
for d in retail_weekly serverless_lake wiki_edits_lake firehose_to_redshift stock_bollinger_aws stock_bands_emr_rollup stock_bands_weekly retail_extracts_daily retail_weekly_fact stock_bollinger_daily; do
	sl dags pause $d >/dev/null
done
start_scheduler
day=2024-01-01T00:00:00+00:00
sl trigger stock_bands_hourly_rollup --partition 2024-01-01 >/dev/null
wait_for 30 "the day to wait for its hours" sh -c "'$SLUICE' --home '$H' tasks stock_bands_hourly_rollup $day | grep -q 'stock_prices_hourly.copy_partition: 0 of 24 partitions, missing 2024-01-01T00:00+00:00'"
assert_eq 0 "$(ti_field stock_bands_hourly_rollup "$day" compute_bands try_number)" "no try while it waits"
sl backfill stock_prices_hourly --from 2024-01-01T00:00:00Z --to 2024-01-01T23:00:00Z --wait >/dev/null
wait_run stock_bands_hourly_rollup "$day" success 60
# 17 symbols; per symbol its trades of the day minus the first 19
rows=$(wc -l < "$H/data/bollinger-daily/2024-01-01/bands.csv")
[ "$rows" -gt 4000 ] || fail "band rows: $rows"
assert_eq 4800 "$(sqlite3 "$H/warehouse.db" "SELECT count(*) FROM trades_hourly WHERE event_hour LIKE '2024-01-01%'")" "24 hours x 200 rows"
# late data: one hour re-imported -> the day re-runs once
sl clear stock_prices_hourly --task copy_partition --partition 2024-01-01T07:00 --yes >/dev/null
reran() { [ "$(ti_field stock_bands_hourly_rollup "$day" compute_bands try_number)" = 2 ] && ti_is stock_bands_hourly_rollup "$day" compute_bands success; }
wait_for 60 "the day to re-run" reran
echo "example_needs_dag: ok"
