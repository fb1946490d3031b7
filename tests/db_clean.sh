#!/bin/bash
# `sluice db clean` on a home with hundreds of old runs and their log
# files, and recent ones, while a scheduler runs a chain: --dry-run lists
# and removes nothing; clean removes exactly the old runs (their task
# instances, tries, state changes and log folders), keeps the recent ones,
# a recently re-run old partition and one queued again, and the audit log
# unless --audit; the scheduler's chain finishes meanwhile.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/db_lib.sh"
db_chain_home
db_history chain 300 200 0 1	# old: partitions ended 200-499 days ago
db_history other 100 200 0 1
db_history chain 50 10 0 1	# recent: 10-59 days ago
# an old partition re-run yesterday, and an old one queued again: kept
q "UPDATE dag_runs SET ended_at = (strftime('%s','now') - 86400) * 1000 WHERE id = (SELECT min(id) FROM dag_runs)"
q "UPDATE dag_runs SET state = 'queued', ended_at = NULL WHERE id = (SELECT min(id) + 1 FROM dag_runs)"
rerun=$(q "SELECT partition FROM dag_runs WHERE id = (SELECT min(id) FROM dag_runs)")
queued=$(q "SELECT partition FROM dag_runs WHERE id = (SELECT min(id) + 1 FROM dag_runs)")
cutoff=$(( $(date +%s) - 90 * 86400 ))
old_where="end_s < $cutoff AND dag_id IN ('chain', 'other')"
assert_eq 400 "$(q "SELECT count(*) FROM dag_runs WHERE $old_where")" "400 old runs"
assert_eq 1350 "$(find "$H/logs" -name 'try-*.log' -path '*/old-*' | wc -l)" "1350 log files"
audit0=$(q "SELECT count(*) FROM audit")

# a DAG of the folder no scheduler has recorded yet: known, nothing to
# remove (it was "no DAG named" while `dags list` showed it)
printf 'dag: later\ntasks:\n  a: {command: "true"}\n' >"$H/dags/later.yaml"
out=$(sl db clean --keep 90d --dag later --dry-run) || fail "clean --dag of a DAG without runs: $out"
assert_contains "$out" "would remove 0 runs" "a DAG of the folder without runs: nothing to remove"

# webhook and email deliveries: an old partition's ended ones go with its
# run; one still pending (owed: claimed by a sender far into the future,
# so the scheduler's sweep leaves it alone) and a recent partition's stay
old1=$(q "SELECT partition FROM dag_runs WHERE dag_id = 'other' ORDER BY id LIMIT 1")
new1=$(q "SELECT partition FROM dag_runs WHERE dag_id = 'chain' AND end_s >= $cutoff ORDER BY id LIMIT 1")
for row in "sent|$old1" "failed|$old1" "pending|$old1" "sent|$new1"; do
	dag=other; [ "${row#*|}" = "$new1" ] && dag=chain
	q "INSERT INTO webhook_deliveries (kind, hook, event, dag_id, partition_key, payload, state, created_at, claimed_until)
	   VALUES ('email', '(email)', 'failure', '$dag', '${row#*|}', '{}', '${row%%|*}', 0, 9000000000000000)"
done

start_scheduler
sl trigger chain --partition p1 >/dev/null
wait_run chain p1 success 60
# the scheduler runs the queued old run again (tasks a, b, c: three more
# log files under its old partition): it ends now, so it is recent
wait_run chain "$queued" success 60
( for i in $(seq 2 15); do sl trigger chain --partition "p$i" >/dev/null; done ) &
TRIGGERS=$!
on_exit "kill $TRIGGERS 2>/dev/null"

# usage
rc=0; sl db clean >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "clean needs --keep or --before"
rc=0; sl db clean --keep 90d --before 2024-01-01 >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "not both"
rc=0; out=$(sl db clean --keep 90d --audit --logs-only --yes 2>&1) || rc=$?
assert_eq 2 "$rc" "db clean --audit --logs-only: exit"
assert_contains "$out" "--audit and --logs-only go apart" "db clean --audit --logs-only"
rc=0; sl db clean --keep soon >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "a bad age"
# an age without a unit (30: seconds, read as days) or under an hour
# (6m: minutes, read as months) would remove nearly all history: refused,
# even with --yes, and nothing is removed
for age in 30 6m; do
	rc=0; sl db clean --keep "$age" --yes >"$T/out" 2>"$T/err" || rc=$?
	assert_eq 2 "$rc" "clean --keep $age"
	assert_contains "$(cat "$T/err")" "--keep: '$age'" "the refused age is named"
	assert_not_contains "$(cat "$T/out")" "removed" "clean --keep $age removes nothing"
done
assert_contains "$(cat "$T/err")" "less than an hour (m is minutes" "--keep 6m says why"
# a misspelt --dag is refused, not reported as nothing to remove
rc=0; sl db clean --keep 90d --dag othre >"$T/out" 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "clean --dag of an unknown DAG"
assert_contains "$(cat "$T/err")" "no DAG named 'othre'" "it names the DAG"
assert_not_contains "$(cat "$T/out")" "removed" "and removes nothing"

# dry run: lists the 398, removes nothing
out=$(sl db clean --keep 90d --dry-run) || fail "dry run: $out"
assert_eq 398 "$(grep -c '^would remove run ' <<<"$out")" "the dry run lists 398 runs"
assert_contains "$out" "would remove 398 runs, 1194 task instances, 1194 tries, 1194 log files and 0 audit rows" "and totals them"
assert_not_contains "$out" "chain $rerun " "not the re-run one"
assert_not_contains "$out" "chain $queued " "not the queued one"
assert_eq 400 "$(q "SELECT count(*) FROM dag_runs WHERE $old_where")" "the dry run removed nothing"
assert_eq 1353 "$(find "$H/logs" -name 'try-*.log' -path '*/old-*' | wc -l)" "nor a log file"

# without a terminal and without --yes: it says how much it would
# remove, and removes nothing
rc=0; sl db clean --keep 90d --dag other </dev/null >"$T/out" 2>"$T/err" || rc=$?
assert_eq 2 "$rc" "clean without --yes and without a terminal"
assert_contains "$(cat "$T/err")" "sluice: this would remove 100 runs of DAG other ended before " "it says how many"
assert_contains "$(cat "$T/err")" "with their task instances, tries and log files; add --yes to do it, or --dry-run to list them" "and how to go on"
assert_eq 100 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'other'")" "nothing removed without --yes"
# at a terminal it asks: no keeps everything
out=$("$SLUICE_SRCDIR/tests/tty_answer.py" "[y/N]" n "$SLUICE" --home "$H" db clean --keep 90d --dag other) ||
	fail "clean at a terminal, answered no: $out"
assert_contains "$out" "This removes 100 runs of DAG other ended before " "the question says how many"
assert_contains "$out" "nothing removed" "no: nothing removed"
assert_eq 100 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'other'")" "no: the runs stay"

# one DAG, answered yes at the terminal
out=$("$SLUICE_SRCDIR/tests/tty_answer.py" "[y/N]" y "$SLUICE" --home "$H" db clean --keep 90d --dag other) ||
	fail "clean --dag: $out"
assert_eq 100 "$(grep -c '^removed run other ' <<<"$out")" "100 runs of other removed"
assert_eq 0 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'other'")" "other has no runs left"
assert_eq 350 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'chain' AND partition LIKE 'old-%'")" "chain's untouched"
[ -e "$H/logs/other" ] && [ -n "$(find "$H/logs/other" -type f)" ] && fail "other's log files stayed"
# and its folder with the last of them (an empty logs/other stayed)
[ ! -e "$H/logs/other" ] || fail "other's empty log folder stayed: $(ls -la "$H/logs/other")"

# every DAG, while the chain runs
out=$(sl db clean --keep 90d --yes) || fail "clean: $out"
note "$(tail -1 <<<"$out")"
assert_eq 298 "$(grep -c '^removed run chain ' <<<"$out")" "298 runs of chain removed"
assert_contains "$out" "removed 298 runs, 894 task instances, 894 tries, 894 log files and 0 audit rows" "the totals"
assert_eq "$rerun
$queued" "$(q "SELECT partition FROM dag_runs WHERE $old_where ORDER BY id")" "only the re-run and the queued old runs stay"
assert_eq 50 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'chain' AND partition LIKE 'old-%' AND end_s >= $cutoff")" "the recent runs stay"
assert_eq 150 "$(q "SELECT count(*) FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.partition LIKE 'old-%' AND r.end_s >= $cutoff")" "with their task instances"
assert_eq 159 "$(find "$H/logs" -name 'try-*.log' -path '*/old-*' | wc -l)" "and their log files (and the two kept old runs')"
assert_eq 0 "$(q "SELECT count(*) FROM task_instances WHERE run_id NOT IN (SELECT id FROM dag_runs)")" "no task instance of a removed run"
assert_eq 0 "$(q "SELECT count(*) FROM task_tries WHERE ti_id NOT IN (SELECT id FROM task_instances)")" "no try of a removed task instance"
assert_eq 0 "$(q "SELECT count(*) FROM state_changes WHERE run_id NOT IN (SELECT id FROM dag_runs)")" "no state change of a removed run"
assert_eq "$audit0" "$(q "SELECT count(*) FROM audit WHERE who = 'cli:old'")" "the audit rows are kept"
assert_eq "pending|$old1 sent|$new1" "$(q "SELECT group_concat(state || '|' || partition_key, ' ') FROM (SELECT state, partition_key FROM webhook_deliveries ORDER BY id)")" \
	"an old partition's ended deliveries went with its run, its pending one and a recent one's stay"
sl db check >/dev/null || fail "db check after clean: $(sl db check)"

# the scheduler went on
wait "$TRIGGERS"
wait_run chain p15 success 120
kill -0 "$SCHED_PID" || fail "the scheduler died"

# nothing old left; --audit removes the old audit rows, keeps new ones
out=$(sl db clean --keep 90d --audit --yes) || fail "clean --audit: $out"
assert_contains "$out" "removed 0 runs" "nothing more to remove"
assert_eq 0 "$(q "SELECT count(*) FROM audit WHERE at < $cutoff * 1000")" "old audit rows removed"
[ "$(q "SELECT count(*) FROM audit WHERE who = 'cli:old'")" -gt 0 ] || fail "the recent audit rows were removed"

# --before DATE, --json
out=$(sl --json db clean --before 2000-01-01 --dry-run)
assert_contains "$out" '"runs": 0' "--json totals"
echo "db_clean: ok"
