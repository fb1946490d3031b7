#!/bin/bash
# Task outputs end to end (local executor): a shell task writes key=value
# lines and a JSON task one object to $SLUICE_OUTPUT; the values are
# stored with the task instance, shown in the API and on the task page,
# and a downstream task gets them in its command (and its on_success hook,
# and the API's rendered command) as quoted data (a value
# with a quote and $(...) in it runs as text). Too big an output fails the
# task saying why; exit 99 skips a task; a branch task runs only the
# downstream task it names. `sluice test` prints the output.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

web_home
cat > "$H/dags/out.yaml" <<'YAML'
dag: out
schedule: none
tasks:
  extract:
    command: |
      echo "rows=42" >> "$SLUICE_OUTPUT"
      printf '%s\n' "name=it's \$(touch /tmp/pwned-by-output)" >> "$SLUICE_OUTPUT"
  meta:
    command: |
      echo '{"files": 3, "tags": ["a", "b"]}' > "$SLUICE_OUTPUT"
  load:
    after: [extract, meta]
    on_success: echo "hook saw {{ tasks.extract.output.rows }} rows"
    command: |
      echo "got {{ tasks.extract.output.rows }} rows from" {{ tasks.extract.output.name }} "files={{ tasks.meta.output.files }}"
  huge:
    command: |
      head -c 70000 /dev/zero | tr '\0' x | sed 's/^/k=/' > "$SLUICE_OUTPUT"
  nothing:
    command: exit 99
  after_nothing: {after: [nothing], command: "true"}
  hooked: {command: "true", on_success: "echo cleaning up; exit 3"}
  pick:
    branch: true
    command: |
      echo branch=left > "$SLUICE_OUTPUT"
  left: {after: [pick], command: "true"}
  right: {after: [pick], command: "true"}
YAML
start_standalone
sl trigger out --partition p1 >/dev/null
wait_ti out p1 load success 60
wait_ti out p1 huge failed
wait_ti out p1 after_nothing skipped
wait_ti out p1 left success
wait_ti out p1 right skipped

# the downstream command got the values as data
log=$(cat "$H/logs/out/p1/load/try-1.log")
assert_contains "$log" "got 42 rows from it's \$(touch /tmp/pwned-by-output) files=3"
[ ! -e /tmp/pwned-by-output ] || fail "an output value ran as code"
# its on_success hook too (it appends to the try's log after the end)
wait_for 20 "load's hook" grep -q "hook saw 42 rows" "$H/logs/out/p1/load/try-1.log"
# a hook that fails says so in the try's log; one that succeeds does not
wait_for 20 "hooked's failed hook in its log" \
	grep -q "on_success hook exited with status 3" "$H/logs/out/p1/hooked/try-1.log"
assert_contains "$(cat "$H/logs/out/p1/hooked/try-1.log")" "cleaning up"
assert_not_contains "$(cat "$H/logs/out/p1/load/try-1.log")" "hook exited"

# stored, and in the API
assert_eq '{"name":"it'"'"'s $(touch /tmp/pwned-by-output)","rows":"42"}' \
	"$(q "SELECT output FROM task_instances WHERE task_id = 'extract'")"
assert_status 200 GET /dags/out/runs/p1/tasks/meta
assert_eq 3 "$(jget 'd["output"]["files"]')"
assert_eq '["a", "b"]' "$(jget 'd["output"]["tags"]')"
assert_status 200 GET /dags/out/runs/p1
assert_eq 42 "$(jget '[t for t in d["task_instances"] if t["task"] == "extract"][0]["output"]["rows"]')"
assert_eq null "$(jget '[t for t in d["task_instances"] if t["task"] == "load"][0]["output"]')"
# the command as the next try would run it, with the upstream's values
assert_status 200 GET /dags/out/runs/p1/tasks/load
assert_contains "$(jget 'd["command"]["rendered"]')" "echo \"got \"'42'\" rows from\""

# on the task page
page=$(curl -sS -H "Authorization: Bearer $OPS_TOKEN" "$URL/dags/out/runs/p1/tasks/extract")
assert_contains "$page" '<h2>Output</h2>'
assert_contains "$page" '<td><code>rows</code></td><td><code>42</code></td>'
assert_contains "$page" 'it&#39;s $(touch /tmp/pwned-by-output)'

# too big: failed, saying why
assert_contains "$(ti_field out p1 huge error)" "more than the 65536 (64 KiB)"
assert_contains "$(cat "$H/logs/out/p1/huge/try-1.log")" "64 KiB"
# exit 99: skipped, not failed
assert_eq skipped "$(ti_field out p1 nothing state)"
assert_eq "" "$(ti_field out p1 nothing error)"
# sluice test shows the output and records nothing
out=$(sl test out extract p9 2>&1)
assert_contains "$out" 'sluice: output: {"name":"it'"'"'s $(touch /tmp/pwned-by-output)","rows":"42"}'
[ ! -e "$H/logs/out/p9" ] || fail "sluice test wrote into the logs folder"
echo "ok"
