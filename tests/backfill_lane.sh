#!/bin/bash
# backfill_lane.sh: the backfill lane and backfills as objects, end to end
# on a real standalone server (scheduler + web).
#   1. A 1,000-partition backfill of hour-long tasks fills its share of the
#      slots (backfill_share 50% of parallelism 4: 2) and no more; a live
#      partition's first task starts at its tick (the delay is measured and
#      printed; the assertion is that the slot was free and the task
#      started, within a generous 5 s; bench/backfill_lane.sh holds the
#      1 s target). A manual run starts at once too. The runs' lanes.
#   2. Cancel through the CLI: a preview (--dry-run), refused without
#      --yes when not on a terminal, then --kill: queued runs removed,
#      the running tries stopped.
#   3. --only missing|failed|all, --newest-first, --max-active and
#      --dry-run through the CLI; `sluice backfills` shows state and
#      progress.
#   4. The same through the API (create, list, get, cancel with and
#      without kill), its roles and CSRF, the audit, the pages.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
cat >>"$H/sluice.yaml" <<'EOF'
parallelism: 4
backfill_share: 50%
EOF
# hist and slow: only backfilled (their schedules start in 2030; the
# backfills run partitions before that: --allow-outside-range)
cat >"$H/dags/hist.yaml" <<'EOF'
dag: hist
schedule: "0 * * * *"
start: 2030-01-01T00:00:00Z
tasks:
  long: {command: "sleep 3600"}
EOF
cat >"$H/dags/slow.yaml" <<'EOF'
dag: slow
schedule: "0 * * * *"
start: 2030-01-01T00:00:00Z
tasks:
  long: {command: "sleep 3600"}
EOF
# live: a partition every minute; only the newest is created
cp "$SLUICE_SRCDIR/tests/data/backfill_lane_live.yaml" "$H/dags/live.yaml"
cat >"$H/dags/adhoc.yaml" <<'EOF'
dag: adhoc
tasks:
  first: {command: "true"}
EOF
# pick: hours 01 and 03 fail until $SLUICE_HOME/fixed exists
cat >"$H/dags/pick.yaml" <<'EOF'
dag: pick
schedule: "0 * * * *"
start: 2030-01-01T00:00:00Z
tasks:
  t:
    command: 'case "$SLUICE_PARTITION" in *T01:00*|*T03:00*) test -f "$SLUICE_HOME/fixed";; esac'
EOF
start_standalone

# cj EXPR: a field of the JSON the last CLI call printed ($T/out)
cj() {
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$T/out" "$1"
}
running_tis() { q "SELECT count(*) FROM task_instances WHERE dag_id='$1' AND state IN ('queued','running')"; }
running_is() { [ "$(running_tis "$1")" = "$2" ]; }
state_of() { q "SELECT state FROM backfills WHERE id=$1"; }
backfill_is() { [ "$(state_of "$1")" = "$2" ]; }

# --- 1. the lane ---
sl --json backfill hist --allow-outside-range --from 2029-01-01T00:00:00Z --to 2029-02-11T15:00:00Z >"$T/out"
assert_eq 1000 "$(cj 'len(d["create"])')" "the backfill creates 1,000 runs"
HIST=$(cj 'd["id"]')
wait_for 30 "the backfill to fill its share (2 tries)" running_is hist 2
assert_eq "backfill 1000" "$(q "SELECT lane, count(*) FROM dag_runs WHERE dag_id='hist' AND backfill_id=$HIST GROUP BY lane" | tr '|' ' ')" \
	"the backfill's runs are in the backfill lane"
# a live run of the newest minute exists (made at the start) and ran
run_is_any_success() { [ "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='live' AND state='success'")" -ge 1 ]; }
wait_for 30 "the live DAG's first partition" run_is_any_success

# a manual run starts at once: its slot is free
sl trigger adhoc --partition now1 >/dev/null
wait_ti adhoc now1 first success 5
delay=$(q "SELECT ti.started_at - r.created_at FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id='adhoc' AND r.partition='now1'")
note "manual run: first task started ${delay} ms after the run was created"
assert_eq 2 "$(running_tis hist)" "the backfill still holds 2 slots, not more"

# the next tick of live: its first task starts within 5 s of the tick
before=$(q "SELECT max(end_s) FROM dag_runs WHERE dag_id='live'")
newer_live() { [ "$(q "SELECT count(*) FROM dag_runs r JOIN task_instances ti ON ti.run_id = r.id WHERE r.dag_id='live' AND r.end_s > $before AND ti.task_id='first' AND ti.started_at IS NOT NULL")" -ge 1 ]; }
wait_for 90 "the next minute's live partition to start" newer_live
read -r part tick started <<<"$(q "SELECT r.partition, r.end_s * 1000, ti.started_at FROM dag_runs r JOIN task_instances ti ON ti.run_id = r.id WHERE r.dag_id='live' AND r.end_s > $before AND ti.task_id='first' ORDER BY r.end_s LIMIT 1" | tr '|' ' ')"
delay=$((started - tick))
note "live partition $part: first task started ${delay} ms after its tick (target: 1000 ms, bench/backfill_lane.sh)"
[ "$delay" -le 5000 ] || fail "the live partition's first task started ${delay} ms after its tick"
assert_eq live "$(q "SELECT lane FROM dag_runs WHERE dag_id='live' AND partition='$part'")" "the newest scheduled partition is live"
assert_eq 2 "$(running_tis hist)" "the backfill held 2 slots all along"
wait_run live "$part" success 30

# sluice backfills: state and progress
sl --json backfills hist >"$T/out"
assert_eq "running 1000 0 16" "$(cj 'd[0]["state"]') $(cj 'd[0]["total"]') $(cj 'd[0]["done"]') $(cj 'd[0]["running"]')" \
	"sluice backfills: state, total, done, running runs"
out=$(sl backfills)
assert_contains "$out" "$HIST     hist                 running   0/1000"

# --- 2. cancel through the CLI ---
out=$(sl backfill cancel "$HIST" --dry-run --kill)
assert_contains "$out" "backfill $HIST of hist: 984 queued runs would be removed, 16 running runs would be killed"
assert_eq 984 "$(grep -c '^remove ' <<<"$out")" "the preview lists the queued runs"
set +e
sl backfill cancel "$HIST" --kill </dev/null >"$T/out" 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "cancel without --yes, not on a terminal"
assert_contains "$(cat "$T/err")" "add --yes to do it"
assert_eq running "$(state_of "$HIST")" "nothing cancelled yet"
out=$(sl backfill cancel "$HIST" --kill --yes)
assert_contains "$out" "cancelled backfill $HIST of hist: 984 queued runs removed, 16 running runs killed"
assert_eq 16 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='hist'")" "the queued runs are gone"
wait_for 30 "the killed tries to end" running_is hist 0
hist_failed() { [ "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='hist' AND state='failed'")" = 16 ]; }
wait_for 30 "the killed runs to fail" hist_failed
assert_eq cancelled "$(state_of "$HIST")"
# a killed try says why, in its log and its recorded error (it said
# "the task instance was cleared or marked")
kp=$(q "SELECT partition FROM dag_runs WHERE dag_id='hist' ORDER BY start_s LIMIT 1")
assert_contains "$(q "SELECT t.error FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id='hist' AND r.partition='$kp'")" \
	"killed: backfill $HIST cancelled by" "a killed try's recorded error"
assert_contains "$(sl logs hist long "$kp")" "killed: backfill $HIST cancelled by" "a killed try's log"
set +e
sl backfill cancel "$HIST" --yes >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 1 "$st" "a cancelled backfill cannot be cancelled again"
assert_contains "$(cat "$T/err")" "is cancelled already"
# an id that names no backfill is an input error (exit 2, as an unknown DAG)
set +e
sl backfill cancel 999999 --dry-run >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "cancel of a backfill that does not exist"
assert_contains "$(cat "$T/err")" "no backfill 999999"

# --- 3. the options through the CLI ---
out=$(sl backfill pick --allow-outside-range --from 2029-01-01T00:00:00Z --to 2029-01-01T04:00:00Z --dry-run)
assert_contains "$out" "backfill pick: 5 runs would be created (dry run)"
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='pick'")" "a dry run creates nothing"
set +e
sl backfill pick --allow-outside-range --from 2029-01-01T00:00:00Z --to 2029-01-01T04:00:00Z --wait >"$T/out" 2>"$T/err"; st=$?
set -e
assert_eq 1 "$st" "two of the five runs fail"
# which runs failed, and how to read why (it said "some runs failed")
assert_eq "run pick 2029-01-01T01:00:00+00:00 failed
  t failed: exit code 1 (log: sluice logs pick t 2029-01-01T01:00:00+00:00)
run pick 2029-01-01T03:00:00+00:00 failed
  t failed: exit code 1 (log: sluice logs pick t 2029-01-01T03:00:00+00:00)" \
	"$(grep -v '^pick: \|^sluice: ' "$T/err")" "backfill --wait: the failed runs"
assert_eq "failed 5 5 2" "$(sl --json backfills pick | /usr/bin/python3 -c 'import json,sys; b=json.load(sys.stdin)[0]; print(b["state"], b["total"], b["done"], b["failed"])')" \
	"a backfill with failed runs is failed"
out=$(sl backfill pick --allow-outside-range --from 2029-01-01T00:00:00Z --to 2029-01-01T05:00:00Z --dry-run)
assert_contains "$out" "would create 2029-01-01T05:00:00+00:00"
assert_contains "$out" "backfill pick: 1 run would be created (dry run), 5 partitions already had a run"
out=$(sl backfill pick --allow-outside-range --from 2029-01-01T00:00:00Z --to 2029-01-01T04:00:00Z --only all --dry-run)
assert_contains "$out" "backfill pick: 0 runs would be created (dry run), 5 would re-run"
touch "$H/fixed"
out=$(sl backfill pick --allow-outside-range --from 2029-01-01T00:00:00Z --to 2029-01-01T04:00:00Z --only failed --newest-first --max-active 1 --wait 2>/dev/null)
assert_eq "re-run 2029-01-01T03:00:00+00:00
re-run 2029-01-01T01:00:00+00:00" "$(grep '^re-run' <<<"$out")" "--only failed re-runs the failed ones, newest first"
assert_eq 5 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='pick' AND state='success'")" "all five succeed now"
order=$(q "SELECT r.partition FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id='pick' AND r.partition IN ('2029-01-01T01:00:00+00:00','2029-01-01T03:00:00+00:00') ORDER BY ti.started_at" | tr '\n' ' ')
assert_eq "2029-01-01T03:00:00+00:00 2029-01-01T01:00:00+00:00 " "$order" "--newest-first: 03:00 ran before 01:00"
assert_eq "done 2 2 0" "$(sl --json backfills pick | /usr/bin/python3 -c 'import json,sys; b=json.load(sys.stdin)[0]; print(b["state"], b["total"], b["done"], b["failed"])')" \
	"the re-run backfill is done"
# the first backfill keeps the counts it ended with, though the re-run
# took two of its runs over (it said "failed 5 3 0")
assert_eq "failed 5 5 2 0" "$(sl --json backfills pick | /usr/bin/python3 -c 'import json,sys; b=json.load(sys.stdin)[1]; print(b["state"], b["total"], b["done"], b["failed"], b["running"])')" \
	"an ended backfill's progress after a later one re-ran its runs"
# --max-active 1: one run of the backfill at a time, though the lane's
# share (2 slots) would allow two
sl --json backfill slow --allow-outside-range --from 2029-01-01T00:00:00Z --to 2029-01-01T09:00:00Z --max-active 1 >"$T/out"
SLOW=$(cj 'd["id"]')
wait_for 30 "slow's first try" running_is slow 1
assert_eq 1 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='slow' AND state='running'")" "--max-active 1: one run running"
assert_eq 1 "$(running_tis slow)" "--max-active 1: one try"

# --- 4. the API ---
assert_status 200 GET "/backfills?dag=slow" "" "$VIEWER_TOKEN"
assert_eq "$SLOW 1" "$(jget 'd["backfills"][0]["id"]') $(jget 'd["backfills"][0]["max_active"]')" "GET /backfills?dag="
assert_status 200 GET "/backfills/$SLOW" "" "$VIEWER_TOKEN"
assert_eq "running 10 9" "$(jget 'd["state"]') $(jget 'd["total"]') $(jget 'd["queued"]')" "GET /backfills/ID"
assert_status 404 GET /backfills/99999 "" "$VIEWER_TOKEN"
assert_status 403 POST "/backfills/$SLOW/cancel" '{}' "$VIEWER_TOKEN"
# a session must send its CSRF token
login ops "$OPS_PW" "$T/jar"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -b "$T/jar" -X POST -H 'Content-Type: application/json' \
	--data-binary '{}' "$URL/api/v1/backfills/$SLOW/cancel")
assert_eq 403 "$code" "cancel from a session without the CSRF token"
# cancel without kill: queued runs go, the running one finishes
assert_status 200 POST "/backfills/$SLOW/cancel" '{"dry_run": true}'
assert_eq "9 1 running" "$(jget 'len(d["remove"])') $(jget 'len(d["running"])') $(state_of "$SLOW")" "the preview changes nothing"
assert_status 200 POST "/backfills/$SLOW/cancel" '{}'
assert_eq "cancelled running" "$(jget 'd["state"]') $(jget 'd["running"] and "running"')" "the answer: the backfill as it is now"
assert_eq "cancelled 1" "$(state_of "$SLOW") $(q "SELECT count(*) FROM dag_runs WHERE dag_id='slow'")" "cancel: queued runs removed"
assert_eq 1 "$(running_tis slow)" "cancel without kill: the running try goes on"
assert_status 409 POST "/backfills/$SLOW/cancel" '{}'
# create through the API
assert_status 400 POST /dags/slow/backfills '{"from":"2029-01-02T00:00Z","to":"2029-01-02T03:00Z","only":"some"}'
assert_status 400 POST /dags/slow/backfills '{"from":"2029-01-02T00:00Z","to":"2029-01-02T03:00Z","max_active":0}'
assert_status 400 POST /dags/adhoc/backfills '{"from":"2029-01-02T00:00Z","to":"2029-01-02T03:00Z"}'
assert_status 403 POST /dags/slow/backfills '{"from":"2029-01-02T00:00Z","to":"2029-01-02T03:00Z"}' "$VIEWER_TOKEN"
assert_status 200 POST /dags/slow/backfills '{"from":"2029-01-02T00:00Z","to":"2029-01-02T03:00Z","allow_outside_range":true,"dry_run":true}'
assert_eq "null 4" "$(jget 'd["id"]') $(jget 'len(d["create"])')" "an API dry run"
assert_status 201 POST /dags/slow/backfills '{"from":"2029-01-02T00:00Z","to":"2029-01-02T03:00Z","allow_outside_range":true,"newest_first":true,"max_active":2}'
API_BF=$(jget 'd["id"]')
assert_eq "2029-01-02T03:00:00+00:00 true 2 4" "$(jget 'd["create"][0]') $(jget 'd["newest_first"]') $(jget 'd["max_active"]') $(jget 'd["total"]')" \
	"POST /dags/slow/backfills: newest first"
# the lane's share: the first backfill's run holds one slot of 2, so one
# of this one's runs gets a try, the newest
wait_for 30 "the API backfill's first try" running_is slow 2
wait_ti slow 2029-01-02T03:00:00+00:00 long running 30
# cancel with kill through the API
assert_status 200 POST "/backfills/$API_BF/cancel" '{"kill": true}'
assert_eq "2 2" "$(jget 'len(d["remove"])') $(jget 'len(d["running"])')" "kill: 2 queued removed, 2 running killed"
wait_ti slow 2029-01-02T03:00:00+00:00 long failed 30
assert_contains "$(ti_field slow 2029-01-02T03:00:00+00:00 long error)" "backfill $API_BF cancelled"
assert_eq 1 "$(running_tis slow)" "the other backfill's try still runs"
# --only through the API: failed re-runs the failed ones
# nothing failed now: nothing to run, so no backfill is made (200, id null)
assert_status 200 POST /dags/pick/backfills '{"from":"2029-01-01T00:00Z","to":"2029-01-01T05:00Z","allow_outside_range":true,"only":"failed"}'
assert_eq "0 0 null" "$(jget 'len(d["create"])') $(jget 'len(d["rerun"])') $(jget 'd["id"]')" "--only failed: nothing failed now"
assert_status 201 POST /dags/pick/backfills '{"from":"2029-01-01T00:00Z","to":"2029-01-01T01:00Z","allow_outside_range":true,"only":"all"}'
assert_eq "0 2" "$(jget 'len(d["create"])') $(jget 'len(d["rerun"])')" "--only all re-runs the finished runs"
ALL=$(jget 'd["id"]')
wait_for 30 "the re-run to end" backfill_is "$ALL" done
# audit: every create and cancel, by whom
assert_eq "backfill_cancel cli:$(id -un) 1" "$(q "SELECT action, who, count(*) FROM audit WHERE action='backfill_cancel' AND who LIKE 'cli:%'" | tr '|' ' ')" "the CLI's cancel is audited"
assert_eq 2 "$(q "SELECT count(*) FROM audit WHERE action='backfill_cancel' AND who='web:ops'")" "the API's cancels are audited"
assert_eq 2 "$(q "SELECT count(*) FROM audit WHERE action='backfill' AND who='web:ops'")" "the API's backfills are audited (not the one with nothing to run)"
# the pages
page=$(curl -sS -b "$T/jar" "$URL/backfills")
assert_contains "$page" "<tr class=\"backfill\" data-id=\"$HIST\">"
assert_contains "$page" "class=\"badge st-cancelled\""
page=$(curl -sS -b "$T/jar" "$URL/dags/slow")
assert_contains "$page" "id=\"dag-backfills\""
note "ok"
