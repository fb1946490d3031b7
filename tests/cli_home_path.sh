#!/bin/bash
# The home as people spell it (`--home .`, a trailing slash, SLUICE_HOME=./)
# names its files cleanly in messages: dags validate's file:line:column,
# dags show's file, runs delete's log folder are paths to paste, not
# HOME/./dags/x.yaml or HOME//dags/x.yaml. A database that cannot be
# opened is named with the system's reason.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
"$SLUICE" --home "$H" init >/dev/null
cat >"$H/dags/bad.yaml" <<'YAML'
dag: bad
tasks:
  a: {command: 'true', retries: many}
YAML
P=$(cd "$H" && pwd -P)
want="$P/dags/bad.yaml:3:33: tasks.a.retries: expected a whole number from 0 to 1000, got 'many'"

# validate_says WHAT ARGS...: `dags validate` run with ARGS from $P names
# the file as $P/dags/bad.yaml
validate_says() {
	local what=$1 st
	shift
	set +e
	(cd "$P" && "$@" dags validate) >"$T/out" 2>&1; st=$?
	set -e
	assert_eq 1 "$st" "exit code of dags validate ($what)"
	assert_contains "$(cat "$T/out")" "$want" "the file dags validate names ($what)"
	assert_not_contains "$(cat "$T/out")" "/./" "dags validate ($what)"
	assert_not_contains "$(cat "$T/out")" "//" "dags validate ($what)"
}
validate_says "--home ." "$SLUICE" --home .
validate_says "--home ./" "$SLUICE" --home ./
validate_says "--home .//." "$SLUICE" --home .//.
validate_says "--home P/./" "$SLUICE" --home "$P/./"
validate_says "--home P//" "$SLUICE" --home "$P//"
validate_says "SLUICE_HOME=./" env SLUICE_HOME=./ "$SLUICE"
# from the folder above: NAME/ (a ".." stays as typed, as a link may
# make it mean another folder than the text says)
set +e
(cd "$P/.." && "$SLUICE" --home "$(basename "$P")/" dags validate) >"$T/out" 2>&1
set -e
assert_contains "$(cat "$T/out")" "$want" "the file dags validate names (--home NAME/)"
rm "$H/dags/bad.yaml"

# the DAG's file in dags show, and a new home made with init
cat >"$H/dags/ok.yaml" <<'YAML'
dag: ok
schedule: none
tasks:
  a: {command: 'true'}
YAML
out=$(cd "$P" && "$SLUICE" --home ./ dags show ok)
assert_contains "$out" "DAG ok ($P/dags/ok.yaml)" "dags show names its file"
out=$(cd "$P" && "$SLUICE" --home ./fresh/ init)
assert_contains "$out" "config   $P/fresh/sluice.yaml" "init names the config file"
assert_contains "$out" "start it with: sluice --home $P/fresh standalone" "init names the home"

# init --dags: the folder as typed, cleaned, in sluice.yaml; one that is
# not a folder (a typo) is said, as the scheduler would find no DAGs
mkdir "$P/shared-dags"
(cd "$P" && "$SLUICE" init ./home2 --dags ./shared-dags/ >/dev/null 2>"$T/err")
assert_eq "" "$(cat "$T/err")" "init --dags of a folder: no note"
assert_contains "$(grep '^dags:' "$P/home2/sluice.yaml")" "dags: $P/shared-dags " "init --dags in sluice.yaml"
(cd "$P" && "$SLUICE" init ./home3 --dags ./shared-dgas >/dev/null 2>"$T/err")
assert_eq "sluice: note: --dags $P/shared-dgas is not a folder (yet): the home finds no DAGs until it is" \
	"$(cat "$T/err")" "init --dags of no folder"

# a home that is its own DAG folder (dags: .): its sluice.yaml is the
# home's config, not a broken DAG file, for validate, list and the
# scheduler's reload
mkdir "$P/flat"
(cd "$P" && "$SLUICE" init ./flat --dags ./flat >/dev/null 2>&1)
printf 'dag: flat\nschedule: none\ntasks:\n  x: {command: "true"}\n' >"$P/flat/flat.yaml"
assert_eq "1 DAG file OK" "$("$SLUICE" --home "$P/flat" dags validate 2>&1)" "validate of a home that is its DAG folder"
assert_eq "flat" "$("$SLUICE" --home "$P/flat" --json dags list | /usr/bin/python3 -c 'import json,sys; print(" ".join(d["dag"] for d in json.load(sys.stdin)))')" "dags list of a home that is its DAG folder"
# DAG files in subfolders are read too (not in hidden ones such as .git)
mkdir -p "$P/flat/team_a/daily" "$P/flat/.git"
printf 'dag: orders\nschedule: none\ntasks:\n  x: {command: "true"}\n' >"$P/flat/team_a/daily/orders.yaml"
printf 'not: a DAG\n' >"$P/flat/.git/config.yaml"
assert_eq "2 DAG files OK" "$("$SLUICE" --home "$P/flat" dags validate 2>&1)" "validate with a subfolder"
assert_eq "flat orders" "$("$SLUICE" --home "$P/flat" --json dags list | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(d["dag"] for d in json.load(sys.stdin))))')" "dags list with a subfolder"
assert_contains "$("$SLUICE" --home "$P/flat" dags show orders)" "$P/flat/team_a/daily/orders.yaml" "the DAG's file in its subfolder"
# a database that cannot be opened: the path and the system's reason
# (SQLite alone says "unable to open database file" for every cause)
mkdir -p "$T/nodb/dags"
printf 'database: nofolder/sluice.db\n' >"$T/nodb/sluice.yaml"
rc=0; out=$("$SLUICE" --home "$T/nodb" dags list 2>&1) || rc=$?
assert_eq 3 "$rc" "a database in a missing folder"
assert_contains "$out" "cannot open the database $T/nodb/nofolder/sluice.db: unable to open database file (No such file or directory)" "its error"
echo "cli_home_path: ok"
