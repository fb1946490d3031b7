#!/bin/bash
# The AWS examples connected by needs: (dags/): firehose_to_redshift
# (hourly) -> stock_bands_emr_rollup (daily, EMR) -> stock_bands_weekly
# (weekly, over the dataset warehouse.bollinger_bands), and
# retail_extracts_daily -> retail_weekly_fact (a week needs seven daily
# extract partitions). The folder validates; the new DAGs start paused as
# the other AWS examples do; each consumer's partition, triggered with its
# upstream paused, waits without a try and says for exactly which
# upstream partitions; sluice status shows it waiting; the datasets API
# lists the links (producer, consumers).
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
web_home
# as `sluice init` writes it (the test homes start DAGs at once)
printf 'dags_paused_at_creation: true\n' >> "$H/sluice.yaml"
rmdir "$H/dags" 2>/dev/null || rm -rf "$H/dags"
cp -r "$SLUICE_SRCDIR/dags" "$H/dags"
out=$(sl dags validate)
assert_contains "$out" "DAG files OK"
start_standalone
# new DAGs start paused (dags_paused_at_creation) once the scheduler has
# seen them: nothing of AWS runs
seen() { [ "$(q "SELECT count(*) FROM dags")" = "$(ls "$H"/dags/*.yaml | wc -l)" ]; }
wait_for 30 "the scheduler to record every DAG" seen
listed=$(sl dags list)
for d in stock_bands_emr_rollup stock_bands_weekly retail_extracts_daily retail_weekly_fact firehose_to_redshift; do
	echo "$listed" | grep -E "^$d " | grep -qE ' yes ' || fail "$d is not paused: $(echo "$listed" | grep -E "^$d ")"
done
day=2024-01-03T00:00:00+00:00
week=2024-01-01T00:00:00+00:00
rweek=2024-01-01T00:05:00-07:00
sl trigger stock_bands_emr_rollup --partition 2024-01-03 >/dev/null
sl trigger stock_bands_weekly --partition 2024-01-01 >/dev/null
sl trigger retail_weekly_fact --partition "$rweek" >/dev/null
# the consumers run (their upstreams stay paused): the triggered runs
# first (max_active_runs), they wait on needs
for d in stock_bands_emr_rollup stock_bands_weekly retail_weekly_fact; do sl dags unpause $d >/dev/null; done
waits() { local out; out=$("$SLUICE" --home "$H" tasks "$1" "$2") && [[ "$out" == *"$3"* ]]; }
wait_for 30 "the day to wait for its 24 hours" waits stock_bands_emr_rollup "$day" \
	"firehose_to_redshift.copy_partition: 0 of 24 partitions, missing 2024-01-03T00:00+00:00–23:00"
wait_for 30 "the week to wait for its seven days of bands" waits stock_bands_weekly "$week" \
	"stock_bands_emr_rollup.load_bands: 0 of 7 partitions, missing 2024-01-01T00:00+00:00–2024-01-07T00:00+00:00"
wait_for 30 "the retail week to wait for its seven days of extracts" waits retail_weekly_fact "$rweek" \
	"retail_extracts_daily.extracts_landed: 0 of 7 partitions, missing 2024-01-01T00:05-07:00–2024-01-07T00:05-07:00"
note "$(sl tasks stock_bands_weekly "$week" | grep -F 'not running')"
# the day's transient cluster is not made before the hours are in
for x in "stock_bands_emr_rollup $day create_cluster" "stock_bands_emr_rollup $day compute_bands" \
	"stock_bands_weekly $week build_week" \
	"retail_weekly_fact $rweek build_fact_sales"; do
	set -- $x
	assert_eq none "$(ti_field "$1" "$2" "$3" state)" "$1: waits"
	assert_eq 0 "$(ti_field "$1" "$2" "$3" try_number)" "$1: no try while it waits"
done
assert_contains "$(sl status stock_bands_weekly --from 2024-01-01 --to 2024-01-01)" "w" "status: the week is waiting"
assert_eq waiting "$(sl status stock_bands_emr_rollup --from 2024-01-03 --to 2024-01-03 --json | /usr/bin/python3 -c '
import json,sys
print(json.load(sys.stdin)["partitions"][0]["state"])')" "status: the day is waiting"
# the links, as the datasets API lists them
assert_status 200 GET /datasets
links() { jget "[p['dag'] + ('.' + p['task'] if p.get('task') else '') for p in [x for x in d['datasets'] if x['name'] == '$1'][0]['$2']]"; }
assert_eq '["stock_bands_emr_rollup.load_bands"]' "$(links warehouse.bollinger_bands producers)" "bands: producer"
assert_eq '["stock_bands_weekly"]' "$(links warehouse.bollinger_bands consumers)" "bands: consumer (the whole DAG)"
assert_eq '["retail_extracts_daily.extracts_landed"]' "$(links s3://retail-staging/raw/ producers)" "extracts: producer"
assert_eq '["retail_weekly_fact"]' "$(links s3://retail-staging/raw/ consumers)" "extracts: consumer"
echo "example_aws_needs: ok"
