# tests/servers/slurm.sh: a one-node Slurm cluster on loopback (Debian's
# slurm-wlm + munge), for the cluster_job tests.
#
# start_slurm: munged, slurmctld and slurmd (node "localhost") with their
# state, spool, logs and ports under $T/slurm; waits until the node is idle.
# Exports SLURM_CONF so sbatch/squeue/scancel/scontrol reach it. Without
# slurmdbd there is no sacct data: finished jobs stay visible to
# `scontrol show job` for MinJobAge (300 s) and in $SLURM_JOBCOMP.
start_slurm() {
	local S=$T/slurm pid ctl_port d_port
	for b in munged mungekey slurmctld slurmd sbatch squeue scancel scontrol sinfo; do
		command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] ||
			fail "$b is missing: run scripts/deps --test (slurm-wlm, munge)"
	done
	mkdir -p "$S/munge" "$S/state" "$S/spool" "$S/log" "$S/run"
	chmod 755 "$S" "$S/munge"
	/usr/sbin/mungekey -c -k "$S/munge/munge.key" 2>/dev/null || mungekey -c -k "$S/munge/munge.key"
	chmod 600 "$S/munge/munge.key"
	/usr/sbin/munged -F --socket="$S/munge/munge.sock" --key-file="$S/munge/munge.key" \
		--pid-file="$S/munge/munged.pid" --log-file="$S/munge/munged.log" \
		--seed-file="$S/munge/munged.seed" --force >"$S/log/munged.out" 2>&1 &
	pid=$!
	on_exit "stop_pid $pid"
	wait_for 10 "munged socket" test -S "$S/munge/munge.sock"
	ctl_port=$(free_port)
	d_port=$(free_port)
	cat >"$S/slurm.conf" <<EOC
ClusterName=ci
SlurmctldHost=localhost
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$S/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/run/slurmctld.pid
SlurmdPidFile=$S/run/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$S/log/jobcomp.txt
SchedulerParameters=sched_interval=1
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOC
	export SLURM_CONF=$S/slurm.conf SLURM_JOBCOMP=$S/log/jobcomp.txt
	/usr/sbin/slurmctld -D -i -f "$SLURM_CONF" >"$S/log/slurmctld.out" 2>&1 &
	pid=$!
	on_exit "stop_pid $pid"
	/usr/sbin/slurmd -D -N localhost -f "$SLURM_CONF" >"$S/log/slurmd.out" 2>&1 &
	pid=$!
	on_exit "stop_pid $pid"
	wait_for 60 "the Slurm node to be idle" _slurm_idle
}

_slurm_idle() {
	sinfo -h -N -o '%t' 2>/dev/null | grep -qx idle
}
