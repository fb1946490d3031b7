#!/bin/bash
# A backfill cancelled while one of its runs, finished, was re-opened by a
# person's clear (queued again, its try 1 kept): the cancel leaves that
# run as it leaves a running one (its tries and logs stay, it runs try 2
# as the clear asked); it removes only the queued runs that never ran. It
# removed every queued run, so the re-opened one went with its history,
# and a later backfill of the partition ran try 1 of it again.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/bf.yaml" <<YAML
dag: bf
schedule: "@daily"
start: 2024-01-01T00:00:00Z
catchup: false
tasks:
  t: {command: 'case \$SLUICE_PARTITION in 2024-01-02*) while [ ! -e $T/go ]; do sleep 0.1; done;; esac; echo ran'}
YAML
start_scheduler
# three days, one at a time, oldest first: day 1 runs and ends, day 2
# waits on $T/go (the backfill stays running), day 3 is queued behind it
sl backfill bf --from 2024-01-01 --to 2024-01-03 --max-active 1 >"$T/bf.out"
id=$(q "SELECT id FROM backfills WHERE dag_id = 'bf'")
d1=2024-01-01T00:00:00+00:00 d2=2024-01-02T00:00:00+00:00 d3=2024-01-03T00:00:00+00:00
wait_ti bf "$d1" t success 60
wait_ti bf "$d2" t running 60
# day 1 re-opened by a person: queued again behind day 2 (max-active 1)
sl clear bf --task t --partition 2024-01-01 --yes >/dev/null
wait_run bf "$d1" queued 10
assert_eq 1 "$(ti_field bf "$d1" t try_number)" "the re-opened run keeps its try"
out=$(sl backfill cancel "$id" --dry-run)
assert_contains "$out" "remove $d3" "the never-run day is removed"
assert_not_contains "$out" "remove $d1" "the re-opened day is not removed"
assert_contains "$out" "finish $d1" "the re-opened day finishes, as a running one"
assert_contains "$out" "backfill $id of bf: 1 queued run would be removed, 2 running runs would finish"
sl backfill cancel "$id" --yes >/dev/null
assert_eq "" "$(q "SELECT id FROM dag_runs WHERE dag_id = 'bf' AND partition = '$d3'")" "the never-run day went"
assert_eq 1 "$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'bf' AND partition = '$d1'")" "the re-opened day stays"
assert_eq 1 "$(q "SELECT count(*) FROM task_tries tt JOIN task_instances ti ON ti.id = tt.ti_id JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id = 'bf' AND r.partition = '$d1'")" "its try 1 stays recorded"
touch "$T/go"
wait_ti bf "$d2" t success 60
wait_ti bf "$d1" t success 60
assert_eq 2 "$(ti_field bf "$d1" t try_number)" "the re-opened day ran try 2, as the clear asked"
assert_contains "$(sl logs bf t 2024-01-01 --try 1)" "ran" "try 1's log stays"
assert_contains "$(sl logs bf t 2024-01-01 --try 2)" "ran" "try 2's log"
echo "backfill_cancel_reopened: ok"
