#!/bin/bash
# cluster_job, backend slurm, against a real one-node Slurm cluster
# (slurmctld + slurmd + munge on loopback): a job that succeeds (its output
# in the task log), one that fails (exit code reported), one cancelled by
# the try's timeout (SIGTERM → scancel), and a batch script.
. "$SLUICE_SRCDIR/tests/setup.sh"
drv=$SLUICE_BUILDDIR/tests/op_driver
start_slurm
cd "$T"

job() {
	printf '{"type":"cluster_job","dag":"retail","task":"%s","options":{"backend":"slurm","poll_interval":200,%s}}' "$1" "$2"
}

out=$(job ok '"command":"echo hello-from-slurm; echo second line"' | "$drv" run cluster_job) ||
	fail "slurm job failed: $out"
assert_contains "$out" "submitting with sbatch: echo hello-from-slurm"
id=$(echo "$out" | sed -n 's/^Slurm job \([0-9]*\) submitted$/\1/p')
[ -n "$id" ] || fail "no job id in: $out"
assert_contains "$out" "hello-from-slurm
second line"
assert_contains "$out" "job $id: COMPLETED, exit code 0:0"
[ -f "$T/sluice-retail-ok-$id.out" ] || fail "job output file missing"
assert_eq "sluice-retail-ok" "$(scontrol show job -o "$id" | sed 's/.* JobName=\([^ ]*\).*/\1/')" "job name"

out=$(job bad '"command":"echo about to fail >&2; exit 3"' | "$drv" run cluster_job) &&
	fail "failing slurm job succeeded: $out"
assert_contains "$out" "about to fail"
assert_contains "$out" ": FAILED, exit code 3:0"

cat >"$T/batch.sh" <<'EOS'
#!/bin/bash
#SBATCH --ntasks=1
echo "batch script on $(hostname -s) as job $SLURM_JOB_ID"
EOS
out=$(job script "\"script\":\"$T/batch.sh\",\"sbatch_args\":[\"--time=5\"],\"output\":\"$T/custom-%j.log\"" |
	"$drv" run cluster_job) || fail "batch script failed: $out"
id=$(echo "$out" | sed -n 's/^Slurm job \([0-9]*\) submitted$/\1/p')
assert_contains "$out" "as job $id"
[ -f "$T/custom-$id.log" ] || fail "custom output file missing"
assert_contains "$(scontrol show job -o "$id")" "TimeLimit=00:05:00"

# Timeout: the executor SIGTERMs the try; the job is cancelled in Slurm.
job slow '"command":"echo started; sleep 300"' | "$drv" run cluster_job >"$T/slow.log" 2>&1 &
pid=$!
on_exit "kill $pid"
wait_for 30 "the job to run" grep -q ': RUNNING$' "$T/slow.log"
id=$(sed -n 's/^Slurm job \([0-9]*\) submitted$/\1/p' "$T/slow.log")
wait_for 10 "the job's output" grep -q '^started$' "$T/slow.log"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -ne 0 ] || fail "a cancelled job's try exited 0"
assert_contains "$(cat "$T/slow.log")" "stopping: scancel $id"
assert_contains "$(cat "$T/slow.log")" "job $id: CANCELLED"
assert_eq "" "$(squeue -h -j "$id" -o %T 2>/dev/null | grep -v CANCELLED || true)" "job still queued"
assert_contains "$(scontrol show job -o "$id")" "JobState=CANCELLED"

# Load-time checks.
out=$(job x '"script":"a.sh","command":"b"' | "$drv" run cluster_job 2>&1) && fail "script+command accepted"
assert_contains "$out" "backend slurm needs exactly one of script or command"
echo ok
