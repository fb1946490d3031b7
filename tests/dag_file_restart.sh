#!/bin/bash
# The last good version of a DAG outlives the scheduler. A DAG file is
# broken while a try of its DAG runs, then the scheduler dies (kill -9;
# then SIGTERM, which leaves the try running): the next scheduler starts
# with the file still broken, loads the DAG from the source the database
# stored when the file last loaded, adopts the try (not killed, not
# retried), the run completes, and the API and the DAG's page show the
# DAG with its tasks, its history and the file's error. Fixing the file
# lets the new version take over (and stores it). A file that never
# loaded has nothing stored: it stays an error. The task waits for a file
# this test creates, so nothing here sleeps.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
web_home
fr_yaml() {
	cat <<YAML
dag: fr
tasks:
  wait:
    command: [sh, -c, 'while [ ! -e "$T/go.\$SLUICE_PARTITION" ]; do sleep 0.05; done']
  after_wait:
    after: [wait]
    command: "true"
YAML
}
fr_yaml >"$H/dags/fr.yaml"
start_standalone

stored_hash() { q "SELECT hash FROM dag_sources WHERE dag_id = 'fr'"; }
file_hash() { sha256sum "$H/dags/fr.yaml" | cut -d' ' -f1; }
api_fr_error() {
	api GET /dags "" "$VIEWER_TOKEN" >/dev/null
	jget '([x["error"] or "-" for x in d["dags"] if x["dag"] == "fr"] + ["no fr"])[0]'
}
api_fr_error_has() { api_fr_error | grep -q "$1"; }
api_fr_clean() { [ "$(api_fr_error)" = "-" ]; }
fr_tasks() {
	api GET /dags/fr "" "$VIEWER_TOKEN" >/dev/null
	jget 'sorted(t["name"] for t in d["task_list"])'
}
# (read the database: the CLI's verbs would say which version they use)
ti_state() { ti_field fr "$1" "$2" state; }
run_db_state() { q "SELECT state FROM dag_runs WHERE dag_id = 'fr' AND partition = '$1'"; }

# the file that loaded is stored, with its SHA-256 and path
wait_for 20 "fr's source to be stored" sh -c "[ -n \"\$(sqlite3 '$H/sluice.db' \"SELECT hash FROM dag_sources WHERE dag_id = 'fr'\")\" ]"
assert_eq "$(file_hash)" "$(stored_hash)" "the stored hash"
assert_eq "$H/dags/fr.yaml" "$(q "SELECT file FROM dag_sources WHERE dag_id = 'fr'")" "the stored path"
assert_eq "$(cat "$H/dags/fr.yaml")" "$(q "SELECT CAST(source AS TEXT) FROM dag_sources WHERE dag_id = 'fr'")" "the stored text"

# round P BREAK STOP WANT PAGE_WANT (WANT as the page escapes it): a try of partition P runs; BREAK breaks the
# file, STOP stops the scheduler (the try goes on), a new one starts with
# the file broken and finishes the run on the stored version
round() {
	local p=$1 brk=$2 stop=$3 want=$4 page_want=$5
	sl trigger fr --partition "$p" >/dev/null
	# running is committed before the try's process starts: the stop
	# below must find a started try to adopt
	wait_started fr "$p" wait
	$brk
	wait_for 20 "the API to show fr's error ($want)" api_fr_error_has "$want"
	$stop
	wait_for 10 "the scheduler to stop" pid_gone "$SCHED_PID"
	assert_eq running "$(ti_state "$p" wait)" "the row of the try left running"
	start_standalone
	# the DAG came from the database: the try is adopted
	assert_contains "$(cat "$T/scheduler.log")" "goes on with its last good version (from the database)"
	wait_for 10 "the try to be adopted" grep -q "fr wait: try 1 still belongs to executor local: following it" "$T/scheduler.log"
	api_fr_error_has "$want" || fail "the API's fr after the restart: $(api_fr_error)"
	assert_eq '["after_wait", "wait"]' "$(fr_tasks)" "fr's tasks, from the stored version"
	code=$(curl -sS -o "$T/page" -w '%{http_code}' -b "$T/jar" "$URL/dags/fr")
	assert_eq 200 "$code" "the broken DAG's page after the restart"
	assert_contains "$(cat "$T/page")" "The DAG file is broken"
	assert_contains "$(cat "$T/page")" "$page_want"
	assert_contains "$(sl dags list)" "$want"
	# the try goes on, then ends as it would
	assert_eq running "$(ti_state "$p" wait)" "the adopted try"
	touch "$T/go.$p"
	wait_run fr "$p" success
	assert_eq success "$(ti_state "$p" after_wait)" "the task after it, on the stored version"
	assert_eq 1 "$(ti_field fr "$p" wait try_number)" "no try spent on the restart"
	assert_eq 0 "$(q "SELECT count(*) FROM task_tries WHERE error LIKE 'lost%' OR error LIKE '%cleared%'")" "no try lost or stopped"
	assert_eq 1 "$(q "SELECT count(*) FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id JOIN dag_runs r ON r.id = ti.run_id WHERE r.partition = '$p' AND ti.task_id = 'wait'")" "the try recorded once"
	# the run's history shows in the DAG's grid
	assert_eq success "$(grid_state fr "$p" after_wait)" "the grid's cell"
}
login viewer "$VIEWER_PW" "$T/jar"
good_hash=$(stored_hash)
break_key() { fr_yaml >"$T/fr.new"; echo 'bogus_key: 1' >>"$T/fr.new"; mv "$T/fr.new" "$H/dags/fr.yaml"; }
kill9() { kill -9 "$SCHED_PID"; }
round p1 break_key kill9 "fr.yaml:8:1: unknown key 'bogus_key'" "fr.yaml:8:1: unknown key &#39;bogus_key&#39;"
assert_eq "$good_hash" "$(stored_hash)" "a broken file stores nothing"
fr_yaml >"$T/fr.new"
mv "$T/fr.new" "$H/dags/fr.yaml"
wait_for 20 "fr's error to clear" api_fr_clean

break_syntax() { printf 'dag: fr\ntasks: [wait,\n' >"$T/fr.new"; mv "$T/fr.new" "$H/dags/fr.yaml"; }
term() { kill -TERM "$SCHED_PID"; }
round p2 break_syntax term "fr.yaml:" "fr.yaml:"
# restarted once more with the file still broken: nothing changes
stop_pid "$SCHED_PID"
start_standalone
api_fr_error_has "fr.yaml:" || fail "fr after a quiet restart: $(api_fr_error)"
assert_eq success "$(run_db_state p2)" "p2 stays done"

# --- fixed with a new version: it takes over, and is stored ---
{ fr_yaml; printf '  extra:\n    after: [after_wait]\n    command: "true"\n'; } >"$T/fr.new"
mv "$T/fr.new" "$H/dags/fr.yaml"
wait_for 20 "fr's error to clear" api_fr_clean
assert_eq '["after_wait", "extra", "wait"]' "$(fr_tasks)" "the new version's tasks"
wait_for 20 "the new version to be stored" sh -c "[ \"\$(sqlite3 '$H/sluice.db' \"SELECT hash FROM dag_sources WHERE dag_id = 'fr'\")\" = '$(file_hash)' ]"
sl trigger fr --partition p3 >/dev/null
touch "$T/go.p3"
wait_run fr p3 success
assert_eq success "$(ti_state p3 extra)" "the new version runs"

# --- a file that never loaded: nothing stored, it stays an error (also
# after a restart), and fr is untouched ---
printf 'dag: nv\ntasks: [x,\n' >"$H/dags/nv.yaml"
nv_listed() { api GET /dags "" "$VIEWER_TOKEN" >/dev/null; jget 'd["errors"]' | grep -q nv.yaml; }
wait_for 20 "nv's error" nv_listed
stop_pid "$SCHED_PID"
start_standalone
nv_listed || fail "nv after the restart: $(jget 'd["errors"]')"
assert_eq 0 "$(q "SELECT count(*) FROM dag_sources WHERE file LIKE '%nv.yaml'")" "nothing stored for a file that never loaded"
assert_eq 404 "$(api GET /dags/nv "" "$VIEWER_TOKEN")" "no DAG nv"
api_fr_clean || fail "fr after nv: $(api_fr_error)"

# --- the file removed while a try runs, then the scheduler dies: the
# next one finishes the run on the stored version, adopting the try (it
# killed it as lost, and the run waited for the file to come back) ---
sl trigger fr --partition p5 >/dev/null
wait_started fr p5 wait
mv "$H/dags/fr.yaml" "$T/fr.kept"
kill -9 "$SCHED_PID"
wait_for 10 "the scheduler to stop" pid_gone "$SCHED_PID"
start_standalone
wait_for 10 "the try to be adopted" grep -q "fr wait: try 1 still belongs to executor local: following it (partition p5)" "$T/scheduler.log"
assert_contains "$(cat "$T/scheduler.log")" "DAG fr finishes its unfinished runs on its last good version (from the database)"
touch "$T/go.p5"
wait_run fr p5 success
assert_eq success "$(ti_state p5 extra)" "the last task, on the stored version"
assert_eq 1 "$(ti_field fr p5 wait try_number)" "no try spent on the restart"
assert_eq 0 "$(q "SELECT count(*) FROM task_tries WHERE error LIKE 'lost%'")" "no try lost"
set +e
sl trigger fr --partition p6 >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 1 "$st" "a trigger of fr, its file gone"
echo "dag_file_restart: ok"
