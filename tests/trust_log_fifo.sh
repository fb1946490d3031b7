#!/bin/bash
# What a task leaves at the place of its log or of $SLUICE_OUTPUT is read
# by the scheduler when the try ends (the last line its error quotes, the
# closing "try failed" line, the on_failure hook's output, the output
# file). A FIFO there (no writer, no reader) made open(2) wait for ever:
# the scheduler and its web stopped. Now the try ends as any failed try,
# with its exit code as its error, and everything else goes on.
. "$SLUICE_SRCDIR/tests/setup.sh"

new_home
cat > "$H/dags/fifo.yaml" <<'YAML'
dag: fifo
schedule: none
tasks:
  log:
    command: 'f="$SLUICE_HOME/logs/fifo/$SLUICE_PARTITION/log/try-$SLUICE_TRY.log"; rm -f "$f"; mkfifo "$f"; exit 7'
    on_failure: "echo hook ran"
  out: {command: 'rm -f "$SLUICE_OUTPUT"; mkfifo "$SLUICE_OUTPUT"; echo done'}
  next: {command: "echo fine", trigger_rule: all_done, after: [log, out]}
YAML
start_standalone
sl trigger fifo --partition p1 >/dev/null
wait_run fifo p1 failed 30
assert_eq "exit code 7" "$(ti_field fifo p1 log error)" "the FIFO log's try: its exit code, no line quoted"
assert_eq failed "$(ti_field fifo p1 out state)" "a FIFO as the output file"
assert_contains "$(ti_field fifo p1 out error)" "is not a regular file"
assert_eq success "$(ti_field fifo p1 next state)" "the task after them"
curl -fsS -m 5 "$URL/health" >/dev/null || fail "the web does not answer /health"
echo "trust_log_fifo: ok"
