#!/bin/bash
# Task outputs through the ssh executor: the try's $SLUICE_OUTPUT is a
# file of the try on its host (~/.sluice/tries/ID.output), copied back
# when the try ends (then removed there), so a downstream task on another
# executor reads it; more than 64 KiB fails the try as on the local
# executor, also for a try followed after the scheduler was killed.
. "$SLUICE_SRCDIR/tests/setup.sh"
sshd_client
start_sshd box
new_home
cat >"$H/sluice.yaml" <<YAML
executors:
  box: $(ssh_config_json box "\"sluice_path\": \"$SLUICE\"")
YAML
cat >"$H/dags/remote.yaml" <<'YAML'
dag: remote
schedule: none
tasks:
  extract:
    executor: box
    command: |
      case "$SLUICE_OUTPUT" in */.sluice/tries/*.output) ;; *) echo "bad path $SLUICE_OUTPUT"; exit 1;; esac
      echo "$SLUICE_OUTPUT" > GO_DIR/output-path
      printf 'rows=42\nname=%s\n' "it's remote" >> "$SLUICE_OUTPUT"
  load:
    after: [extract]
    executor: local
    command: |
      echo "loaded {{ tasks.extract.output.rows }} from" {{ tasks.extract.output.name }}
  late:
    executor: box
    command: |
      echo started > GO_DIR/late.started
      while [ ! -f GO_DIR/go.late ]; do sleep 0.1; done
      echo "late=yes" > "$SLUICE_OUTPUT"
  huge:
    executor: box
    command: |
      head -c 70000 /dev/zero | tr '\0' x | sed 's/^/k=/' > "$SLUICE_OUTPUT"
YAML
sed -i "s|GO_DIR|$T|g" "$H/dags/remote.yaml"
start_scheduler
sl trigger remote --partition r1 >/dev/null
wait_ti remote r1 load success 60
wait_ti remote r1 huge failed 60
assert_contains "$(cat "$H/logs/remote/r1/load/try-1.log")" "loaded 42 from it's remote"
assert_eq '{"name":"it'"'"'s remote","rows":"42"}' \
	"$(q "SELECT output FROM task_instances WHERE task_id = 'extract'")"
# copied back, then removed on the host
remote_path=$(cat "$T/output-path")
[ ! -e "$remote_path" ] || fail "the try's output is still on its host: $remote_path"
assert_contains "$(ti_field remote r1 huge error)" "more than the 65536 (64 KiB)"

# a try followed after the scheduler was killed: its output still comes back
wait_ti remote r1 late running 30
wait_for 20 "late to start on the host" test -s "$T/late.started"
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to die" pid_gone "$SCHED_PID"
start_scheduler
wait_for 20 "the try to be followed" grep -q "late: try 1 still belongs to executor box: following it" "$T/scheduler.log"
touch "$T/go.late"
wait_ti remote r1 late success 30
assert_eq '{"late":"yes"}' "$(q "SELECT output FROM task_instances WHERE task_id = 'late'")"
echo ok
