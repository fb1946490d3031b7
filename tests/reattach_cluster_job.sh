#!/bin/bash
# Follow, don't resubmit. A DAG runs an EMR step and creates an EMR
# cluster (the loopback AWS test double: EMR has no local server; it
# verifies signatures and holds the step RUNNING and the cluster STARTING
# while a file exists), a Slurm job (a real one-node slurmctld) and a
# command-backend job (a stand-in CLI keeping its jobs in files). While
# the four run, the scheduler is killed with kill -9 and so
# is every process of the four tries (their supervisors included: the
# tries are lost, as on a host that went away; the local executor would
# otherwise adopt them). After a restart each lost try is retried, and the
# retry follows the job its lost try recorded: each external job was
# submitted exactly once, and its real result is recorded. Then: a task
# cleared while its job runs and no try does: its next try cancels that
# job and submits a new one.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/reattach_lib.sh"
start_aws_double --key AKIDEMR:emr-secret --cluster j-REATTACHXXXX \
	--hold-while hold-me:"$T/hold.emr"
export AWS_ACCESS_KEY_ID=AKIDEMR AWS_SECRET_ACCESS_KEY=emr-secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_EMR=$AWS_DOUBLE_URL
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
start_slurm
new_home
touch "$T/hold.emr" "$T/hold.slurm" "$T/hold.cmd"

# The stand-in cluster CLI: submit counts its calls; a job is RUNNING while
# its hold file exists, then SUCCEEDED.
J=$T/jobs
mkdir -p "$J"
cat >"$T/cli" <<EOS
#!/bin/sh
set -e
case "\$1" in
submit) echo x >>"$T/cmd.submits"; n=\$(wc -l <"$T/cmd.submits")
	id=app_\$n; echo RUNNING >"$J/\$id"; echo "\$id" ;;
status) if [ "\$(cat "$J/\$2")" = RUNNING ] && [ ! -f "$T/hold.cmd" ]; then
		echo SUCCEEDED >"$J/\$2"; fi
	cat "$J/\$2" ;;
kill) echo KILLED >"$J/\$2"; echo "killed \$2" >>"$T/cmd.kills" ;;
esac
EOS
chmod +x "$T/cli"

cat >"$H/sluice.yaml" <<YAML
executors:
  local: {type: local, slots: 8, fork_server: false}
YAML
cat >"$H/dags/reattach.yaml" <<YAML
dag: reattach
tasks:
  emr_step:
    type: cluster_job
    backend: emr
    cluster_id: j-REATTACHXXXX
    poll_interval: 200ms
    retries: 1
    retry_delay: 1s
    spark_submit: [s3://code/hold-me.py, "{{ ds }}"]
  slurm_job:
    type: cluster_job
    backend: slurm
    poll_interval: 200ms
    retries: 1
    retry_delay: 1s
    output: $T/slurm-%j.out
    command: "echo slurm-started; while [ -f $T/hold.slurm ]; do sleep 0.2; done; echo slurm-real-result"
  make_cluster:
    type: cluster_job
    backend: emr
    poll_interval: 200ms
    retries: 1
    retry_delay: 1s
    create_cluster:
      name: "hold-me {{ ds }}"
      release_label: emr-7.1.0
      instance_groups: [{role: MASTER, instance_type: m5.xlarge, count: 1}]
  cmd_job:
    type: cluster_job
    backend: command
    poll_interval: 200ms
    retries: 1
    retry_delay: 1s
    submit: "$T/cli submit"
    status: "$T/cli status {job_id}"
    cancel: "$T/cli kill {job_id}"
YAML
sl dags validate >/dev/null || fail "the DAG does not validate: $(sl dags validate 2>&1)"
start_scheduler
sl trigger reattach --partition 2024-03-01 >/dev/null
P=2024-03-01
logf() { echo "$H/logs/reattach/$P/$1/try-$2.log"; }
wait_for 30 "the EMR step to be recorded and run" has "$(logf emr_step 1)" ': RUNNING$'
wait_for 60 "the Slurm job to run" has "$(logf slurm_job 1)" '^slurm-started$'
wait_for 30 "the command job to run" has "$(logf cmd_job 1)" ': RUNNING$'
wait_for 30 "the cluster to start" has "$(logf make_cluster 1)" ': STARTING$'
for t in emr_step slurm_job cmd_job make_cluster; do
	assert_contains "$(cat "$(logf $t 1)")" "external job: recorded "
done
sid=$(sed -n 's/^step \(s-[0-9]*\) submitted$/\1/p' "$(logf emr_step 1)")
jid=$(sed -n 's/^Slurm job \([0-9]*\) submitted$/\1/p' "$(logf slurm_job 1)")
[ -n "$sid" ] && [ -n "$jid" ] || fail "no step or job id in the first tries' logs"
assert_eq "emr_step|j-REATTACHXXXX/$sid|running|1" \
	"$(q "SELECT x.kind, x.job_id, x.state, x.try_number FROM external_jobs x JOIN task_instances ti ON ti.id = x.ti_id WHERE ti.task_id = 'emr_step'")" \
	"recorded before waiting"

# --- the scheduler and the three tries die together ---
tokens=$(q "SELECT token FROM task_instances WHERE dag_id = 'reattach' AND token IS NOT NULL")
[ "$(echo "$tokens" | wc -l)" -eq 4 ] || fail "expected four running tries: $tokens"
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
for part in $(echo $tokens | tr ' ' '\n' | sort -r); do kill_try "$part"; done
assert_eq RUNNING "$(squeue -h -j "$jid" -o %T)" "the Slurm job outlived its try"

cluster=$(sed -n 's/^cluster \(j-[0-9A-Z]*\) created$/\1/p' "$(logf make_cluster 1)")
start_scheduler
for t in emr_step slurm_job cmd_job make_cluster; do
	wait_for 30 "$t's retry to follow its job" has "$(logf $t 2)" "external job: following "
done
assert_contains "$(cat "$(logf emr_step 2)")" "external job: following emr_step j-REATTACHXXXX/$sid, submitted by try 1 (not submitting again)"
assert_contains "$(cat "$(logf slurm_job 2)")" "external job: following slurm $jid, submitted by try 1"
assert_contains "$(cat "$(logf cmd_job 2)")" "external job: following command app_1, submitted by try 1"
assert_contains "$(cat "$(logf make_cluster 2)")" "external job: following emr_cluster $cluster, submitted by try 1"
rm -f "$T/hold.emr" "$T/hold.slurm" "$T/hold.cmd"
wait_run reattach $P success 60 || true
run_is reattach $P success || {
	for t in emr_step slurm_job cmd_job make_cluster; do echo "== $t"; cat "$(logf $t 1)" "$(logf $t 2)"; done
	fail "the run did not succeed"
}
for t in emr_step slurm_job cmd_job make_cluster; do
	assert_eq "2|success" "$(ti_field reattach $P $t try_number)|$(ti_field reattach $P $t state)" "$t: one retry, success"
	assert_contains "$(q "SELECT t.error FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = '$t' AND t.try_number = 1")" "lost:"
	assert_eq "ended|2" "$(q "SELECT x.state, x.try_number FROM external_jobs x JOIN task_instances ti ON ti.id = x.ti_id WHERE ti.task_id = '$t'")" "$t: its end recorded"
done
# submitted exactly once each, and the real result recorded
assert_eq 1 "$(grep -c 'ElasticMapReduce AddJobFlowSteps' "$AWS_DOUBLE_LOG")" "EMR steps submitted"
assert_contains "$(cat "$(logf emr_step 2)")" "step $sid: COMPLETED"
assert_eq 1 "$(grep -c ' Name=sluice-reattach-slurm_job ' "$SLURM_JOBCOMP")" \
	"Slurm jobs submitted (jobcomp: $(cat "$SLURM_JOBCOMP"))"
assert_contains "$(grep "JobId=$jid " "$SLURM_JOBCOMP")" "JobState=COMPLETED"
assert_contains "$(cat "$(logf slurm_job 2)")" "slurm-real-result"
assert_contains "$(cat "$(logf slurm_job 2)")" "job $jid: COMPLETED, exit code 0:0"
assert_eq 1 "$(wc -l <"$T/cmd.submits")" "command jobs submitted"
assert_contains "$(cat "$(logf cmd_job 2)")" "job app_1: SUCCEEDED"
[ ! -f "$T/cmd.kills" ] || fail "a followed job was cancelled: $(cat "$T/cmd.kills")"
assert_eq 1 "$(grep -c 'ElasticMapReduce RunJobFlow' "$AWS_DOUBLE_LOG")" "EMR clusters created"
assert_contains "$(cat "$(logf make_cluster 2)")" "cluster $cluster: WAITING"
assert_contains "$(cat "$(logf make_cluster 2)")" "cluster_id=$cluster"

# --- a clear while the job runs and no try does: the next try cancels it
# and submits anew; reattach: false submits anew and leaves it ---
touch "$T/hold.emr"
P=2024-03-02
sl trigger reattach --partition $P >/dev/null
wait_for 30 "the EMR step to run" has "$(logf emr_step 1)" ': RUNNING$'
old=$(sed -n 's/^step \(s-[0-9]*\) submitted$/\1/p' "$(logf emr_step 1)")
tok=$(ti_field reattach $P emr_step token)
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
for part in $(echo $tok | tr ' ' '\n' | sort -r); do kill_try "$part"; done
sl clear reattach --task emr_step --partition $P --yes >/dev/null 2>&1 ||
	sl clear reattach -t emr_step --partition $P >/dev/null
start_scheduler
wait_for 30 "the cleared task's next try" has "$(logf emr_step 2)" ' submitted$'
assert_contains "$(cat "$(logf emr_step 2)")" "external job: emr_step j-REATTACHXXXX/$old of try 1: the task was cleared since: cancelling it, then submitting"
assert_contains "$(grep CancelSteps "$AWS_DOUBLE_LOG")" "\"StepIds\": [\"$old\"]"
assert_eq 3 "$(grep -c 'ElasticMapReduce AddJobFlowSteps' "$AWS_DOUBLE_LOG")" "a cleared task submits anew"
rm -f "$T/hold.emr"
wait_ti reattach $P emr_step success 30
echo ok
