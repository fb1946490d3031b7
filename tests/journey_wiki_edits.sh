#!/bin/bash
# Journey: the wiki edits lake (seed 003: Wikimedia's recent-change
# stream into Kinesis, Firehose to S3 with a Lambda turning JSON into CSV,
# a Glue crawler run every day for the new partitions, Athena on top).
# The data engineer starts from the shipped dags/wiki_edits_lake.yaml: the
# lake is a folder of the home (file://), the crawler sluice's builtin one
# (catalogue in catalog.db), the Lambda's JSON -> CSV a command task; the
# optional Slurm transform is left out, as the example's comment says.
#   1. write the DAG, validate, unpause: three days catch up;
#   2. 12-02 holds a truncated JSON record: json_to_csv fails, retries,
#      fails, and the email's link opens the task page (Chromium); 12-03
#      has no edits by the sensor's timeout: skipped, not failed;
#   3. 12-02 is re-delivered and 12-03 arrives late; both days are
#      cleared as a range in the grid: both crawled into the catalogue;
#   4. `backfill --from 2026-11-29 --to 2026-11-30`; `sluice test
#      wiki_edits_lake json_to_csv 2026-12-03`;
#   5. a run triggered for the wrong wiki finds no edits and fails; it is
#      deleted (`runs delete`) and triggered again with the right name.
JOURNEY=wiki_edits
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/journey_lib.sh"
DAG=wiki_edits_lake
journey_home

# edits DAY [truncated]: the day's recent changes as Firehose lands them,
# then the _SUCCESS marker.
edits() {
	local d=$H/lake/wiki/edits/dt=$1 i
	mkdir -p "$d"
	for i in 1 2 3 4 5 6; do
		printf '{"timestamp": %d, "id": %d, "type": "edit", "wiki": "%s"}\n' \
			"$((1764720000 + i))" "$i" "$([ $((i % 3)) = 0 ] && echo dewiki || echo enwiki)"
	done >"$d/part-0000.json"
	[ -z "${2:-}" ] || printf '{"timestamp": 1764720100, "id": 7, "ty\n' >>"$d/part-0000.json"
	: >"$d/_SUCCESS"
}
for d in 2026-11-29 2026-11-30 2026-12-01; do edits $d; done
edits 2026-12-02 truncated

# --- 1. the shipped example, adapted: a catch-up window, short waits, a
# param, the Lambda's step before the crawl, no Slurm transform ---
sed -n '/^dag:/,/^  top_pages:/p' "$SLUICE_SRCDIR/dags/wiki_edits_lake.yaml" | sed '$d' |
	sed -e 's/^start: .*/start: 2026-12-01T00:00:00Z/' -e 's/^catchup: false/catchup: true\nend: 2026-12-04T00:00:00Z/' \
		-e 's/^max_active_runs: 1/max_active_runs: 3/' -e 's/retry_delay: 2m/retry_delay: 1s/' \
		-e 's/poke_interval: 1m/poke_interval: 200ms/' -e 's/timeout: 12h/timeout: 3s/' \
		-e 's|url: "file://lake/wiki/edits/"|url: "file://lake/wiki/csv/"|' \
		-e 's/after: \[day_landed\]/after: [json_to_csv]/' \
		-e '/^tasks:/i params:\n  wiki: {type: string, pattern: "[a-z]+wiki", default: enwiki, description: the wiki whose edits are kept}' \
		>"$T/dag.yaml"
cat "$T/dag.yaml" - <<'YAML' | dag_file $DAG
  json_to_csv:
    after: [day_landed]
    description: the Lambda's work, JSON lines to CSV
    email_on: [failure]
    email: [wiki-data@example.com]
    command: |
      set -eu
      in="$SLUICE_HOME/lake/wiki/edits/dt={{ ds }}"
      out="$SLUICE_HOME/lake/wiki/csv/dt={{ ds }}"
      mkdir -p "$out"
      rows=$(sed -n 's/^{"timestamp": \([0-9]*\), "id": \([0-9]*\), "type": "\([a-z]*\)", "wiki": "\([a-z]*\)"}$/\1,\2,\3,\4/p' "$in"/part-*.json)
      total=$(cat "$in"/part-*.json | wc -l)
      if [ "$(printf '%s\n' "$rows" | wc -l)" != "$total" ]; then
        echo "malformed record in $in: $(grep -v '}$' "$in"/part-*.json | head -1)" >&2; exit 1
      fi
      printf '%s\n' "$rows" | grep ",{{ params.wiki }}\$" > "$out/edits.csv" || {
        echo "no edits of {{ params.wiki }} on {{ ds }}" >&2; rm -f "$out/edits.csv"; exit 1; }
      echo "{{ ds }}: $(wc -l < "$out/edits.csv") edits of {{ params.wiki }}"
YAML
validate_ok
journey_start
unpause $DAG
D1=2026-12-01T00:00:00+00:00 D2=2026-12-02T00:00:00+00:00 D3=2026-12-03T00:00:00+00:00

# --- 2. the catch-up ---
wait_states $DAG "$D1 success
$D2 failed
$D3 success" 40
assert_eq skipped "$(task_state $DAG $D3 day_landed)" "12-03 without edits"
assert_eq skipped "$(task_state $DAG $D3 crawl_edits)" "12-03's crawl"
assert_eq 2 "$(ti_try $DAG $D2 json_to_csv)" "tries of 12-02's json_to_csv"
assert_contains "$(sl logs $DAG json_to_csv 2026-12-02)" "malformed record" "12-02's log"
wait_mail "FAILED: $DAG.json_to_csv"
assert_eq "failed scheduled" "$(runs_row $DAG $D2)" "the failed run in sluice runs"
subject=$(smtp_mail header:Subject "$MAIL")
body=$(smtp_mail text "$MAIL")
assert_contains "$subject" "$D2" "the failure email's subject"
assert_contains "$(smtp_mail header:To "$MAIL")" "wiki-data@example.com" "the failure email's To"
assert_contains "$body" "try 2 of 2" "the failure email's body"
assert_contains "$body" "malformed record" "the log's last lines in the email"
link=$(mail_link "$MAIL")
assert_eq "$URL/dags/$DAG/runs/$(pct $D2)/tasks/json_to_csv?try=2" "$link" "the failure email's link"
browser_link "$link" '#log' 'malformed record'
assert_eq 1 "$(mail_subjects | grep -c .)" "emails after the catch-up: $(mail_subjects)"

# --- 3. re-delivered and late days, cleared as a range ---
edits 2026-12-02
edits 2026-12-03
browser_clear $DAG day_landed $D2 $D3 "\
$D2 crawl_edits upstream_failed
$D2 day_landed success
$D2 json_to_csv failed
$D3 crawl_edits skipped
$D3 day_landed skipped
$D3 json_to_csv skipped" downstream
wait_states $DAG "$D1 success
$D2 success
$D3 success"
assert_contains "$(sl logs $DAG crawl_edits 2026-12-03)" "table wiki.edits: csv" "12-03's crawl"
assert_eq "dt=2026-12-01 dt=2026-12-02 dt=2026-12-03 " \
	"$(sqlite3 "$H/catalog.db" "SELECT spec FROM catalog_partitions WHERE table_name='edits' ORDER BY spec" | tr '\n' ' ')" \
	"the partitions in the catalogue"
assert_eq "4" "$(wc -l <"$H/lake/wiki/csv/dt=2026-12-02/edits.csv")" "12-02's enwiki edits"

# --- 4. backfill two earlier days; test one ---
sl_out backfill $DAG --allow-outside-range --from 2026-11-29 --to 2026-11-30 --wait
[ "$RC" = 0 ] || fail "backfill: $OUT"
assert_eq "success backfill" "$(runs_row $DAG 2026-11-29T00:00:00+00:00)" "a backfilled run in sluice runs"
assert_contains "$OUT" "2026-11-29T00:00:00+00:00" "backfill output"
assert_contains "$OUT" "2026-11-30T00:00:00+00:00" "backfill output"
assert_eq "2026-11-29T00:00:00+00:00 success
2026-11-30T00:00:00+00:00 success" "$(run_states $DAG | head -2)" "the backfilled runs"
sl_out test $DAG json_to_csv 2026-12-03
[ "$RC" = 0 ] || fail "sluice test: $OUT"
assert_contains "$OUT" "partition 2026-12-03T00:00:00+00:00" "sluice test"
assert_contains "$OUT" "2026-12-03: 4 edits of enwiki" "sluice test"

# --- 5. the wrong wiki: delete the run, trigger it again ---
edits 2026-11-28
sl_out trigger $DAG --allow-outside-range --partition 2026-11-28 --param wiki=frwiki --wait
[ "$RC" = 1 ] || fail "a run for the wrong wiki should fail: $RC $OUT"
assert_contains "$(sl logs $DAG json_to_csv 2026-11-28)" "no edits of frwiki on 2026-11-28" "the bad run's log"
sl_out runs delete $DAG 2026-11-28 --dry-run
assert_contains "$OUT" "2026-11-28T00:00:00+00:00" "runs delete --dry-run"
assert_eq failed "$(run_state $DAG 2026-11-28T00:00:00+00:00)" "the run after a dry run"
sl_out runs delete $DAG 2026-11-28 --yes
[ "$RC" = 0 ] || fail "runs delete: $OUT"
sl_out trigger $DAG --allow-outside-range --partition 2026-11-28 --param wiki=dewiki --wait
[ "$RC" = 0 ] || fail "the new trigger: $OUT"
assert_contains "$(sl logs $DAG json_to_csv 2026-11-28)" "2026-11-28: 2 edits of dewiki" "the repaired run's log"
assert_eq "success manual" "$(runs_row $DAG 2026-11-28T00:00:00+00:00)" "the repaired run in sluice runs"
echo "journey_wiki_edits: ok"
