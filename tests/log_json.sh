#!/bin/bash
# log_format: json and log_file: the scheduler's own log is one JSON
# object per line (time in UTC ending in Z, level, event; the try lines
# carry dag, task, partition and try); SIGHUP opens the file again (after
# logrotate moved it away) and reloads sluice.yaml: parallelism is applied,
# a database: change is named as needing a restart.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/jl.yaml" <<'YAML'
dag: jl
tasks:
  a: {command: 'echo a'}
  b: {after: [a], command: 'exit 3', retries: 1, retry_delay: 1s}
YAML
cat >"$H/sluice.yaml" <<'YAML'
log_format: json
log_file: sched.log
parallelism: 8
dags_paused_at_creation: false
YAML
L=$H/sched.log
"$SLUICE" --home "$H" scheduler >>"$T/stderr.log" 2>&1 &
SCHED_PID=$!
on_exit "stop_pid $SCHED_PID"
started() {
	grep -q 'scheduler started' "$L" 2>/dev/null && return 0
	kill -0 "$SCHED_PID" 2>/dev/null || fail "the scheduler exited: $(tail -5 "$T/stderr.log")"
	return 1
}
wait_for 15 "the scheduler to log to its log_file" started
sl trigger jl --partition p1 >/dev/null
wait_run jl p1 failed 60

# every line: a JSON object with time (UTC, Z), level, event
check_lines() {
	/usr/bin/python3 -c '
import json, sys
n = 0
for i, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    n += 1
    o = json.loads(line)
    assert isinstance(o, dict), "line %d: not an object" % i
    assert o["time"].endswith("Z"), "line %d: time %r" % (i, o["time"])
    assert o["level"] in ("debug", "info", "warn", "error"), "line %d" % i
    assert isinstance(o["event"], str) and o["event"], "line %d" % i
print(n)
' "$1"
}
n=$(check_lines "$L") || fail "a line of $L is not a log object: $(cat "$L")"
[ "$n" -ge 5 ] || fail "only $n lines in $L"

# the try lines carry their fields
fields() {
	jq -c --arg ev "$1" 'select(.event | test($ev)) | [.level, .dag, .task, .partition, .try]' "$L"
}
assert_eq '["info","jl","a","p1",1]' "$(fields '^jl a p1: try 1 started')" "try start: fields"
assert_eq '["info","jl","a","p1",1]' "$(fields '^jl a p1: try 1 succeeded')" "try end: fields"
assert_eq '["warn","jl","b","p1",1]' "$(fields '^jl b p1: try 1 of 2 failed: exit code 3; retrying')" "a retry: fields"
assert_eq '["error","jl","b","p1",2]' "$(fields '^jl b p1: try 2 of 2 failed: exit code 3$')" "a failure: fields"
assert_eq '["error","jl",null,"p1",null]' "$(fields '^run jl p1: failed$')" "a run's end: dag and partition"
[ -z "$(grep -v '"partition"' "$L" | grep '"try"' || true)" ] || fail "a try line without its partition"
assert_eq "" "$(grep -F 'jl a p1' "$T/stderr.log" || true)" "nothing of the log on stderr"

# logrotate: the file moved away, SIGHUP: a new file is created and written
mv "$L" "$L.1"
kill -HUP "$SCHED_PID"
reopened() { grep -q 'SIGHUP: log reopened' "$L" 2>/dev/null; }
wait_for 15 "a new $L after SIGHUP" reopened
sl trigger jl --partition p2 >/dev/null
wait_run jl p2 failed 60
wait_for 15 "p2's tries in the new file" grep -q '"partition":"p2"' "$L"
assert_eq "" "$(grep '"p2"' "$L.1" || true)" "the moved file gets nothing more"
check_lines "$L" >/dev/null || fail "the new file: $(cat "$L")"

# a reopen that fails (a folder where the file goes): said, and the
# reload's line does not claim the log was reopened
mv "$L" "$L.2"
mkdir "$L"
kill -HUP "$SCHED_PID"
hup_said() { grep -q 'sluice.yaml reloaded' "$L.2" && [ "$(grep -c 'sluice.yaml reloaded' "$L.2")" -ge 2 ]; }
wait_for 15 "the failed reopen's reload line" hup_said
line=$(jq -r 'select(.event | test("sluice.yaml reloaded")) | .event' "$L.2" | tail -1)
assert_contains "$line" "SIGHUP: log not reopened (above), sluice.yaml reloaded" "the reload line after a failed reopen"
assert_contains "$(jq -r '.event' "$L.2")" "the log goes on where it was" "the failed reopen"
rmdir "$L"
mv "$L.2" "$L"
kill -HUP "$SCHED_PID"
wait_for 15 "the log reopened again" grep -q 'SIGHUP: log reopened' "$L"

# reload: parallelism is applied, database is named as needing a restart
sed -i 's/^parallelism: 8$/parallelism: 3/' "$H/sluice.yaml"
printf 'database: other.db\n' >>"$H/sluice.yaml"
kill -HUP "$SCHED_PID"
reloaded() { grep -q 'sluice.yaml reloaded: applied parallelism' "$L"; }
wait_for 15 "the reload line" reloaded
line=$(jq -r 'select(.event | test("sluice.yaml reloaded")) | .event' "$L" | tail -1)
assert_contains "$line" "applied parallelism" "parallelism applied"
assert_contains "$line" "need a restart (the running values stay): database" "database needs a restart"
assert_not_contains "$line" "log_format" "unchanged keys are not named"
[ ! -e "$H/other.db" ] || fail "the database was switched without a restart"
# the running scheduler still works on its database, with the new value
# (the CLI reads sluice.yaml too: it goes back to the running database)
sed -i '/^database: other.db$/d' "$H/sluice.yaml"
sl trigger jl --partition p3 >/dev/null
wait_run jl p3 failed 60

# text stays as it was: TIME message
sed -i 's/^log_format: json$/log_format: text/' "$H/sluice.yaml"
kill -HUP "$SCHED_PID"
wait_for 15 "the text format" grep -q 'Z SIGHUP: log reopened, sluice.yaml reloaded: applied log_format' "$L"
grep 'applied log_format' "$L" | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z SIGHUP' ||
	fail "a text line: $(tail -1 "$L")"

# a bad log_format is refused with its values
printf 'log_format: xml\n' >"$T/bad.yaml"
mkdir -p "$T/h2"; cp "$T/bad.yaml" "$T/h2/sluice.yaml"
rc=0; out=$("$SLUICE" --home "$T/h2" dags list 2>&1) || rc=$?
assert_contains "$out" "log_format: expected text or json" "a bad format is refused"
echo "log_json: ok"
