#!/bin/bash
# Journey: the streaming stock-prices warehouse (seed 000: Firehose lands
# the day's transactions in S3, a daily Spark job on EMR computes Bollinger
# bands, they are loaded into Redshift). A data engineer writes it as a
# daily sluice DAG; here the bucket is a lake folder of the home (file://),
# the EMR job an awk command and Redshift the home's SQLite warehouse.
#   1. write the DAG, validate it, unpause it: three days catch up;
#   2. one day's trades hold a corrupt line: compute_bands fails, retries,
#      fails again, and data-eng gets an email whose link opens the task
#      page in Chromium after logging in;
#   3. the file is re-delivered; the failed day and the next one are
#      cleared as a range in the grid, with the preview listing them;
#   4. two older days, before the DAG's start, are backfilled with
#      `--from 2026-11-28 --to 2026-11-29` (refused until confirmed with
#      --allow-outside-range), and `sluice test ... 2026-12-03` renders
#      that day;
#   5. a run triggered with a bad window fails; `clear --param` repairs it.
JOURNEY=stock_bollinger
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/journey_lib.sh"
DAG=stock_bands
journey_home

# The day's trades as Firehose delivers them: symbol,minute,price.
trades() {
	local day=$1 dir=$H/lake/transactions/$1
	mkdir -p "$dir"
	awk -v seed="${day//-/}" 'BEGIN {
		srand(seed); print "symbol,minute,price"
		for (s = 0; s < 2; s++) { p = 50 + s * 40
			for (m = 0; m < 12; m++) { p += rand() - 0.5; printf "%s,%d,%.2f\n", (s ? "HOOLI" : "ACME"), m, p } }
	}' >"$dir/trades.csv"
}
for d in 2026-11-28 2026-11-29 2026-11-30 2026-12-01 2026-12-02 2026-12-03; do trades "$d"; done
# 2026-12-02 arrives with a corrupt record
sed -i '5s/,[0-9.]*$/,N\/A/' "$H/lake/transactions/2026-12-02/trades.csv"

# --- 1. the DAG, as the data engineer writes it ---
dag_file $DAG <<'YAML'
dag: stock_bands
description: Daily Bollinger bands from the day's trades, loaded into the warehouse.
schedule: "@daily"
timezone: UTC
start: 2026-12-01
end: 2026-12-04
catchup: true
max_active_runs: 3
params:
  window: {type: integer, default: 5, description: trades in the moving window}
defaults:
  retries: 1
  retry_delay: 1s
  email_on: [failure]
  email: [data-eng@example.com]
tasks:
  wait_for_trades:
    type: s3_sensor
    url: "file://lake/transactions/{{ ds }}/trades.csv"
    poke_interval: 1s
    timeout: 20s
  compute_bands:
    after: [wait_for_trades]
    command: |
      set -eu
      [ {{ params.window }} -ge 2 ] || { echo "window {{ params.window }} is too small: at least 2"; exit 2; }
      out="$SLUICE_HOME/lake/bands/{{ ds }}"
      mkdir -p "$out"
      awk -F, -v w={{ params.window }} -v day={{ ds }} 'NR > 1 {
        if ($3 !~ /^[0-9]+(\.[0-9]+)?$/) { printf "bad price %s on line %d\n", $3, NR > "/dev/stderr"; exit 1 }
        k = $1; n[k]++; px[k, n[k]] = $3
        if (n[k] >= w) { s = 0; ss = 0
          for (i = n[k] - w + 1; i <= n[k]; i++) { s += px[k, i]; ss += px[k, i] * px[k, i] }
          m = s / w; sd = sqrt(ss / w - m * m)
          printf "%s,%s,%d,%.4f,%.4f,%.4f,%s\n", day, k, $2, m, m + 2 * sd, m - 2 * sd, w }
      }' "$SLUICE_HOME/lake/transactions/{{ ds }}/trades.csv" > "$out/bands.csv"
      echo "computed $(wc -l < "$out/bands.csv") band rows for {{ ds }}"
  load_bands:
    type: warehouse_copy
    after: [compute_bands]
    connection: lake
    table: bollinger_bands
    from: "file://lake/bands/{{ ds }}/"
    format: csv
    columns: [day, symbol, minute, sma, upper, lower, win]
    mode: upsert
    upsert_keys: [day, symbol, minute]
    create_table: true
YAML
validate_ok
journey_start
unpause $DAG

# --- 2. catch-up: two good days, one failure with its email ---
wait_states $DAG "2026-12-01T00:00:00+00:00 success
2026-12-02T00:00:00+00:00 failed
2026-12-03T00:00:00+00:00 success" 40
P2=2026-12-02T00:00:00+00:00
assert_eq failed "$(task_state $DAG $P2 compute_bands)" "compute_bands of 12-02"
assert_eq upstream_failed "$(task_state $DAG $P2 load_bands)" "load_bands of 12-02"
assert_eq 2 "$(ti_try $DAG $P2 compute_bands)" "tries of compute_bands (one retry)"
log=$(sl logs $DAG compute_bands 2026-12-02)
assert_contains "$log" "bad price N/A on line 5" "the log, read with the date a person types"
wait_mail "FAILED: $DAG.compute_bands"
assert_eq "failed scheduled" "$(runs_row $DAG $P2)" "the failed run in sluice runs"
subject=$(smtp_mail header:Subject "$MAIL")
body=$(smtp_mail text "$MAIL")
assert_contains "$subject" "$DAG" "the email's subject"
assert_contains "$subject" "2026-12-02" "the email's subject"
assert_contains "$(smtp_mail header:To "$MAIL")" "data-eng@example.com" "the email's To"
assert_contains "$body" "try 2 of 2" "the email's body"
assert_contains "$body" "bad price N/A on line 5" "the log's last lines in the email"
assert_contains "$body" "exit code 1" "the email's body"
link=$(mail_link "$MAIL")
assert_eq "$URL/dags/$DAG/runs/$(pct $P2)/tasks/compute_bands?try=2" "$link" "the email's link"
browser_link "$link" '#ti-state' failed
assert_eq 1 "$(mail_subjects | grep -c .)" "emails after the catch-up (one failure): $(mail_subjects)"

# --- 3. re-delivered; clear 12-02 .. 12-03 in the grid ---
trades 2026-12-02
browser_clear $DAG compute_bands 2026-12-02T00:00:00+00:00 2026-12-03T00:00:00+00:00 "\
2026-12-02T00:00:00+00:00 compute_bands failed
2026-12-02T00:00:00+00:00 load_bands upstream_failed
2026-12-03T00:00:00+00:00 compute_bands success
2026-12-03T00:00:00+00:00 load_bands success" downstream
wait_states $DAG "2026-12-01T00:00:00+00:00 success
2026-12-02T00:00:00+00:00 success
2026-12-03T00:00:00+00:00 success"
bands() { sqlite3 -batch "$H/warehouse.db" "SELECT day, count(*) FROM bollinger_bands GROUP BY day ORDER BY day" | tr '\n' ' '; }
assert_eq "2026-12-01|16 2026-12-02|16 2026-12-03|16 " "$(bands)" "bands per day (the re-run replaced, not doubled)"

# --- 4. backfill two older days with plain dates; test one day ---
# they are before the DAG's start: refused as a likely typo, naming the
# start and its line, until the data engineer confirms the history
sl_out backfill $DAG --from 2026-11-28 --to 2026-11-29 --wait
[ "$RC" = 2 ] || fail "a backfill before the start should be refused: $RC $OUT"
assert_eq "sluice: the range from 2026-11-28 to 2026-11-29 is before the start of DAG stock_bands, 2026-12-01T00:00:00+00:00 ($H/dags/$DAG.yaml:5); its first partition is 2026-12-01T00:00:00+00:00 (--allow-outside-range backfills it anyway)" "$OUT" "the refusal"
sl_out backfill $DAG --allow-outside-range --from 2026-11-28 --to 2026-11-29 --wait
[ "$RC" = 0 ] || fail "backfill: $OUT"
assert_eq "success backfill" "$(runs_row $DAG 2026-11-28T00:00:00+00:00)" "a backfilled run in sluice runs"
assert_contains "$OUT" "2026-11-28T00:00:00+00:00" "backfill output"
assert_contains "$OUT" "2026-11-29T00:00:00+00:00" "backfill output"
assert_eq "2026-11-28|16 2026-11-29|16 2026-12-01|16 2026-12-02|16 2026-12-03|16 " "$(bands)" "bands after the backfill"
sl_out backfill $DAG --allow-outside-range --from 2026-11-29 --to 2026-12-01 --dry-run
assert_contains "$OUT" "would create 2026-11-30T00:00:00+00:00" "backfill dry run"
assert_not_contains "$OUT" "would create 2026-11-29" "backfill dry run (11-29 exists)"
sl_out test $DAG compute_bands 2026-12-03
[ "$RC" = 0 ] || fail "sluice test: $OUT"
assert_contains "$OUT" "partition 2026-12-03T00:00:00+00:00" "sluice test"
assert_contains "$OUT" "computed 16 band rows for 2026-12-03" "sluice test"

# --- 5. a run with a bad param, repaired by clear --param ---
sl_out trigger $DAG --allow-outside-range --partition 2026-11-30 --param window=1 --wait
[ "$RC" = 1 ] || fail "trigger with window=1 should fail the run: $RC $OUT"
assert_contains "$(sl logs $DAG compute_bands 2026-11-30)" "window 1 is too small" "the bad run's log"
sl_out clear $DAG --partition 2026-11-30 --param window=4 --yes
[ "$RC" = 0 ] || fail "clear --param: $OUT"
wait_run $DAG 2026-11-30T00:00:00+00:00 success 30
assert_contains "$(sl logs $DAG compute_bands 2026-11-30)" "computed 18 band rows" "the repaired run's log"
assert_eq "18" "$(sqlite3 "$H/warehouse.db" "SELECT count(*) FROM bollinger_bands WHERE day='2026-11-30' AND win='4'")" \
	"the repaired day's bands use window 4"
assert_eq "success manual" "$(runs_row $DAG 2026-11-30T00:00:00+00:00)" "the repaired run in sluice runs"
echo "journey_stock_bollinger: ok"
