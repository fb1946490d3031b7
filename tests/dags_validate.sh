#!/bin/bash
# `sluice dags validate` as a person fixing a DAG file meets it: every error
# of a file in one pass (not only the first), YAML merge keys accepted, a
# second YAML document refused with its place. The exact messages of each
# kind of error are the data files of tests/dag-errors/.
. "$SLUICE_SRCDIR/tests/setup.sh"

H=$T/home
sl init "$H" >/dev/null

cat >"$H/dags/many.yaml" <<'YAML'
dag: many
schedul: "@daily"
tasks:
  extract:
    command: x
    retrys: 3
    timeout: 10 minutes
  load:
    comand: y
    after: [extract, nope]
  report: {command: z, trigger_rule: any}
YAML
cat >"$H/dags/merged.yaml" <<'YAML'
dag: merged
tasks:
  extract: &base {command: "true", retries: 2}
  load:
    <<: *base
    after: extract
  report:
    <<: [{timeout: 10m}, *base]
    after: [load]
YAML

# one file: all of its errors, in file order (line, then column)
set +e
sl dags validate "$H/dags/many.yaml" >"$T/v.out" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate exit code with a broken file"
# (without the lists of what is known, which tests/dag-errors/ checks)
grep -v "DAG file" "$T/v.err" | sed -e "s|$H/dags/||" -e 's/ (.*//' >"$T/got"
cat >"$T/want" <<'EOF2'
many.yaml:2:1: unknown key 'schedul'
many.yaml:6:5: tasks.extract: unknown key 'retrys' for a shell task
many.yaml:7:14: tasks.extract.timeout: bad duration '10 minutes'
many.yaml:9:5: tasks.load: unknown key 'comand' for a shell task
many.yaml:9:5: tasks.load: missing required key 'command' for a shell task
many.yaml:10:22: tasks.load.after: unknown task 'nope'
many.yaml:11:38: tasks.report.trigger_rule: unknown rule 'any'
EOF2
diff "$T/want" "$T/got" >"$T/diff" || fail "validate many.yaml: $(cat "$T/diff")"
assert_contains "$(cat "$T/v.err")" "1 of 1 DAG file with errors"

# --json: each error with its file, line, column and the path of the
# field (the message names the same path first); exit 1 as without
set +e
sl --json dags validate "$H/dags/many.yaml" >"$T/v.json" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate --json exit code with a broken file"
assert_eq 7 "$(jq '.errors | length' "$T/v.json")" "errors in the JSON"
assert_eq 1 "$(jq '.files_with_errors' "$T/v.json")" "files with errors in the JSON"
assert_eq '"'"$H/dags/many.yaml"'",7,14,"tasks.extract.timeout"' \
	"$(jq -c '.errors[2] | [.file, .line, .column, .path]' "$T/v.json" | tr -d '[]')" \
	"the timeout error's place in the JSON"
assert_eq '"tasks.load.after",10,22' \
	"$(jq -c '.errors[5] | [.path, .line, .column]' "$T/v.json" | tr -d '[]')" \
	"an after: item's error names the field, at the item"
assert_eq '""' "$(jq -c '.errors[0].path' "$T/v.json")" "a key of the file itself has no path"
assert_eq 0 "$(jq '[.errors[] | select(.path != "" and (.path as $p | .message | startswith($p + ": ") | not))] | length' "$T/v.json")" \
	"every message starts with its path"
assert_eq "" "$(cat "$T/v.err")" "validate --json writes nothing on stderr"

# one task with three errors (walked: a sensor fixed one error a run):
# each is its own line and JSON entry, the first as dag_load gives it
cat >"$T/landing.yaml" <<'EOF2'
dag: landing
schedule: none
tasks:
  wait:
    type: s3_sensor
    url: bucket/sales.csv
    min_size: -1
    poke_interval: 0s
EOF2
set +e
sl dags validate "$T/landing.yaml" 2>"$T/v.err"; st=$?
sl --json dags validate "$T/landing.yaml" >"$T/v.json"
set -e
assert_eq 1 "$st" "validate exit code with a three-error task"
assert_eq "landing.yaml:6:10: tasks.wait.url: url must start with s3:// or file://
landing.yaml:7:15: tasks.wait.min_size: min_size must not be negative
landing.yaml:8:20: tasks.wait.poke_interval: must be longer than 0" \
	"$(grep -v "DAG file" "$T/v.err" | sed -e "s|$T/||")" "every error of the task"
assert_eq '"tasks.wait.url" "tasks.wait.min_size" "tasks.wait.poke_interval"' \
	"$(jq -c '[.errors[].path]' "$T/v.json" | tr -d '[]' | tr , ' ')" \
	"every error of the task in the JSON"

# several files (walked: listed in the order given, each file's errors in
# the order the loader checks them): files in name order, whatever order
# they are given in, each file's errors by line
mkdir "$T/order"
cat >"$T/order/b.yaml" <<'EOF2'
dag: b
schedule: none
tasks:
  t: {command: x, after: [nope], retries: -1}
  u: {command: y, priority: p}
EOF2
sed 's/^dag: b/dag: a/' "$T/order/b.yaml" >"$T/order/a.yaml"
set +e
sl dags validate "$T/order/b.yaml" "$T/order/a.yaml" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate exit code with two broken files"
want='a.yaml:4:27: tasks.t.after
a.yaml:4:43: tasks.t.retries
a.yaml:5:29: tasks.u.priority
b.yaml:4:27: tasks.t.after
b.yaml:4:43: tasks.t.retries
b.yaml:5:29: tasks.u.priority
2 of 2 DAG files with errors'
assert_eq "$want" "$(sed -e "s|$T/order/||" -e 's/: [^:]*$//' "$T/v.err")" \
	"two files given in reverse: name order, errors by line"

# the folder: the same errors, and the file with merge keys is fine
set +e
sl dags validate >"$T/v.out" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate exit code of the folder"
assert_eq 7 "$(grep -c "^$H/dags/many.yaml:" "$T/v.err")" "errors of many.yaml in the folder"
assert_not_contains "$(cat "$T/v.err")" "merged.yaml"
assert_contains "$(cat "$T/v.err")" "1 of 2 DAG files with errors"
sl dags validate "$H/dags/merged.yaml" >"$T/v.out"
assert_contains "$(cat "$T/v.out")" "1 DAG file OK"
out=$(sl dags show merged)
assert_contains "$out" "report"

# a second document is an error that names its place
rm "$H/dags/many.yaml"
cat >"$H/dags/two.yaml" <<'YAML'
dag: two
tasks:
  a: {command: x}
---
dag: other
tasks:
  b: {command: y}
YAML
set +e
sl dags validate >"$T/v.out" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate exit code with two documents"
assert_contains "$(cat "$T/v.err")" "$H/dags/two.yaml:4:1: YAML: a second document starts here"

# a folder given by hand with no DAG file in it: said so, exit 1 (it said
# "cannot read ...: Is a directory")
mkdir -p "$T/nodags/sub" && echo "notes" >"$T/nodags/README.txt"
set +e
sl dags validate "$T/nodags" >"$T/v.out" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate exit code of a folder without DAG files"
assert_contains "$(cat "$T/v.err")" "$T/nodags: no DAG files (*.yaml, *.yml) in this folder"
assert_not_contains "$(cat "$T/v.err")" "Is a directory"

# a connection named nowhere (not in sluice.yaml, no SLUICE_CONN_NAME
# here): a warning at its line, with the nearest defined name; not an
# error, as the scheduler's environment may define it. It was said only
# when a try could not start.
mkdir -p "$T/conn"
cat >"$T/conn/landing.yaml" <<'YAML'
dag: landing
tasks:
  wait:
    type: s3_sensor
    url: "s3://retail-landing/raw/{{ ds }}/"
    connection: lakee
YAML
unset SLUICE_CONN_LAKEE
sl dags validate "$T/conn" >"$T/v.out" 2>"$T/v.err" || fail "a warning failed validate: $(cat "$T/v.err")"
assert_eq "$T/conn/landing.yaml:6:17: warning: tasks.wait.connection: unknown connection 'lakee': did you mean 'lake'? define it under connections: in $H/sluice.yaml (defined: lake), or set SLUICE_CONN_LAKEE where the scheduler runs; without it a try of this task cannot start" \
	"$(cat "$T/v.err")" "unknown connection warning"
assert_contains "$(cat "$T/v.out")" "1 DAG file OK"
sl --json dags validate "$T/conn" >"$T/v.json"
assert_eq "0 1 6 tasks.wait.connection" \
	"$(jq -r '"\(.files_with_errors) \(.warnings | length) \(.warnings[0].line) \(.warnings[0].path)"' "$T/v.json")" "JSON warning"
SLUICE_CONN_LAKEE='{"type":"aws"}' sl dags validate "$T/conn" >"$T/v.out" 2>"$T/v.err"
assert_eq "" "$(cat "$T/v.err")" "a connection from the environment"

# email: without email_on: (which has no default) sends nothing: a
# warning at each email:, saying what to add (once for a default every
# task reads); with email_on: (even an empty one, a choice) none
mkdir -p "$T/mail"
cat >"$T/mail/quiet.yaml" <<'YAML'
dag: quiet
email: [oncall@example.com]
defaults:
  email: [owner@example.com]
tasks:
  load: {command: "true"}
  clean: {command: "true"}
  chosen: {command: "true", email_on: []}
YAML
sl dags validate "$T/mail" >"$T/v.out" 2>"$T/v.err" || fail "a warning failed validate: $(cat "$T/v.err")"
assert_eq "$T/mail/quiet.yaml:2:8: warning: email: without email_on: no email about its runs is sent (add email_on: [failure] to get one when a run fails)
$T/mail/quiet.yaml:4:10: warning: defaults.email: without email_on: no email about its tries is sent (add email_on: [failure] to get one when it fails)" \
	"$(cat "$T/v.err")" "email without email_on"
# with freshness: the email: gets the late notices: no warning (the
# shipped retail_weekly.yaml is such a DAG)
rm "$T/mail/quiet.yaml"
cat >"$T/mail/fresh.yaml" <<'YAML'
dag: fresh
schedule: "@daily"
start: 2024-01-01T00:00:00Z
freshness: 3h
email: [oncall@example.com]
tasks:
  load: {command: "true", freshness: 1h, email: [owner@example.com]}
YAML
sl dags validate "$T/mail" >"$T/v.out" 2>"$T/v.err" || fail "fresh.yaml: $(cat "$T/v.err")"
assert_eq "" "$(cat "$T/v.err")" "email: with freshness: is not warned of"
sl dags validate "$SLUICE_SRCDIR/dags" >"$T/v.out" 2>"$T/v.err" || fail "the shipped DAGs: $(cat "$T/v.err")"
assert_not_contains "$(cat "$T/v.err")" "without email_on" "the shipped DAGs: no email: warned of"

# a file of the DAG folder given by path: what the folder says of it too.
# Alone it loads; in the folder its needs: name a DAG no file declares,
# and the scheduler would not load it. Validating it by path said OK.
mkdir -p "$H/dags/team"
cat >"$H/dags/team/rollup.yaml" <<'YAML'
dag: rollup
schedule: "@daily"
start: 2024-01-01T00:00:00Z
needs:
  - dag: prices_hourlyy
tasks:
  bands: {command: "true"}
YAML
set +e
(cd "$H/dags" && sl dags validate team/rollup.yaml) >"$T/v.out" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate exit code of a file whose needs name no DAG"
assert_contains "$(cat "$T/v.err")" "team/rollup.yaml:5:10: needs[0].dag: no DAG 'prices_hourlyy' in the DAG folder"
assert_contains "$(cat "$T/v.err")" "1 of 1 DAG file with errors"
# --json names the field, as for an error of the file alone
sl --json dags validate "$H/dags/team/rollup.yaml" >"$T/v.json" 2>/dev/null || true
assert_eq "5 10 needs[0].dag" "$(jq -r '.errors[0] | "\(.line) \(.column) \(.path)"' "$T/v.json")" "JSON path of a needs error"
cat >"$H/dags/prices.yaml" <<'YAML'
dag: prices_hourlyy
schedule: "@hourly"
start: 2024-01-01T00:00:00Z
tasks:
  copy: {command: "true"}
YAML
sl dags validate "$H/dags/team/rollup.yaml" >"$T/v.out" 2>"$T/v.err" ||
	fail "a file whose needs resolve in the folder: $(cat "$T/v.err")"
rm -r "$H/dags/team" "$H/dags/prices.yaml"
# a file outside the DAG folder (a repository, before it is deployed):
# its needs: are checked against the folder and the other files given.
# It said OK for a need of a DAG that exists nowhere.
mkdir -p "$T/repo"
sed 's/prices_hourlyy/prices_hourly/' >"$T/repo/rollup.yaml" <<'YAML'
dag: rollup
schedule: "@daily"
start: 2024-01-01T00:00:00Z
needs:
  - dag: prices_hourlyy
    task: copy
tasks:
  bands: {command: "true"}
YAML
set +e
(cd "$T/repo" && sl dags validate rollup.yaml) >"$T/v.out" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate exit code of a file outside the folder whose needs name no DAG"
assert_eq "rollup.yaml:5:10: needs[0].dag: no DAG 'prices_hourly' in the DAG folder
1 of 1 DAG file with errors" "$(cat "$T/v.err")" "a need of no DAG, outside the folder"
printf 'dag: prices_hourly\nschedule: "@hourly"\nstart: 2024-01-01T00:00:00Z\ntasks:\n  cpy: {command: "true"}\n' >"$T/repo/prices.yaml"
(cd "$T/repo" && sl dags validate rollup.yaml prices.yaml) >"$T/v.out" 2>"$T/v.err" || true
assert_contains "$(cat "$T/v.err")" "rollup.yaml:6:11: needs[0].task: DAG 'prices_hourly' has no task 'copy' (did you mean 'cpy'?)" "a need of a DAG given beside it"
sed -i 's/cpy:/copy:/' "$T/repo/prices.yaml"
(cd "$T/repo" && sl dags validate rollup.yaml prices.yaml) >"$T/v.out" 2>"$T/v.err" ||
	fail "needs of a file given beside it: $(cat "$T/v.err")"
assert_eq "2 DAG files OK" "$(cat "$T/v.out")"
# with no home (a CI job): the files given are all there is, and the
# message says so rather than naming a DAG folder that does not exist
set +e
(cd "$T/repo" && "$SLUICE" --home "$T/nohome" dags validate rollup.yaml) >"$T/v.out" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate exit code of a need of a file not given, with no home"
assert_contains "$(cat "$T/v.err")" "rollup.yaml:5:10: needs[0].dag: no DAG 'prices_hourly' in the files given (the home has no DAG folder, $T/nohome/dags)"
(cd "$T/repo" && "$SLUICE" --home "$T/nohome" dags validate rollup.yaml prices.yaml) >"$T/v.out" 2>"$T/v.err" ||
	fail "needs of a file given beside it, with no home: $(cat "$T/v.err")"
# deployed, the folder's version stands in for it
cp "$T/repo/prices.yaml" "$H/dags/prices.yaml"
(cd "$T/repo" && sl dags validate rollup.yaml) >"$T/v.out" 2>"$T/v.err" ||
	fail "needs of a file outside the folder, met by the folder: $(cat "$T/v.err")"
rm "$H/dags/prices.yaml"
# a new version that breaks other DAGs of the folder (a task renamed that
# a need names, a produces: dropped that a need uses): those DAGs' files
# are named with their errors, as once it is deployed (it said OK)
cat >"$H/dags/hourly.yaml" <<'YAML'
dag: hourly
schedule: "@hourly"
start: 2024-01-01T00:00:00Z
tasks:
  load: {command: "true", produces: [lake.ticks]}
YAML
cat >"$H/dags/daily.yaml" <<'YAML'
dag: daily
schedule: "@daily"
start: 2024-01-01T00:00:00Z
needs: [{dag: hourly, task: load}]
tasks:
  roll: {command: "true"}
YAML
cat >"$H/dags/ticks.yaml" <<'YAML'
dag: ticks
schedule: "@daily"
start: 2024-01-01T00:00:00Z
tasks:
  use: {command: "true", needs: [{dataset: lake.ticks}]}
YAML
printf 'dag: hourly
schedule: "@hourly"
start: 2024-01-01T00:00:00Z
tasks:
  load_v2: {command: "true"}
' \
	>"$T/repo/hourly.yaml"
set +e
(cd "$T/repo" && sl dags validate hourly.yaml) >"$T/v.out" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate exit code of a new version that breaks the folder's DAGs"
assert_eq "$H/dags/daily.yaml:4:29: needs[0].task: DAG 'hourly' has no task 'load' (once the files given replace their DAGs in the DAG folder)
$H/dags/ticks.yaml:5:44: tasks.use.needs[0].dataset: no task of the DAG folder produces dataset 'lake.ticks' (a task declares it with produces: [lake.ticks]) (once the files given replace their DAGs in the DAG folder)
2 of 3 DAG files with errors" "$(cat "$T/v.err")" "the folder's DAGs it breaks"
sl --json dags validate "$T/repo/hourly.yaml" >"$T/v.json" 2>/dev/null || true
assert_eq "$H/dags/daily.yaml 4 29 needs[0].task" \
	"$(jq -r '.errors[0] | "\(.file) \(.line) \(.column) \(.path)"' "$T/v.json")" "JSON: the broken file, line, column"
# the folder's own version and one that breaks nothing: OK
(cd "$T/repo" && sl dags validate "$H/dags/hourly.yaml") >"$T/v.out" 2>"$T/v.err" ||
	fail "the folder's own version: $(cat "$T/v.err")"
printf 'dag: hourly
schedule: "@hourly"
start: 2024-01-01T00:00:00Z
tasks:
  load: {command: "true", produces: [lake.ticks]}
  more: {command: "true"}
' \
	>"$T/repo/hourly.yaml"
(cd "$T/repo" && sl dags validate hourly.yaml) >"$T/v.out" 2>"$T/v.err" ||
	fail "a new version that breaks nothing: $(cat "$T/v.err")"
assert_eq "1 DAG file OK" "$(cat "$T/v.out")"
rm "$H/dags/hourly.yaml" "$H/dags/daily.yaml" "$H/dags/ticks.yaml" "$T/repo/hourly.yaml"
# a folder typed with its slash: the files' paths have one slash
mkdir -p "$T/slash"
printf 'dag: s\ntasks:\n  a: {comand: x}\n' >"$T/slash/s.yaml"
sl dags validate "$T/slash/" >/dev/null 2>"$T/v.err" || true
assert_contains "$(cat "$T/v.err")" "$T/slash/s.yaml:3:6: tasks.a: missing required key 'command'" "a folder typed with a slash"
# the folder's checks across files point at the value to change: a need's
# dag:, task: or dataset:, a second producer's dataset, a second file's
# dag: name (they pointed at the need's item, the task, or 1:1)
mkdir -p "$T/cross"
cat >"$T/cross/up.yaml" <<'YAML'
dag: up
tasks:
  load: {command: "true", produces: [lake.trades]}
YAML
cat >"$T/cross/down.yaml" <<'YAML'
dag: down
needs:
  - dag: up
    task: laod
tasks:
  a: {command: "true"}
YAML
cat >"$T/cross/dflt.yaml" <<'YAML'
dag: dflt
defaults:
  needs: [{dag: up, task: lod}]
tasks:
  a: {command: "true"}
YAML
cat >"$T/cross/lake.yaml" <<'YAML'
dag: lake
tasks:
  a:
    command: "true"
    needs: [{dataset: lake.trade}]
YAML
cat >"$T/cross/side.yaml" <<'YAML'
dag: side
needs: [{dag: upp}]
tasks:
  b: {command: "true"}
YAML
cat >"$T/cross/zz_copy.yaml" <<'YAML'
# a copy of up.yaml
dag:   up
tasks:
  load: {command: "true"}
YAML
set +e
sl dags validate "$T/cross/" >"$T/v.out" 2>"$T/v.err"
set -e
assert_eq "$T/cross/dflt.yaml:3:27: defaults.needs[0].task: DAG 'up' has no task 'lod' (did you mean 'load'?)
$T/cross/down.yaml:4:11: needs[0].task: DAG 'up' has no task 'laod' (did you mean 'load'?)
$T/cross/lake.yaml:5:23: tasks.a.needs[0].dataset: no task of the DAG folder produces dataset 'lake.trade' (did you mean 'lake.trades'?)
$T/cross/side.yaml:2:15: needs[0].dag: no DAG 'upp' in the DAG folder (did you mean 'up'?)
$T/cross/zz_copy.yaml:2:8: dag 'up' is already defined in $T/cross/up.yaml (this file is not loaded; $T/cross/up.yaml keeps the DAG)" \
	"$(grep -v 'DAG file' "$T/v.err")" "errors across the folder's files, at the value to change"
sl --json dags validate "$T/cross" >"$T/v.json" 2>/dev/null || true
assert_eq "3 27 defaults.needs[0].task|4 11 needs[0].task|5 23 tasks.a.needs[0].dataset|2 15 needs[0].dag|2 8 " \
	"$(jq -r '[.errors[] | "\(.line) \(.column) \(.path)"] | join("|")' "$T/v.json")" \
	"JSON places and paths of the folder's errors"
# a dataset a second task produces: at that item of its produces:
rm "$T/cross/zz_copy.yaml" "$T/cross/side.yaml" "$T/cross/down.yaml" "$T/cross/lake.yaml" "$T/cross/dflt.yaml"
cat >"$T/cross/vv.yaml" <<'YAML'
dag: vv
tasks:
  b:
    command: "true"
    produces:
      - lake.raw
      - lake.trades
YAML
set +e
sl dags validate "$T/cross" >"$T/v.out" 2>"$T/v.err"
set -e
assert_eq "$T/cross/vv.yaml:7:9: tasks.b.produces: dataset 'lake.trades' is already produced by up.load (a dataset has one producing task)" \
	"$(grep -v 'DAG file' "$T/v.err")" "a second producer, at its dataset"
# a cycle across DAGs: at each need's dag:
printf 'dag: p\nneeds:\n  - {offset: 0, dag: q}\ntasks:\n  a: {command: x}\n' >"$T/cross/p.yaml"
printf 'dag: q\nneeds: [{dag: p}]\ntasks:\n  a: {command: x}\n' >"$T/cross/q.yaml"
rm "$T/cross/vv.yaml"
set +e
sl dags validate "$T/cross" >"$T/v.out" 2>"$T/v.err"
set -e
assert_eq "$T/cross/p.yaml:3:22: needs[0].dag: a cycle across DAGs: p -> q -> p
$T/cross/q.yaml:2:15: needs[0].dag: a cycle across DAGs: p -> q -> p" \
	"$(grep -v 'DAG file' "$T/v.err")" "a cycle across DAGs, at the dag: values"
echo "dags_validate: ok"
