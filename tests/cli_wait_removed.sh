#!/bin/bash
# `backfill --wait` and `trigger --wait` whose runs are removed while they
# wait (the backfill cancelled, `runs delete`): the wait ends, says which
# runs went, and exits 1; it waited forever for runs that no longer were.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
# start in 2030: the scheduler makes no run of its own; paused, so the
# runs made here stay queued until removed
cat >"$H/dags/hist.yaml" <<'YAML'
dag: hist
schedule: "0 * * * *"
start: 2030-01-01T00:00:00Z
tasks:
  x: {command: 'true'}
YAML
cat >"$H/dags/adhoc.yaml" <<'YAML'
dag: adhoc
schedule: none
tasks:
  x: {command: 'true'}
YAML
start_scheduler
sl dags pause hist >/dev/null
sl dags pause adhoc >/dev/null

# backfill --wait, then its backfill cancelled
SLUICE_PROGRESS_SECONDS=0 "$SLUICE" --home "$H" backfill hist --allow-outside-range \
	--from 2029-01-01T00:00Z --to 2029-01-01T02:00Z --wait >"$T/bf.out" 2>"$T/bf.err" &
bf=$!
on_exit "stop_pid $bf"
wait_for 20 "the backfill's progress line" grep -q '^hist: 0/3 runs done' "$T/bf.err"
id=$(q "SELECT max(id) FROM backfills")
sl backfill cancel "$id" --yes >"$T/cancel.out"
assert_contains "$(cat "$T/cancel.out")" "backfill $id of hist: 3 queued runs to be removed, 0 running runs to finish" \
	"backfill cancel: what it is about to do"
wait_for 20 "backfill --wait to end once its runs are removed" pid_gone "$bf"
set +e
wait "$bf"; st=$?
set -e
assert_eq 1 "$st" "exit code of backfill --wait whose backfill was cancelled"
assert_contains "$(cat "$T/bf.err")" "sluice: 3 runs of hist were removed before they ended (a backfill cancelled, \`sluice runs delete\` or \`sluice db clean\`): 2029-01-01T00:00:00+00:00, 2029-01-01T01:00:00+00:00, 2029-01-01T02:00:00+00:00" \
	"backfill --wait says which runs went"
assert_eq "hist: 0/3 runs done, 0 running, 0 failed, 3 removed; tasks 0/0 done, 0 running" \
	"$(grep '^hist:' "$T/bf.err" | tail -n 1)" "the last progress line"
assert_not_contains "$(cat "$T/bf.err")" "some runs failed" "backfill --wait of removed runs"

# trigger --wait, then its run deleted
"$SLUICE" --home "$H" trigger adhoc --partition k1 --wait >"$T/tr.out" 2>"$T/tr.err" &
tr=$!
on_exit "stop_pid $tr"
wait_for 20 "trigger to create its run" grep -q '^triggered adhoc partition k1$' "$T/tr.out"
sl runs delete adhoc k1 --yes >/dev/null
wait_for 20 "trigger --wait to end once its run is deleted" pid_gone "$tr"
set +e
wait "$tr"; st=$?
set -e
assert_eq 1 "$st" "exit code of trigger --wait whose run was deleted"
assert_contains "$(cat "$T/tr.err")" "sluice: 1 run of adhoc was removed before it ended" "trigger --wait says its run went"
assert_not_contains "$(cat "$T/tr.out")" "succeeded" "trigger --wait of a deleted run"
echo "cli_wait_removed: ok"
