#!/bin/bash
# Tasks of a DAG on a remote host through the ssh executor, driven by the
# scheduler: shell and operator tasks (`sluice operator` on the host), the
# task's env and cwd, the log naming the host, a timeout, and
# `sluice executors` / `sluice executors check`.
. "$SLUICE_SRCDIR/tests/setup.sh"
sshd_client
start_sshd box
new_home
cat >"$H/sluice.yaml" <<YAML
kill_grace: 1s
executors:
  local: {type: local, slots: 4}
  box:
    type: ssh
    hosts: ["127.0.0.1:$(sshd_port box)"]
    user: root
    key: $SSH_DIR/id_ed25519
    known_hosts: $SSH_DIR/known_hosts
    slots_per_host: 2
    sluice_path: $SLUICE
connections:
  lake: {url: "sqlite:lake.db"}
YAML
mkdir -p "$T/remote-cwd"
cat >"$H/dags/remote.yaml" <<YAML
dag: remote
params: {greeting: "it's \"quoted\" \$HOME"}
defaults: {executor: box}
tasks:
  hello:
    command: 'echo "hello from \$(hostname) in \$(pwd) with \$GREETING for \$SLUICE_TASK" | tee greeting.txt'
    cwd: $T/remote-cwd
    env: {GREETING: "{{ params.greeting }}"}
  slow:
    timeout: 1s
    retries: 0
    command: 'echo \$\$ > $T/slow.pid; sleep 300'
  wait_file:
    type: s3_sensor
    executor: box
    url: "file://$T/remote-cwd/greeting.txt"
    poke_interval: 1s
    timeout: 30s
  local_after:
    executor: local
    after: [hello, wait_file]
    command: "echo local"
YAML
sl dags validate >/dev/null
out=$(sl executors)
assert_contains "$out" "box"
assert_contains "$out" "ssh"
out=$(sl executors check box)
assert_contains "$out" "127.0.0.1"
start_scheduler
set +e
sl trigger remote --partition r1 --wait >/dev/null 2>&1
set -e
wait_run remote r1 failed 60
assert_eq success "$(task_state remote r1 hello)"
log=$(sl logs remote hello r1)
assert_contains "$log" "127.0.0.1"
assert_contains "$log" "in $T/remote-cwd with it's \"quoted\" \$HOME for hello"
assert_eq box "$(ti_field remote r1 hello executor)" "executor recorded"
assert_eq "127.0.0.1:$(sshd_port box)" "$(ti_field remote r1 hello host)" "host recorded"
assert_eq success "$(task_state remote r1 wait_file)" "a sensor poking through ssh"
assert_eq success "$(task_state remote r1 local_after)"
assert_eq failed "$(task_state remote r1 slow)"
assert_contains "$(ti_field remote r1 slow error)" "timed out"
wait_for 10 "the remote timed-out process to be gone" pid_gone "$(cat "$T/slow.pid")"
echo "run_ssh: ok"
