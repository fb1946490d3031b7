#!/bin/bash
# bench/ssh.sh: 1,000 short tasks (`true`) over sluice's ssh executor to
# one host with 8 slots, side by side with the same 1,000 commands run by
# OpenSSH's ssh through a ControlMaster connection with xargs -P 8. Both
# against the same sshd on loopback in the same run; prints both times and
# the ratio (sluice / ssh: below 1 means sluice is faster).
#
#   bench/ssh.sh [BUILD_DIR] [N]       (BUILD_DIR holds tests/exec_driver)
#
# The sluice side includes its connection set-up; the OpenSSH side starts
# its master connection before the clock starts.
SLUICE_BUILDDIR=$(cd "${1:-.}" && pwd)
N=${2:-1000}
SLUICE_SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
export SLUICE_BUILDDIR SLUICE_SRCDIR
. "$SLUICE_SRCDIR/tests/setup.sh"
DRIVER=$SLUICE_BUILDDIR/tests/exec_driver
[ -x "$DRIVER" ] || fail "no $DRIVER: build it with make tests/exec_driver"

start_sshd bench
port=$(sshd_port bench)
mkdir -p "$T/logs"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# sluice: the executor through the driver, 8 slots on one host.
cfg=$(ssh_config_json bench '"slots_per_host": 8')
t0=$(now_ms)
"$DRIVER" -c "$cfg" -n "$N" -L "$T/logs" -T 3600 -- true >"$T/sluice.out"
t1=$(now_ms)
ok=$(grep -c '"exit_code":0,' "$T/sluice.out" || true)
[ "$ok" = "$N" ] || fail "sluice: only $ok of $N tasks succeeded"
sluice_ms=$((t1 - t0))

# OpenSSH: one ControlMaster connection, 8 commands at a time.
ssh_opts=(-o BatchMode=yes -o UserKnownHostsFile="$SSH_DIR/known_hosts"
	-o StrictHostKeyChecking=yes -i "$SSH_DIR/id_ed25519" -p "$port"
	-o ControlPath="$T/cm" -l "$(id -un)")
ssh "${ssh_opts[@]}" -o ControlMaster=yes -o ControlPersist=600 -N -f 127.0.0.1
on_exit "ssh ${ssh_opts[*]} -O exit 127.0.0.1"
ssh "${ssh_opts[@]}" 127.0.0.1 true || fail "the ControlMaster connection does not work"
t0=$(now_ms)
seq "$N" | xargs -P 8 -I{} ssh "${ssh_opts[@]}" 127.0.0.1 true 2>>"$T/ssh.err"
t1=$(now_ms)
ssh_ms=$((t1 - t0))

ratio=$(awk -v a="$sluice_ms" -v b="$ssh_ms" 'BEGIN { printf "%.2f", a / b }')
echo "tasks: $N true, one host, 8 at a time"
echo "sluice ssh executor:          ${sluice_ms} ms ($(awk -v n="$N" -v t="$sluice_ms" 'BEGIN { printf "%.0f", n * 1000 / t }') tasks/s)"
echo "ssh ControlMaster + xargs -P8: ${ssh_ms} ms ($(awk -v n="$N" -v t="$ssh_ms" 'BEGIN { printf "%.0f", n * 1000 / t }') tasks/s)"
echo "ratio sluice/ssh: $ratio"
