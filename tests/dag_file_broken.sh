#!/bin/bash
# A DAG file broken while a try of its DAG runs (an unknown key, then a
# syntax error), and a second file declaring the DAG's name: the try ends
# as it would (success), the run completes on the last good version,
# (a removed file likewise, and its DAG takes no new runs),
# `dags list` and the API show the error on the DAG (and name both files
# for the duplicate), and restoring the file clears it. The task waits for
# a file this test creates, so nothing here sleeps.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
web_home
fb_yaml() {
	cat <<YAML
dag: fb
tasks:
  wait:
    command: [sh, -c, 'while [ ! -e "$T/go.\$SLUICE_PARTITION" ]; do sleep 0.05; done']
  after_wait:
    after: [wait]
    command: "true"
YAML
}
fb_yaml >"$H/dags/fb.yaml"
start_standalone

# the API's view of fb: "ERROR" or "-" when none; the errors list's files
fb_api_error() {
	api GET /dags "" "$VIEWER_TOKEN" >/dev/null
	jget '([x["error"] or "-" for x in d["dags"] if x["dag"] == "fb"] + ["no fb"])[0]'
}
api_errors_has() { api GET /dags "" "$VIEWER_TOKEN" >/dev/null; jget 'd["errors"]' | grep -q "$1"; }
api_no_errors() {
	api GET /dags "" "$VIEWER_TOKEN" >/dev/null
	[ "$(jget 'd["errors"]')" = "[]" ] && [ "$(fb_api_error)" = "-" ]
}
fb_api_error_has() { fb_api_error | grep -q "$1"; }

# one round: start a run, change the folder with CHANGE, check that the
# error shows and the try goes on, let it finish, restore with RESTORE
round() {
	local p=$1 change=$2 restore=$3 want=$4
	sl trigger fb --partition "$p" >/dev/null
	wait_ti fb "$p" wait running
	$change
	wait_for 20 "the API to show the error ($want)" api_errors_has "$want"
	# the try goes on under the last good version
	assert_eq running "$(q "SELECT ti.state FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id = 'fb' AND r.partition = '$p' AND ti.task_id = 'wait'")" "the try after the change"
	touch "$T/go.$p"
	wait_run fb "$p" success
	assert_eq success "$(q "SELECT ti.state FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id = 'fb' AND r.partition = '$p' AND ti.task_id = 'after_wait'")" "the task after it, on the last good version"
	assert_eq 0 "$(q "SELECT count(*) FROM task_tries WHERE error LIKE '%cleared%'")" "no try was stopped as cleared"
	$restore
	wait_for 20 "the error to clear" api_no_errors
}

# --- broken: an unknown key ---
break_key() { fb_yaml >"$T/fb.new"; echo 'bogus_key: 1' >>"$T/fb.new"; mv "$T/fb.new" "$H/dags/fb.yaml"; }
restore() { fb_yaml >"$T/fb.new"; mv "$T/fb.new" "$H/dags/fb.yaml"; }
check_broken_listed() {
	# dags list and the API show the DAG with its error (file:line:column)
	fb_api_error_has "fb.yaml:8:1: unknown key 'bogus_key'" || fail "the API's fb: $(fb_api_error)"
	out=$(sl dags list)
	assert_contains "$out" "fb.yaml:8:1: unknown key 'bogus_key'"
	echo "$out" | grep -Eq '^fb +.*! file broken' || fail "dags list does not mark fb: $out"
	sl --json dags list | /usr/bin/python3 -c '
import json,sys
d = [x for x in json.load(sys.stdin) if x["dag"] == "fb"]
assert len(d) == 1 and "bogus_key" in d[0]["error"], d
'
	# the CLI works on its last good version too, as the scheduler does
	# (runs, tasks, clear, mark said "DAG fb did not load")
	sl tasks fb p1 >"$T/out" 2>"$T/err" || fail "tasks of the broken fb: $(cat "$T/err")"
	assert_contains "$(cat "$T/out")" "after_wait"
	assert_contains "$(cat "$T/err")" "DAG fb's file is broken"
	assert_contains "$(sl runs fb 2>/dev/null)" "p1"
	# sluice test tries the file as it is: refused, with the file's error
	if sl test fb wait p9 >"$T/out" 2>"$T/err"; then fail "test of the broken fb ran: $(cat "$T/out")"; fi
	assert_contains "$(cat "$T/err")" "DAG fb did not load: $H/dags/fb.yaml:"
	# its history stays on the DAG page
	code=$(curl -sS -o "$T/page" -w '%{http_code}' -b "$T/jar" "$URL/dags/fb")
	assert_eq 200 "$code" "the broken DAG's page"
	assert_contains "$(cat "$T/page")" "bogus_key"
}
login viewer "$VIEWER_PW" "$T/jar"
change_key() { break_key; wait_for 20 "the error on fb" fb_api_error_has bogus_key; check_broken_listed; }
round p1 change_key restore "bogus_key"
out=$(sl dags list)
assert_not_contains "$out" "file broken"
assert_not_contains "$out" "errors"

# --- broken: a syntax error ---
break_syntax() { printf 'dag: fb\ntasks: [wait,\n' >"$T/fb.new"; mv "$T/fb.new" "$H/dags/fb.yaml"; }
round p2 break_syntax restore "fb.yaml:"

# --- a second file declaring fb: it is the one in error ---
dup() { printf 'dag: fb\ntasks:\n  other: {command: "true"}\n' >"$H/dags/a_dup.yaml"; }
undup() { rm "$H/dags/a_dup.yaml"; }
check_dup() {
	api_errors_has "a_dup.yaml:1:6: dag 'fb' is already defined in $H/dags/fb.yaml" ||
		fail "the duplicate's error: $(jget 'd["errors"]')"
	assert_eq "-" "$(fb_api_error)" "fb itself has no error"
	assert_eq '["after_wait", "wait"]' "$(api GET /dags/fb "" "$VIEWER_TOKEN" >/dev/null; jget 'sorted(t["name"] for t in d["task_list"])')" "fb keeps its own tasks"
	assert_contains "$(sl dags list)" "a_dup.yaml:1:6: dag 'fb' is already defined in"
}
change_dup() { dup; wait_for 20 "the duplicate's error" api_errors_has a_dup; check_dup; }
round p3 change_dup undup "a_dup.yaml"
# --- the file removed: fb finishes the run it has, creates no new ones ---
gone() { mv "$H/dags/fb.yaml" "$T/fb.kept"; }
back() { mv "$T/fb.kept" "$H/dags/fb.yaml"; }
check_gone() {
	api GET /dags "" "$VIEWER_TOKEN" >/dev/null
	assert_eq true "$(jget '[x["file_missing"] for x in d["dags"] if x["dag"] == "fb"][0]')" "fb's file_missing"
	echo "$(sl dags list)" | grep -Eq '^fb +.*! file gone' || fail "dags list does not mark fb gone: $(sl dags list)"
	assert_eq 409 "$(api POST /dags/fb/runs '{"partition": "p9"}')" "a trigger of a DAG whose file is gone"
	# the CLI reads its history (it said "no DAG named 'fb'") and, as
	# the API, creates no new run of it
	sl runs fb >"$T/out" 2>"$T/err" || fail "runs of the gone fb: $(cat "$T/err")"
	assert_contains "$(cat "$T/out")" "p4"
	assert_contains "$(cat "$T/err")" "is gone; using its last good version"
	set +e
	sl trigger fb --partition p9 >/dev/null 2>"$T/err"; st=$?
	set -e
	assert_eq 1 "$st" "exit code of a CLI trigger of a DAG whose file is gone"
	assert_contains "$(cat "$T/err")" "DAG fb takes no new runs while its file is gone"
}
change_gone() { gone; wait_for 20 "the gone file's error" api_errors_has "the DAG file is gone"; check_gone; }
round p4 change_gone back "the DAG file is gone"
assert_contains "$(cat "$T/scheduler.log")" "DAG file broken: "

# --- a scheduled DAG's file removed: it has no next partition any more
# (the DAG list said the next hour still, beside "file gone") ---
printf 'dag: hg\nschedule: "@hourly"\nstart: 2024-01-01T00:00:00Z\ncatchup: false\ntasks:\n  a: {command: "true"}\n' >"$H/dags/hg.yaml"
hg_next() { api GET /dags "" "$VIEWER_TOKEN" >/dev/null; jget '([x["next_partition"] for x in d["dags"] if x["dag"] == "hg"] + ["no hg"])[0]'; }
hg_has_next() { case "$(hg_next)" in 20*) return 0 ;; *) return 1 ;; esac; }
wait_for 20 "hg loaded, with its next partition" hg_has_next
rm "$H/dags/hg.yaml"
wait_for 20 "hg's file gone" api_errors_has "hg.yaml: the DAG file is gone"
assert_eq null "$(hg_next)" "the next partition of a DAG whose file is gone"
assert_eq null "$(api GET /dags/hg "" "$VIEWER_TOKEN" >/dev/null; jget 'd["next_partition"]')" "its next partition on its own"
echo "dag_file_broken: ok"
