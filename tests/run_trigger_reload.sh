#!/bin/bash
# Runs triggered one after another by other processes while the scheduler
# reloads a large DAG's runs (each trigger's commit starts a reload that
# the next trigger's commit lands in): every run is picked up. Then a
# stop that leaves the running try running and does not wait out the
# kill grace period.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
# 500 task instances per run; one pool slot, so a run's tries queue up
# and the runs stay open while later ones arrive
/usr/bin/python3 - "$H/dags/wide.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("dag: wide\ntasks:\n")
    for i in range(500):
        f.write(f"  t{i}: {{command: \"sleep 300\", pool: gate}}\n")
PY
printf 'pools: {gate: 1}\n' >"$H/sluice.yaml"
start_scheduler
for p in 1 2 3 4 5 6 7 8; do
	sl trigger wide --partition "p$p" >/dev/null
done
all_running() {
	test "$(q "SELECT count(*) FROM dag_runs WHERE dag_id='wide' AND state='running'")" = 8
}
wait_for 60 "all 8 runs to be picked up" all_running
# the one slot holds exactly one try
assert_eq 1 "$(q "SELECT count(*) FROM task_instances WHERE state='running'")" "tries running in the one-slot pool"

# stopping: the running try is left running for the next scheduler (the
# local executor detaches it), and the scheduler leaves at once, not at
# the end of the 10 s kill grace period
kill -TERM "$SCHED_PID"
wait_for 5 "the scheduler to exit at once" pid_gone "$SCHED_PID"
assert_eq 1 "$(q "SELECT count(*) FROM task_instances WHERE state IN ('queued', 'running')")" "the try left running for the next scheduler"
assert_contains "$(cat "$T/scheduler.log")" "1 running try left running for the next scheduler, 0 stopped"
