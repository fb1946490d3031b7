#!/bin/bash
# Transient EMR clusters against the loopback AWS test double (EMR has no
# local server; the double verifies every signature with botocore and walks
# STARTING -> BOOTSTRAPPING -> RUNNING -> WAITING, TERMINATING ->
# TERMINATED): cluster_job with create_cluster: (RunJobFlow, wait for
# WAITING, the cluster id in the log), a cluster that fails to start, a try
# stopped while its cluster starts (the cluster is terminated), emr_terminate,
# the load-time checks of create_cluster, and a DAG that creates a cluster,
# runs a step on it (cluster_from:) and terminates it, through the scheduler.
. "$SLUICE_SRCDIR/tests/setup.sh"
drv=$SLUICE_BUILDDIR/tests/op_driver
start_aws_double --key AKIDEMR:emr-secret
export AWS_ACCESS_KEY_ID=AKIDEMR AWS_SECRET_ACCESS_KEY=emr-secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_EMR=$AWS_DOUBLE_URL
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

create() {
	printf '{"type":"cluster_job","dag":"retail","task":"%s","partition":"2024-01-01","options":{"backend":"emr","poll_interval":50,"create_cluster":%s}}' "$1" "$2"
}
groups='"instance_groups":[{"role":"MASTER","instance_type":"m5.xlarge","count":"1"},{"role":"CORE","instance_type":"m5.xlarge","count":"2","market":"SPOT","bid_price":"0.10"}]'

# ---- create_cluster: RunJobFlow, then WAITING ----
out=$(create make "{\"name\":\"retail-2024-01-01\",\"release_label\":\"emr-7.1.0\",\"applications\":[\"Spark\",\"Hadoop\"],$groups,\"log_uri\":\"s3://emr-logs/retail/\",\"tags\":{\"team\":\"retail\"},\"idle_timeout\":\"2h\"}" |
	"$drv" run cluster_job) || fail "create_cluster failed: $out"
cid=$(echo "$out" | sed -n 's/^cluster \(j-[0-9A-Z]*\) created$/\1/p')
[ -n "$cid" ] || fail "no cluster id in: $out"
assert_contains "$out" "creating EMR cluster 'retail-2024-01-01' (emr-7.1.0, emr at $AWS_DOUBLE_URL"
assert_contains "$out" "cluster $cid: STARTING
cluster $cid: BOOTSTRAPPING
cluster $cid: RUNNING
cluster $cid: WAITING
cluster $cid: master ec2-192-0-2-10.compute-1.amazonaws.com"
assert_contains "$out" "cluster_id=$cid"
assert_contains "$out" "external job: not recorded (this try belongs to no task instance)"
run=$(grep 'ElasticMapReduce RunJobFlow' "$AWS_DOUBLE_LOG" | head -1)
assert_contains "$run" '"ReleaseLabel": "emr-7.1.0"'
assert_contains "$run" '"Applications": [{"Name": "Spark"}, {"Name": "Hadoop"}]'
assert_contains "$run" '"InstanceGroups": [{"InstanceCount": 1, "InstanceRole": "MASTER", "InstanceType": "m5.xlarge"}, {"BidPrice": "0.10", "InstanceCount": 2, "InstanceRole": "CORE", "InstanceType": "m5.xlarge", "Market": "SPOT"}]'
assert_contains "$run" '"KeepJobFlowAliveWhenNoSteps": true'
assert_contains "$run" '"JobFlowRole": "EMR_EC2_DefaultRole"'
assert_contains "$run" '"ServiceRole": "EMR_DefaultRole"'
assert_contains "$run" '"LogUri": "s3://emr-logs/retail/"'
assert_contains "$run" '"AutoTerminationPolicy": {"IdleTimeout": 7200}'
assert_contains "$run" '{"Key": "team", "Value": "retail"}'
assert_contains "$run" '{"Key": "sluice:dag", "Value": "retail"}'
assert_contains "$run" '{"Key": "sluice:partition", "Value": "2024-01-01"}'
assert_contains "$run" "caller=AKIDEMR"

# instance fleets, and the default name
out=$(create fleet '{"release_label":"emr-7.1.0","service_role":"MyEmrRole","instance_fleets":[{"role":"MASTER","target_on_demand":"1","instance_types":["m5.xlarge"]},{"role":"CORE","target_spot":"4","instance_types":[{"instance_type":"r5.2xlarge","weighted_capacity":"2"}]}]}' |
	"$drv" run cluster_job) || fail "fleet cluster failed: $out"
assert_contains "$out" "creating EMR cluster 'retail.fleet 2024-01-01'"
run=$(grep 'ElasticMapReduce RunJobFlow' "$AWS_DOUBLE_LOG" | tail -1)
assert_contains "$run" '"InstanceFleets": [{"InstanceFleetType": "MASTER", "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}], "TargetOnDemandCapacity": 1}'
assert_contains "$run" '{"InstanceType": "r5.2xlarge", "WeightedCapacity": 2}'
assert_contains "$run" '"ServiceRole": "MyEmrRole"'

# a cluster that fails to start: the try fails with AWS's reason
out=$(create bad "{\"name\":\"fail-on-purpose\",\"release_label\":\"emr-7.1.0\",$groups}" |
	"$drv" run cluster_job) && fail "a failed cluster succeeded: $out"
assert_contains "$out" ": TERMINATED_WITH_ERRORS (VALIDATION_ERROR: The requested instance type m5.nope is not supported"
assert_contains "$out" "ended before it was ready: TERMINATED_WITH_ERRORS"

# stopped (timeout, clear) while it starts: the cluster is terminated
create slow "{\"release_label\":\"emr-7.1.0\",$groups}" |
	sed 's/"poll_interval":50/"poll_interval":3000/' |
	"$drv" run cluster_job >"$T/slow.log" 2>&1 &
pid=$!
on_exit "kill $pid"
wait_for 10 "the cluster to start" grep -q ': STARTING$' "$T/slow.log"
slow=$(sed -n 's/^cluster \(j-[0-9A-Z]*\) created$/\1/p' "$T/slow.log")
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -ne 0 ] || fail "a stopped create_cluster exited 0"
assert_contains "$(cat "$T/slow.log")" "stopping: terminating cluster $slow"
assert_contains "$(grep TerminateJobFlows "$AWS_DOUBLE_LOG")" "\"JobFlowIds\": [\"$slow\"]"

# ---- emr_terminate ----
out=$(printf '{"type":"emr_terminate","options":{"cluster_id":"%s","poll_interval":50}}' "$cid" |
	"$drv" run emr_terminate) || fail "emr_terminate failed: $out"
assert_contains "$out" "terminating EMR cluster $cid"
assert_contains "$out" "cluster $cid: TERMINATING (USER_REQUEST: Terminated by user request)"
assert_contains "$out" "cluster $cid terminated"
# again: it has terminated already, the teardown's work is done
out=$(printf '{"type":"emr_terminate","options":{"cluster_id":"%s","poll_interval":50}}' "$cid" |
	"$drv" run emr_terminate) || fail "emr_terminate of a terminated cluster failed: $out"
assert_contains "$out" "cluster $cid: TERMINATED"
out=$(printf '{"type":"emr_terminate","options":{"cluster_id":"j-NOPE","poll_interval":50}}' |
	"$drv" run emr_terminate) && fail "emr_terminate of an unknown cluster succeeded"
assert_contains "$out" "ValidationException: Specified job flow ID not valid"
out=$(printf '{"type":"emr_terminate","dag":"d","task":"t","options":{"cluster_from":"make"}}' |
	"$drv" run emr_terminate) && fail "cluster_from without a store succeeded"
assert_contains "$out" "cluster_from: make: this try reaches no store"

# ---- load-time checks: the error names the key, line and column ----
new_home
check() {
	cat >"$H/dags/c.yaml"
	out=$(sl dags validate 2>&1) && fail "accepted: $(cat "$H/dags/c.yaml")"
	assert_contains "$out" "$1"
}
check "c.yaml:8:73: tasks.make.create_cluster.instance_groups[0].count: expected a number" <<'YAML'
dag: c
tasks:
  make:
    type: cluster_job
    backend: emr
    create_cluster:
      release_label: emr-7.1.0
      instance_groups: [{role: MASTER, instance_type: m5.xlarge, count: many}]
YAML
check "tasks.make.create_cluster.instance_group: unknown key (known: name, release_label" <<'YAML'
dag: c
tasks:
  make:
    type: cluster_job
    backend: emr
    create_cluster: {release_label: emr-7.1.0, instance_group: []}
YAML
check "tasks.make.create_cluster: needs exactly one of instance_groups or instance_fleets" <<'YAML'
dag: c
tasks:
  make:
    type: cluster_job
    backend: emr
    create_cluster: {release_label: emr-7.1.0}
YAML
check "tasks.make.create_cluster.release_label: is required" <<'YAML'
dag: c
tasks:
  make:
    type: cluster_job
    backend: emr
    create_cluster: {instance_groups: [{role: MASTER, instance_type: m5.xlarge, count: 1}]}
YAML
check "create_cluster makes a cluster and runs no step" <<'YAML'
dag: c
tasks:
  make:
    type: cluster_job
    backend: emr
    spark_submit: [a.py]
    create_cluster: {release_label: emr-7.1.0, instance_groups: [{role: MASTER, instance_type: m5.xlarge, count: 1}]}
YAML
check "backend emr needs exactly one of cluster_id, cluster_from or create_cluster" <<'YAML'
dag: c
tasks:
  step: {type: cluster_job, backend: emr, cluster_id: j-1, cluster_from: make, spark_submit: [a.py]}
YAML
check "emr_terminate needs exactly one of cluster_id or cluster_from" <<'YAML'
dag: c
tasks:
  down: {type: emr_terminate}
YAML

# ---- a DAG: create the cluster, run a step on it, terminate it ----
rm -f "$H/dags/c.yaml"
cat >"$H/dags/transient.yaml" <<'YAML'
dag: transient
tasks:
  create:
    type: cluster_job
    backend: emr
    poll_interval: 100ms
    create_cluster:
      name: "transient-{{ ds }}"
      release_label: emr-7.1.0
      applications: [Spark]
      instance_groups:
        - {role: MASTER, instance_type: m5.xlarge, count: 1}
        - {role: CORE, instance_type: m5.xlarge, count: "{{ params.cores }}"}
      tags: {partition: "{{ ds }}"}
  step:
    after: [create]
    type: cluster_job
    backend: emr
    cluster_from: create
    poll_interval: 100ms
    spark_submit: [s3://code/job.py, "{{ ds }}"]
  terminate:
    after: [step]
    trigger_rule: all_done
    type: emr_terminate
    cluster_from: create
    poll_interval: 100ms
params:
  cores: {default: "3"}
YAML
sl dags validate >/dev/null || fail "transient does not validate: $(sl dags validate 2>&1)"
start_scheduler
sl trigger transient --partition 2024-02-01 >/dev/null
wait_run transient 2024-02-01 success 60 || true
run_is transient 2024-02-01 success || {
	for t in create step terminate; do echo "== $t"; sl logs transient $t 2024-02-01; done
	fail "the transient cluster run did not succeed"
}
made=$(q "SELECT x.job_id FROM external_jobs x JOIN task_instances ti ON ti.id = x.ti_id WHERE ti.task_id = 'create'")
case $made in j-*) ;; *) fail "create recorded no cluster: '$made'" ;; esac
assert_eq "emr_cluster|ended|1" "$(q "SELECT x.kind, x.state, x.try_number FROM external_jobs x JOIN task_instances ti ON ti.id = x.ti_id WHERE ti.task_id = 'create'")"
assert_contains "$(sl logs transient create 2024-02-01)" "creating EMR cluster 'transient-2024-02-01'"
assert_contains "$(sl logs transient create 2024-02-01)" "external job: recorded emr_cluster $made with try 1"
assert_contains "$(grep RunJobFlow "$AWS_DOUBLE_LOG" | tail -1)" '"InstanceCount": 3, "InstanceRole": "CORE"'
assert_contains "$(sl logs transient step 2024-02-01)" "cluster $made, created by task create"
assert_contains "$(grep AddJobFlowSteps "$AWS_DOUBLE_LOG" | tail -1)" "\"JobFlowId\": \"$made\""
assert_contains "$(grep AddJobFlowSteps "$AWS_DOUBLE_LOG" | tail -1)" '"2024-02-01"'
assert_contains "$(sl logs transient terminate 2024-02-01)" "cluster $made terminated"
assert_eq 1 "$(grep -c "TerminateJobFlows {\"JobFlowIds\": \[\"$made\"\]}" "$AWS_DOUBLE_LOG")" "one TerminateJobFlows"
echo ok
