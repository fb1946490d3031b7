#!/bin/bash
# What the DAG folder's walk cannot read is an error that names the path
# and the reason, never skipped without a word: the DAG folder missing
# (dags: /nonexistent said "0 DAG files OK" and the scheduler started
# with none), a subfolder sluice's user cannot read (its DAGs silently
# gone), a *.yaml that is a symbolic link to nothing, a folder deeper
# than 16 levels (sluice-dag(5) says the limit). dags validate lists each
# and exits 1, the scheduler logs each ("DAG folder: ..."), and the API
# lists each with the files that do not load.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"
web_home
printf 'dag: ok\nschedule: none\ntasks:\n  a: {command: "true"}\n' >"$H/dags/ok.yaml"
ln -s "$T/no-such.yaml" "$H/dags/gone.yaml"
deep=$H/dags/sub
for i in $(seq 17); do deep=$deep/d$i; done
mkdir -p "$deep"
printf 'dag: deep\nschedule: none\ntasks:\n  a: {command: "true"}\n' >"$deep/deep.yaml"
too_deep=${deep%/d17}
WANT_LINK="$H/dags/gone.yaml: a symbolic link to $T/no-such.yaml, which does not exist: not read"
WANT_DEEP="$too_deep: a folder more than 16 levels below the DAG folder: nothing in it is read (move its DAG files up)"

rc=0; out=$(sl dags validate 2>&1) || rc=$?
assert_eq 1 "$rc" "validate's exit"
assert_contains "$out" "$WANT_LINK" "validate"
assert_contains "$out" "$WANT_DEEP" "validate"

# a subfolder the user sluice runs as cannot read (root reads any: nobody)
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
	chmod 755 "$T"
	mkdir -p "$H/dags/locked"
	printf 'dag: locked\nschedule: none\ntasks:\n  a: {command: "true"}\n' >"$H/dags/locked/l.yaml"
	chown -R nobody "$H"
	chmod 000 "$H/dags/locked"
	rc=0; out=$(runuser -u nobody -- "$SLUICE" --home "$H" dags validate 2>&1) || rc=$?
	assert_eq 1 "$rc" "validate's exit, as nobody"
	assert_contains "$out" "$H/dags/locked: the folder cannot be read, so no DAG file in it is: Permission denied (the user sluice runs as cannot read it)" "validate as nobody"
	chmod 755 "$H/dags/locked"
	rm -r "$H/dags/locked"
	chown -R root "$H"
fi

# the scheduler logs each, and the API lists each
start_standalone
said() { grep -qF "DAG folder: $WANT_DEEP" "$T/scheduler.log"; }
wait_for 20 "the scheduler's log line" said
assert_contains "$(cat "$T/scheduler.log")" "DAG folder: $WANT_LINK" "the scheduler's log"
assert_status 200 GET /dags "" "$VIEWER_TOKEN"
errs=$(jget '"\n".join(e if isinstance(e, str) else json.dumps(e) for e in d["errors"])')
assert_contains "$errs" "$WANT_LINK" "the API's errors"
assert_contains "$errs" "$WANT_DEEP" "the API's errors"
assert_eq '["ok"]' "$(jget 'sorted(x["dag"] for x in d["dags"] if x["loaded"])')" "the DAGs loaded"
stop_pid "$SCHED_PID"

# the DAG folder missing
printf 'dags: %s/nonexistent\n' "$T" >>"$H/sluice.yaml"
rc=0; out=$(sl dags validate 2>&1) || rc=$?
assert_eq 1 "$rc" "validate's exit on a missing DAG folder"
assert_contains "$out" "$T/nonexistent: the DAG folder cannot be read: No such file or directory" "validate on a missing DAG folder"
echo "dag_folder_errors: ok"
