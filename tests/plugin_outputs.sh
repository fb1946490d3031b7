#!/bin/bash
# Task outputs through an executor plug-in (executor.h version 3: the
# try's output is at task->output_path when done comes). The example
# plug-in with remote_dir acts as an executor whose tries run on another
# host: the try's $SLUICE_OUTPUT is a file of its own under remote_dir,
# copied back when the try ends (then removed there), so a downstream task
# reads {{ tasks.extract.output.rows }}; more than 64 KiB fails the try as
# on the local executor.
. "$SLUICE_SRCDIR/tests/setup.sh"

so=$SLUICE_BUILDDIR/executors/plugins/sluice-example.so
[ -f "$so" ] || fail "$so is not built (make check builds it)"
new_home
mkdir -p "$T/remote"
cat >"$H/sluice.yaml" <<YAML
executors:
  far: {type: plugin, path: $so, slots: 2, marker: far, remote_dir: $T/remote}
YAML
cat >"$H/dags/plug.yaml" <<YAML
dag: plug
schedule: none
tasks:
  extract:
    executor: far
    command: |
      case "\$SLUICE_OUTPUT" in $T/remote/*) ;; *) echo "not the plug-in's own file: \$SLUICE_OUTPUT"; exit 1;; esac
      echo "\$SLUICE_OUTPUT" > $T/remote-path
      echo "rows=42" >> "\$SLUICE_OUTPUT"
  load:
    after: [extract]
    executor: local
    command: echo "loaded {{ tasks.extract.output.rows }} rows"
  huge:
    executor: far
    command: |
      head -c 70000 /dev/zero | tr '\0' x | sed 's/^/k=/' > "\$SLUICE_OUTPUT"
YAML
start_scheduler
sl trigger plug --partition p1 >/dev/null
wait_ti plug p1 load success 60
wait_ti plug p1 huge failed 60
assert_contains "$(cat "$H/logs/plug/p1/extract/try-1.log")" "example plug-in far: try 1 on localhost"
assert_contains "$(cat "$H/logs/plug/p1/load/try-1.log")" "loaded 42 rows"
assert_eq '{"rows":"42"}' "$(q "SELECT output FROM task_instances WHERE task_id = 'extract'")"
# copied back, then removed on the "remote" side
remote_path=$(cat "$T/remote-path")
case $remote_path in "$T/remote/"*) ;; *) fail "the try's output file was $remote_path" ;; esac
[ ! -e "$remote_path" ] || fail "the try's output is still on the remote side: $remote_path"
assert_contains "$(ti_field plug p1 huge error)" "more than the 65536 (64 KiB)"
echo ok
