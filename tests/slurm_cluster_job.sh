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

# A script's own #SBATCH --output is where its output goes, and its
# --job-name/-J is the job's name (sluice's defaults would override
# them); the log still shows the job's output.
mkdir -p "$T/mine"
cat >"$T/own.sh" <<EOS
#!/bin/bash
#SBATCH --ntasks=1 -J my-train
#SBATCH --output=$T/mine/own-%j.log
echo "own output of job \$SLURM_JOB_ID"
EOS
out=$(job own "\"script\":\"$T/own.sh\"" | "$drv" run cluster_job) ||
	fail "own-output script failed: $out"
id=$(echo "$out" | sed -n 's/^Slurm job \([0-9]*\) submitted$/\1/p')
[ -f "$T/mine/own-$id.log" ] || fail "the script's #SBATCH --output was not used: $(ls "$T")"
[ ! -e "$T/sluice-retail-own-$id.out" ] || fail "sluice's default output overrode the script's"
assert_contains "$out" "own output of job $id"
assert_eq "my-train" "$(scontrol show job -o "$id" | sed 's/.* JobName=\([^ ]*\).*/\1/')" "the script's own job name"

# The output file is where sbatch puts it, however it was set: a later
# --output/-o in sbatch_args wins over sluice's, %x %u %% and widths are
# expanded, a relative one is under --chdir/-D. Its lines reach the log.
mkdir -p "$T/out" "$T/wd"
me=$(id -un)
while IFS='|' read -r name opts file; do
	out=$(job "$name" "\"command\":\"echo out-of-$name\",$opts" | "$drv" run cluster_job) ||
		fail "$name: the job failed: $out"
	id=$(echo "$out" | sed -n 's/^Slurm job \([0-9]*\) submitted$/\1/p')
	file=${file//ID8/$(printf %08d "$id")}
	file=${file//ID/$id}
	[ -f "$file" ] || fail "$name: no output file $file"
	assert_contains "$out" "out-of-$name" "$name: the job's output in the log"
	assert_not_contains "$out" "cannot be read" "$name"
done <<CASES
args_output|"sbatch_args":["--output=$T/out/custom-%j.log"]|$T/out/custom-ID.log
output_key|"output":"$T/out/%x-%j.log"|$T/out/sluice-retail-output_key-ID.log
short_o|"output":"$T/out/first-%j.log","sbatch_args":["-o","$T/out/short-%8j-%u-%%.log"]|$T/out/short-ID8-$me-%.log
chdir|"sbatch_args":["--chdir=$T/wd"]|$T/wd/sluice-retail-chdir-ID.out
chdir_short|"output":"o-%j.txt","sbatch_args":["-D","wd"]|$T/wd/o-ID.txt
CASES
# a file the try cannot read: said in the log, not silently missing
out=$(job nofile "\"command\":\"echo lost\",\"output\":\"$T/no-such-folder/x-%j.log\"" | "$drv" run cluster_job 2>&1) || true
id=$(echo "$out" | sed -n 's/^Slurm job \([0-9]*\) submitted$/\1/p')
assert_contains "$out" "job $id: its output file $T/no-such-folder/x-$id.log cannot be read (No such file or directory), so its output is not in this log"

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
