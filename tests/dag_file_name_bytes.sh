#!/bin/bash
# A DAG file whose name is not UTF-8 (bad\xff.yaml): it is not loaded but
# listed as an error that names it escaped (the API, the DAG list page
# and `dags list` answered 500 "database: not an error"), as dags
# validate says it; nothing of it reaches the database. A database that already holds such a file name
# (an older sluice stored it) shows it escaped: the API, the page and
# `dags list` crashed on it, at every start.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
web_home
printf 'dag: fn2\ntasks:\n  a: {command: echo}\n' >"$H/dags/bad"$'\xff'".yaml"
printf 'dag: ok\ntasks:\n  a: {command: echo}\n' >"$H/dags/ok.yaml"
start_standalone
login viewer "$VIEWER_PW" "$T/jar"
want='bad\xff.yaml: the file name is not valid UTF-8'
want_json='bad\\xff.yaml: the file name is not valid UTF-8'	# as jget prints it

check_lists() {
	assert_status 200 GET /dags "" "$VIEWER_TOKEN"
	jget 'd["errors"]' | grep -qF "$want_json" || fail "the API's errors: $(cat "$T/body")"
	assert_eq '["ok"]' "$(jget 'sorted(x["dag"] for x in d["dags"] if x["loaded"])')" "the DAGs loaded"
	code=$(curl -sS -o "$T/page" -w '%{http_code}' -b "$T/jar" "$URL/")
	assert_eq 200 "$code" "the DAG list page"
	assert_contains "$(cat "$T/page")" "$want"
	sl dags list >"$T/out" 2>&1 || fail "dags list: $(cat "$T/out")"
	assert_contains "$(cat "$T/out")" "$want"
}
loaded_ok() { api GET /dags "" "$VIEWER_TOKEN" >/dev/null; jget 'd["dags"]' | grep -q '"ok"'; }
wait_for 20 "DAG ok loaded" loaded_ok
check_lists
assert_eq 0 "$(q "SELECT count(*) FROM dags WHERE dag_id = 'fn2' OR file LIKE '%bad%'")" "rows of the badly named file"
# dags validate says it, of the folder and of the file given (it said
# "cannot open" of the escaped name, and the file alone was OK)
for args in "" "$H/dags/bad"$'\xff'".yaml"; do
	if sl dags validate $args >"$T/out" 2>&1; then fail "dags validate $args passed: $(cat "$T/out")"; fi
	assert_contains "$(cat "$T/out")" "$want" "dags validate $args"
	assert_not_contains "$(cat "$T/out")" "cannot open" "dags validate $args"
done

# a database that holds such a name already (as an older sluice stored
# it), its file then removed, and a restart
stop_pid "$SCHED_PID"
rm "$H/dags/bad"$'\xff'".yaml"
q "INSERT INTO dags (dag_id, paused, file, updated_at) VALUES ('fn2', 0, CAST(X'$(printf '%s/dags/bad' "$H" | od -An -tx1 | tr -d ' \n')ff2e79616d6c' AS TEXT), 0)"
start_standalone
wait_for 20 "DAG ok loaded after the restart" loaded_ok
assert_status 200 GET /dags "" "$VIEWER_TOKEN"
jget '[x["file"] for x in d["dags"] if x["dag"] == "fn2"]' | grep -qF 'bad\\xff.yaml' ||
	fail "fn2's file in the API: $(cat "$T/body")"
jget '[x["error"] for x in d["dags"] if x["dag"] == "fn2"]' | grep -qF 'the DAG file is gone' ||
	fail "fn2's error in the API: $(cat "$T/body")"
code=$(curl -sS -o "$T/page" -w '%{http_code}' -b "$T/jar" "$URL/")
assert_eq 200 "$code" "the DAG list page with the stored name"
assert_contains "$(cat "$T/page")" 'bad\xff.yaml'
sl dags list >"$T/out" 2>&1 || fail "dags list with the stored name: $(cat "$T/out")"
assert_contains "$(cat "$T/out")" 'bad\xff.yaml'
pid_gone "$SCHED_PID" && fail "standalone exited: $(tail -5 "$T/scheduler.log")"
# the file back, as it was: listed as the error again, the process lives
printf 'dag: fn2\ntasks:\n  a: {command: echo}\n' >"$H/dags/bad"$'\xff'".yaml"
has_err() { api GET /dags "" "$VIEWER_TOKEN" >/dev/null; jget 'd["errors"]' | grep -qF "$want_json"; }
wait_for 20 "the badly named file listed again" has_err
check_lists
pid_gone "$SCHED_PID" && fail "standalone exited: $(tail -5 "$T/scheduler.log")"
echo "dag_file_name_bytes: ok"
