#!/bin/bash
# The CLI as a newcomer meets it: init, --help everywhere, validate with
# exact errors, list/show, exit codes.
. "$SLUICE_SRCDIR/tests/setup.sh"

out=$("$SLUICE" --help)
assert_contains "$out" "usage: sluice"
for verb in init dags trigger backfill clear mark runs tasks logs test scheduler standalone db; do
	out=$("$SLUICE" "$verb" --help) || fail "$verb --help failed"
	assert_contains "$out" "sluice $verb:" "$verb --help"
	assert_contains "$out" "usage:" "$verb --help"
done
# one option table per verb: `sluice help VERB` is `sluice VERB --help`,
# for every verb (the general help lists them; operator is not listed)
verbs=$("$SLUICE" --help | sed -n '/^Verbs:/,/^$/p' | awk 'NF > 1 { print $1 }')
[ "$(echo "$verbs" | wc -w)" -ge 16 ] || fail "verbs listed: $verbs"
for verb in $verbs operator; do
	"$SLUICE" help "$verb" >"$T/help1" || fail "help $verb failed"
	"$SLUICE" "$verb" --help >"$T/help2" || fail "$verb --help failed"
	cmp -s "$T/help1" "$T/help2" || fail "help $verb differs from $verb --help: $(diff "$T/help1" "$T/help2")"
	assert_contains "$(cat "$T/help1")" "sluice $verb:" "help $verb"
	assert_contains "$(cat "$T/help1")" "Options:" "help $verb"
	# an unknown option names itself, shows the verb's usage, exits 2
	set +e
	"$SLUICE" "$verb" --no-such-option >/dev/null 2>"$T/err"; st=$?
	set -e
	assert_eq 2 "$st" "exit code of an unknown option of $verb"
	assert_contains "$(cat "$T/err")" "sluice $verb: unknown option --no-such-option" "$verb"
	assert_contains "$(cat "$T/err")" "usage: sluice $verb" "$verb"
done
# every help fits a terminal of 80 columns: the general one, each verb's
# (the paragraphs as written, the usage and the options' help wrapped)
# and a usage error's usage (tasks' paragraph ran to 84 columns,
# backfill's usage to 151, its --only help to 159)
for verb in "" $verbs operator man complete; do
	# shellcheck disable=SC2086
	"$SLUICE" $verb --help >"$T/help1" || fail "$verb --help failed"
	# shellcheck disable=SC2086
	"$SLUICE" $verb --no-such-option 2>>"$T/help1" >/dev/null || true
	wide=$(awk 'length($0) > 80 { printf "%d columns: %s\n", length($0), $0 }' "$T/help1")
	[ -z "$wide" ] || fail "sluice ${verb:+$verb }--help is wider than 80 columns:
$wide"
done
# an option whose argument is one of a few choices lists them in the
# usage as in its column (runs' usage read --state S)
for verb in $verbs; do
	"$SLUICE" "$verb" --help | /usr/bin/python3 -c '
import re, sys
h = sys.stdin.read()
usage = " ".join(h.split("\n\n")[1].split())
for name, arg in re.findall(r"^ +(?:-., )?--([a-z-]+) (\S+\|\S+)", h, re.M):
    if ("--%s " % name) in usage:
        assert ("--%s %s" % (name, arg)) in usage, "%s: usage has --%s without %s: %s" % (sys.argv[1], name, arg, usage)
' "$verb" || fail "$verb --help: an option's choices missing from its usage"
done
# a wrapped usage keeps an option and its argument together, and its
# second line comes under the first argument
out=$("$SLUICE" backfill --help)
assert_contains "$out" "usage: sluice backfill DAG --from P [--to P] [--only missing|failed|all]
                       [--newest-first]" "backfill's usage, wrapped"
# an option's help is wrapped in its column
assert_contains "$out" "  -y, --yes                cancel: do not ask (needed when stdin is not a
                           terminal)" "backfill --yes, wrapped"
# mark --clear-downstream says what it clears and why (it ended "..., so
# that runs")
assert_contains "$("$SLUICE" mark --help)" "  -d, --clear-downstream   with success: also clear the downstream tasks it left
                           upstream_failed, so the scheduler runs them" "mark --clear-downstream"
# help of a subverb, as git help: the verb's page, as `VERB SUB --help`
for sub in "runs delete" "db backup" "backfill cancel" "dags next" "users add"; do
	"$SLUICE" help $sub >"$T/help1" || fail "help $sub failed"
	"$SLUICE" $sub --help >"$T/help2" || fail "$sub --help failed"
	cmp -s "$T/help1" "$T/help2" || fail "help $sub differs from $sub --help"
done
assert_not_contains "$("$SLUICE" help clear)" "Verbs:" "help clear is the verb's help"
assert_contains "$("$SLUICE" help clear)" "--dry-run" "help clear"
# an option that needs a value, without one
set +e
"$SLUICE" runs hello --limit >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "exit code of a missing option value"
assert_contains "$(cat "$T/err")" "option --limit needs an argument"
# an empty value (an unset variable) and a second, different value were
# dropped for the default or the last one: trigger --partition "" ran the
# latest partition, clear -p A -p B cleared only B; a misspelt option
# names the one meant; -p NAME=VALUE (another tool's param) says what -p is;
# a subcommand misspelt or in another tool's word names the one meant
while IFS='|' read -r args want; do
	set +e
	"$SLUICE" $args >/dev/null 2>"$T/err"; st=$?
	set -e
	assert_eq 2 "$st" "exit code of: $args"
	assert_contains "$(cat "$T/err")" "$want" "$args"
done <<'CASES'
trigger hello --partition=|option --partition needs a value, got an empty one
clear hello --from= --to 2024-01-02 --dry-run|option --from needs a value, got an empty one
clear hello -p 2024-01-01 -p 2024-01-02 --dry-run|option --partition given twice ('2024-01-01', '2024-01-02'): it takes one
runs hello --limit 5 --limit 6|option --limit given twice
clear hello --failed --dry-run|sluice clear: unknown option --failed (did you mean --only-failed?)
clear hello --dryrun|sluice clear: unknown option --dryrun (did you mean --dry-run?)
trigger hello --params day=1|sluice trigger: unknown option --params (did you mean --param?)
trigger hello --conf {"day":1}|sluice trigger: unknown option --conf (params go one each: --param NAME=VALUE)
trigger hello --param {"day":1,"x":"a;b"}|sluice trigger: --param takes NAME=VALUE, one param each, not a JSON object: --param day=1 --param 'x=a;b'
backfill hello --form 2024-01-01 --to 2024-01-02|sluice backfill: unknown option --form (did you mean --from?)
trigger hello -p day=1|sluice trigger: 'day=1' is a param, not a partition: -p is --partition; a param is --param day=1
clear hello -p day=1 --dry-run|sluice clear: 'day=1' is a param, not a partition: -p is --partition; a param is --param day=1
dags lst|sluice dags: unknown subcommand 'lst' (did you mean 'sluice dags list'?)
dags enable hello|sluice dags: unknown subcommand 'enable' (did you mean 'sluice dags unpause'?)
dags delete hello|sluice dags: unknown subcommand 'delete': a DAG goes when its file leaves the DAG folder
users delete bob|sluice users: unknown subcommand 'delete' (did you mean 'sluice users remove'?)
users|sluice users: a subcommand is needed: list, add, passwd, role, remove or token
executors chek local|sluice executors: unknown subcommand 'chek' (did you mean 'sluice executors check'?)
backfills cancel 3|sluice backfills: backfills lists; a backfill is cancelled with `sluice backfill cancel ID`
backfill hello --from 2024-01-01 --only faild|sluice backfill: --only: expected missing, failed or all, got 'faild' (did you mean 'failed'?)
runs hello --state sucess|sluice runs: --state: expected queued, running, success or failed, got 'sucess' (did you mean 'success'?)
mark hello t 2024-01-01 succeeded|sluice mark: state must be success or failed, got 'succeeded' (did you mean 'success'?)
mark hello t 2024-01-01 fail|sluice mark: state must be success or failed, got 'fail' (did you mean 'failed'?)
CASES
# an option close to none: no guess
set +e
"$SLUICE" clear hello --zzz >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "exit code of an unknown option"
assert_contains "$(cat "$T/err")" "sluice clear: unknown option --zzz"
assert_not_contains "$(cat "$T/err")" "did you mean" "no option is close to --zzz"
set +e
"$SLUICE" help frobnicate >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "help of an unknown verb"
# help of help is the overview (it said "unknown verb 'help'")
"$SLUICE" help help >"$T/helphelp" 2>"$T/err" || fail "help help: $(cat "$T/err")"
assert_contains "$(cat "$T/helphelp")" "\`sluice help VERB\` (or \`sluice VERB --help\`) explains a verb." "help help"
set +e
"$SLUICE" frobnicate >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "exit code of an unknown verb"
assert_contains "$(cat "$T/err")" "unknown verb 'frobnicate'"
assert_not_contains "$(cat "$T/err")" "did you mean" "no verb is close to frobnicate"
set +e
"$SLUICE" backfil >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "exit code of a misspelt verb"
assert_contains "$(cat "$T/err")" "sluice: unknown verb 'backfil' (did you mean 'backfill'?)" "a misspelt verb: the one meant"

H=$T/home
sl init "$H" >"$T/init.out"
assert_contains "$(cat "$T/init.out")" "created a sluice home"
test -f "$H/sluice.yaml" || fail "no sluice.yaml"
test -d "$H/dags" || fail "no dags/"
test -f "$H/sluice.db" || fail "no database"
assert_eq 1 "$(q "SELECT count(*) FROM schema_migrations WHERE version = 1")" "migration 1 recorded"
# init again (a provisioning script's second run): it touches nothing
# that exists, creates only what is missing, says so, exits 0
cp "$H/sluice.yaml" "$T/sluice.yaml.before"
users_before=$(q "SELECT count(*) FROM users")
echo "# kept" >>"$H/sluice.yaml"
sl init "$H" >"$T/init2.out" 2>"$T/init2.err" || fail "init over an existing home: exit $?"
assert_eq "$H is already a sluice home; nothing changed" "$(cat "$T/init2.out")" "init over a complete home"
assert_eq "" "$(cat "$T/init2.err")" "init over a complete home: stderr"
assert_eq "# kept" "$(tail -n 1 "$H/sluice.yaml")" "init keeps an existing sluice.yaml"
rmdir "$H/logs"
sl init "$H" >"$T/init3.out" || fail "init of a home without logs/: exit $?"
assert_eq "$H is already a sluice home; created logs/" "$(cat "$T/init3.out")" "init creates only the missing logs/"
test -d "$H/logs" || fail "init did not create logs/"
assert_eq "$users_before" "$(q "SELECT count(*) FROM users")" "init over a home with users adds none"
mv "$H/sluice.db" "$T/sluice.db.aside"
rmdir "$H/dags"
sl init "$H" >"$T/init4.out" || fail "init of a home without its database: exit $?"
assert_eq "$H is already a sluice home; created dags/, sluice.db, the admin user" "$(tail -n 1 "$T/init4.out")" "init creates the missing dags/ and database"
assert_contains "$(cat "$T/init4.out")" "web UI user: admin, password:" "a new database gets its admin"
assert_eq 1 "$(q "SELECT count(*) FROM schema_migrations WHERE version = 1")" "the new database is migrated"
mv "$T/sluice.db.aside" "$H/sluice.db"
# another --dags than the config's is refused, changing nothing
set +e
sl init "$H" --dags "$T/elsewhere" >/dev/null 2>"$T/init5.err"; st=$?
set -e
assert_eq 1 "$st" "init --dags over a home with another dags:"
assert_contains "$(cat "$T/init5.err")" "sluice: $H/sluice.yaml already sets dags: $H/dags; init does not change it to $T/elsewhere" "init --dags over a home"
assert_eq "# kept" "$(tail -n 1 "$H/sluice.yaml")" "init --dags kept sluice.yaml"
# a sluice.yaml that does not load: refused, naming the file and line
mkdir "$T/badhome"
printf 'parallelism: 4\nweb:\n  port: [1\n' >"$T/badhome/sluice.yaml"
set +e
sl init "$T/badhome" >"$T/init6.out" 2>"$T/init6.err"; st=$?
set -e
assert_eq 3 "$st" "init over a home whose sluice.yaml does not load"
assert_contains "$(cat "$T/init6.err")" "sluice: $T/badhome/sluice.yaml:4:1: YAML syntax" "init names the bad file and line"
assert_eq "" "$(cat "$T/init6.out")" "init over a bad sluice.yaml says nothing else"
test ! -e "$T/badhome/sluice.db" || fail "init over a bad sluice.yaml made a database"
test ! -e "$T/badhome/logs" || fail "init over a bad sluice.yaml made logs/"

cat >"$H/dags/good.yaml" <<'YAML'
dag: good
description: two tasks
tasks:
  a: {command: "true"}
  b: {command: "true", after: [a]}
YAML
cat >"$H/dags/broken.yaml" <<'YAML'
dag: broken
tasks:
  a:
    command: "true"
    retrys: 2
YAML
set +e
sl dags validate >"$T/v.out" 2>"$T/v.err"; st=$?
set -e
assert_eq 1 "$st" "validate exit code with a broken file"
assert_contains "$(cat "$T/v.err")" "$H/dags/broken.yaml:5:5: tasks.a: unknown key 'retrys' for a shell task"
sl dags validate "$H/dags/good.yaml" >"$T/v.out"
assert_contains "$(cat "$T/v.out")" "1 DAG file OK"

# the broken file does not stop the good DAG
out=$(sl dags list)
assert_contains "$out" "good"
assert_contains "$out" "DAG files with errors"
assert_contains "$out" "broken.yaml:5:5"
sl --json dags list | /usr/bin/python3 -c '
import json,sys
d = json.load(sys.stdin)
names = [x["dag"] for x in d if x["dag"]]
assert names == ["good"], names
errs = [x["error"] for x in d if x.get("error")]
assert len(errs) == 1 and "retrys" in errs[0], errs
'
out=$(sl dags show good)
assert_contains "$out" "two tasks"
echo "$out" | grep -Eq '^b +shell +all_success +a$' || fail "dags show: $out"
set +e
sl dags show nope >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "show of an unknown DAG (an input error, as an unknown partition)"
assert_contains "$(cat "$T/err")" "no DAG named 'nope'"
assert_not_contains "$(cat "$T/err")" "did you mean" "no DAG is close to nope"
set +e
sl dags show godo >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "show of a misspelt DAG"
assert_contains "$(cat "$T/err")" "no DAG named 'godo' in $H/dags (did you mean 'good'? see \`sluice dags list\`)" "a misspelt DAG: the one meant"
# an error echoing what was typed never sends the terminal a control
# sequence: ESC and the like are written as \xNN
set +e
sl dags show "$(printf 'x\033[31mred')" >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "show of a name holding ESC"
assert_contains "$(cat "$T/err")" "no DAG named 'x\\x1b[31mred'" "the ESC written as \\x1b"
[ "$(tr -d -c '\033' <"$T/err" | wc -c)" = 0 ] || fail "an ESC byte reached the terminal: $(od -c "$T/err" | head -3)"
set +e
sl trigger broken >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 1 "$st" "trigger of a broken DAG"
assert_contains "$(cat "$T/err")" "DAG broken did not load"
# a broken file named otherwise than its DAG: the name it declares finds
# it (this said "no DAG named 'orders_nightly'", exit 2)
cat >"$H/dags/nightly.yaml" <<'YAML'
dag: orders_nightly
tasks:
  load: {command: "true", depends_on: [a]}
YAML
set +e
sl trigger orders_nightly >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 1 "$st" "trigger of a broken DAG in a file of another name"
assert_contains "$(cat "$T/err")" "DAG orders_nightly did not load: $H/dags/nightly.yaml:3:27: tasks.load: unknown key 'depends_on'"
rm "$H/dags/nightly.yaml"

# pause / unpause are recorded with who did it, and the help says what
# unpause does (it was the one subverb left unexplained)
assert_contains "$(sl dags --help)" "  unpause    runs and tasks start again" "dags --help"
sl dags pause good >/dev/null
assert_eq 1 "$(q "SELECT paused FROM dags WHERE dag_id='good'")" "paused"
sl dags unpause good >/dev/null
assert_eq 0 "$(q "SELECT paused FROM dags WHERE dag_id='good'")" "unpaused"
assert_eq "pause unpause" "$(q "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit WHERE dag_id='good' ORDER BY id)")" "audit"
assert_contains "$(q "SELECT who FROM audit LIMIT 1")" "cli:"
# several DAGs at once: all, or none when one is unknown (`dags pause a
# b` paused a and dropped b)
printf 'dag: other\ntasks:\n  x: {command: "true"}\n' >"$H/dags/other.yaml"
assert_eq "DAG good paused
DAG other paused" "$(sl dags pause good other)" "dags pause of two DAGs"
assert_eq "1 1" "$(q "SELECT group_concat(paused, ' ') FROM (SELECT paused FROM dags WHERE dag_id IN ('good', 'other') ORDER BY dag_id)")" "both paused"
set +e
sl dags unpause good nosuch >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "exit code of unpause with an unknown DAG"
assert_contains "$(cat "$T/err")" "no DAG named 'nosuch'"
assert_eq 1 "$(q "SELECT paused FROM dags WHERE dag_id='good'")" "nothing unpaused when one DAG is unknown"
sl dags unpause good other >/dev/null
# an argument too many is said, not dropped
set +e
sl dags show good b extra >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "exit code of dags show with three arguments"
assert_contains "$(cat "$T/err")" "unexpected argument 'extra' (dags show takes a DAG and a task)"
# dags show DAG TASK: the task as the scheduler runs it, defaults applied
cat >"$H/dags/shown.yaml" <<'YAML'
dag: shown
defaults: {retries: 2, retry_delay: 90s, timeout: 1h}
email: [team@example.com]
email_on: [failure, success]
tasks:
  extract: {command: "echo {{ ds }}"}
  wait:
    type: s3_sensor
    url: "file://lake/{{ ds }}/"
    poke_interval: 120s
    after: [extract]
    retries: 0
    deadline: 6h
  load:
    command: "true"
    skip_exit_code: 3
    log_max: 20MB
    keep_children: true
    produces: [lake.trades]
    on_failure: "echo failed"
    email: [ops@example.com]
    email_on: [failure, retry]
    priority: 5
    description: "loads the trades"
YAML
# the DAG's own notifications, in the text and in --json
out=$(sl dags show shown)
assert_contains "$out" "  email            team@example.com (on failure, success)"
sl --json dags show shown | /usr/bin/python3 -c 'import json,sys; o=json.load(sys.stdin); assert o["email"] == ["team@example.com"] and o["email_on"] == ["failure", "success"], o' || fail "dags show --json DAG: its email and email_on"
out=$(sl dags show shown wait)
assert_contains "$out" "TASK wait of DAG shown ($H/dags/shown.yaml:7)"
assert_contains "$out" "  after            extract"
assert_contains "$out" "  retries          0"
assert_contains "$out" "  timeout          1h"
assert_contains "$out" "  poke_interval    2m"
assert_contains "$(sl dags show shown extract)" "  retries          2, 1m30s apart"
# every setting the task has, not only the common ones (help: "every
# setting of that task as the scheduler runs it")
assert_contains "$out" "  deadline         6h after the partition's end"
assert_contains "$(sl dags show shown extract)" "  skip_exit_code   99"
out=$(sl dags show shown load)
assert_contains "$out" "  skip_exit_code   3"
assert_contains "$out" "  log_max          20000000 bytes"
assert_contains "$out" "  keep_children    yes"
assert_contains "$out" "  produces         lake.trades"
assert_contains "$out" "  on_failure       echo failed"
assert_contains "$out" "  email            ops@example.com (on failure, retry)"
assert_eq wait "$(sl --json dags show shown wait | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["task"])')" "dags show --json DAG TASK"
# --json DAG TASK: every setting the text shows, under the DAG file's keys
# and with its durations
for t in extract wait load; do
	sl --json dags show shown "$t" >"$T/$t.json" || fail "dags show --json shown $t"
done
/usr/bin/python3 - "$T" "$H/dags/shown.yaml" <<'PY' || fail "dags show --json DAG TASK: the text form's settings"
import json, sys
t, f = sys.argv[1], sys.argv[2]
e, w, l = (json.load(open(t + "/" + n + ".json")) for n in ("extract", "wait", "load"))
def want(o, **kv):
    for k, v in kv.items():
        assert o.get(k, "(none)") == v, "%s: %s is %r, not %r" % (o["task"], k, o.get(k, "(none)"), v)
want(e, retries=2, retry_delay="1m30s", retry_backoff="constant", timeout="1h",
     skip_exit_code=99, pool_slots=1, priority=0, keep_children=False,
     depends_on_past=False, branch=False, file=f, line=6)
want(w, after=["extract"], retries=0, timeout="1h", deadline="6h", skip_exit_code=0)
assert w["options"]["poke_interval"] == 120000, w["options"]
want(l, skip_exit_code=3, log_max=20000000, keep_children=True,
     produces=["lake.trades"], on_failure="echo failed", email=["ops@example.com"],
     email_on=["failure", "retry"], priority=5, description="loads the trades")
for k in ("sla", "freshness", "recheck", "on_success", "notify", "env", "max_retry_delay"):
    assert k not in l, "load has %s, which it does not set" % k
PY
set +e
sl dags show shown extrct >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 2 "$st" "exit code of dags show of a missing task"
assert_contains "$(cat "$T/err")" "DAG shown has no task 'extrct' (did you mean 'extract'? see \`sluice dags show shown\`)"
rm "$H/dags/shown.yaml"
rm "$H/dags/other.yaml"

# a database from a newer sluice is refused
cp "$H/sluice.db" "$T/newer.db"
sqlite3 "$T/newer.db" "INSERT INTO schema_migrations VALUES (9999, 'future', 0)"
mkdir -p "$T/h2"
echo "database: $T/newer.db" >"$T/h2/sluice.yaml"
set +e
"$SLUICE" --home "$T/h2" db version >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 3 "$st" "exit code for a newer database"
assert_contains "$(cat "$T/err")" "schema version 9999, newer than this sluice"

# a folder that is not a home (no sluice.yaml, sluice.db or dags/): a
# command typed there says so and leaves no database behind
mkdir -p "$T/nothome"
set +e
(cd "$T/nothome" && env -u SLUICE_HOME "$SLUICE" dags list) >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 3 "$st" "exit code in a folder that is not a home"
assert_contains "$(cat "$T/err")" "$T/nothome is not a sluice home"
[ ! -e "$T/nothome/sluice.db" ] || fail "a command in a folder that is not a home made a database there"
# --home naming the config file: the folder was meant
printf 'parallelism: 2\n' >"$T/nothome/sluice.yaml"
rc=0; out=$("$SLUICE" --home "$T/nothome/sluice.yaml" dags list 2>&1) || rc=$?
assert_eq 3 "$rc" "exit code of --home FILE"
assert_contains "$out" "sluice: $T/nothome/sluice.yaml is a file, not a sluice home (it is a home's config file): --home (and SLUICE_HOME) take the home's folder, e.g. --home $T/nothome" "--home FILE"
rm "$T/nothome/sluice.yaml"
# db verbs that read or change an existing database refuse there too
for sub in version check vacuum "clean --keep 1d" "backup $T/nothome-copy.db"; do
	set +e
	# shellcheck disable=SC2086
	(cd "$T/nothome" && env -u SLUICE_HOME "$SLUICE" db $sub) >/dev/null 2>"$T/err"; st=$?
	set -e
	assert_eq 3 "$st" "exit code of db $sub in a folder that is not a home"
	assert_contains "$(cat "$T/err")" "$T/nothome is not a sluice home" "db $sub"
	[ ! -e "$T/nothome/sluice.db" ] || fail "db $sub in a folder that is not a home made a database there"
done

# a bad config file names its line
mkdir -p "$T/h3"
printf 'parallelism: 4\npools: {default: lots}\n' >"$T/h3/sluice.yaml"
set +e
"$SLUICE" --home "$T/h3" dags list >/dev/null 2>"$T/err"; st=$?
set -e
assert_eq 3 "$st" "exit code for a bad config"
assert_contains "$(cat "$T/err")" "$T/h3/sluice.yaml:2:18: pools.default: expected a whole number"

# one exit code per kind of error, whatever the verb (sluice --help):
# a home that is not one or whose sluice.yaml is broken 3, a DAG or task
# that does not exist 2 (clear, mark, runs, status, tasks, logs and test
# gave 1 for the home and the config, logs and test 1 for a task)
mkdir -p "$T/nothome2"
while IFS='|' read -r args; do
	for home in "$T/nothome2" "$T/h3"; do
		set +e
		# shellcheck disable=SC2086
		"$SLUICE" --home "$home" $args </dev/null >/dev/null 2>"$T/err"; st=$?
		set -e
		assert_eq 3 "$st" "exit code of $args in $home: $(cat "$T/err")"
	done
	# shellcheck disable=SC2086
	set -- $args
	shift 2
	set +e
	# shellcheck disable=SC2086
	sl "${args%% *}" nope "$@" </dev/null >/dev/null 2>"$T/err"; st=$?
	set -e
	assert_eq 2 "$st" "exit code of ${args%% *} of an unknown DAG: $(cat "$T/err")"
	assert_contains "$(cat "$T/err")" "no DAG named 'nope'" "${args%% *} of an unknown DAG"
done <<'VERBS'
clear good -y
mark good a 2024-01-01 success
runs good
status good
tasks good 2024-01-01
logs good a 2024-01-01
test good a 2024-01-01
trigger good
backfill good --from 2024-01-01 --to 2024-01-02 --dry-run
VERBS
# a DAG without runs: said, not a bare header read as a list that failed
assert_eq "no runs of good yet (sluice trigger, or its schedule, makes one)" "$(sl runs good)" "runs of a DAG without runs"
assert_eq "no successful runs of good" "$(sl runs good --state success)" "runs --state of none"
# verbs that open no database themselves refuse such a folder too,
# instead of listing a default config or starting a scheduler there
for args in "executors" "scheduler" "standalone" "web" "dags validate"; do
	set +e
	# shellcheck disable=SC2086
	timeout 20 "$SLUICE" --home "$T/nothome2" $args </dev/null >/dev/null 2>"$T/err"; st=$?
	set -e
	assert_eq 3 "$st" "exit code of $args in a folder that is not a home"
	assert_contains "$(cat "$T/err")" "is not a sluice home" "$args"
done
[ -z "$(ls -A "$T/nothome2")" ] || fail "commands in a folder that is not a home left $(ls -A "$T/nothome2") there"
for args in "logs good zz 2024-01-01" "test good zz 2024-01-01"; do
	set +e
	# shellcheck disable=SC2086
	sl $args >/dev/null 2>"$T/err"; st=$?
	set -e
	assert_eq 2 "$st" "exit code of $args (no task zz)"
	assert_contains "$(cat "$T/err")" "DAG good has no task 'zz'" "$args"
done
# an integer option's error names the option and the range it takes, and
# comes before any look at the home (exit 2, usage)
while IFS='|' read -r args want; do
	set +e
	# shellcheck disable=SC2086
	sl $args </dev/null >/dev/null 2>"$T/err"; st=$?
	set -e
	assert_eq 2 "$st" "exit code of $args: $(cat "$T/err")"
	assert_eq "$want" "$(head -n 1 "$T/err")" "the error of $args"
done <<'INTS'
backfill good --from 2024-01-01 --to 2024-01-02 --max-active abc|sluice backfill: --max-active: expected a whole number from 1 to 100000, got 'abc'
backfill good --from 2024-01-01 --to 2024-01-02 --max-active 99999999999999999999|sluice backfill: --max-active: expected a whole number from 1 to 100000, got '99999999999999999999'
backfills --limit 0|sluice backfills: --limit: expected a whole number from 1 to 1000000, got '0'
runs good --limit 5x|sluice runs: --limit: expected a whole number from 1 to 1000000, got '5x'
logs good a 2024-01-01 --try x|sluice logs: --try: expected a whole number from 1 to 100000, got 'x'
dags next good -n -3|sluice dags: -n, --count: expected a whole number from 1 to 100000, got '-3'
web --port 70000|sluice web: --port: expected a whole number from 0 to 65535, got '70000'
standalone --port http|sluice standalone: --port: expected a whole number from 0 to 65535, got 'http'
INTS
# a DAG without a schedule (good: schedule: none by default) given to a
# verb that needs one is an input error, exit 2, said the same way by
# each (backfill and dags next exited 1, status 2); the verbs that work
# on its runs take it
while IFS='|' read -r args want; do
	set +e
	# shellcheck disable=SC2086
	sl $args </dev/null >"$T/out" 2>"$T/err"; st=$?
	set -e
	assert_eq 2 "$st" "exit code of $args (an unscheduled DAG): $(cat "$T/err")"
	assert_eq "sluice: DAG good has no schedule (schedule: none): $want" "$(cat "$T/err")" "the error of $args"
	[ ! -s "$T/out" ] || fail "$args printed on stdout: $(cat "$T/out")"
done <<'UNSCHEDULED'
backfill good --from 2024-01-01 --to 2024-01-02|it has no range of partitions to backfill; trigger its partitions one by one (sluice trigger good --partition KEY)
backfill good --from 2024-01-01 --to 2024-01-02 --dry-run|it has no range of partitions to backfill; trigger its partitions one by one (sluice trigger good --partition KEY)
status good|it has no expected partitions to map; its runs are listed by `sluice runs good`
status good --from 2024-01-01|it has no expected partitions to map; its runs are listed by `sluice runs good`
dags next good|it has no next partitions; it runs when triggered (sluice trigger good)
UNSCHEDULED
[ "$(q "SELECT count(*) FROM backfills")" = 0 ] || fail "a backfill of an unscheduled DAG was recorded"
# its default partition is a new key made of the current time, as
# `trigger --help` says
sl trigger good >"$T/out" 2>/dev/null
grep -Eq '^triggered good partition [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00$' "$T/out" ||
	fail "trigger of an unscheduled DAG without --partition: $(cat "$T/out")"
assert_contains "$("$SLUICE" trigger --help)" "for an unscheduled
one, a new key made of the current time" "trigger --help"
for args in "trigger good --partition p1" "runs good" "runs good --from p1 --to p1" \
	"tasks good p1" "mark good a p1 success" "clear good --partition p1 -y" \
	"clear good --from p1 --to p1 -y"; do
	# shellcheck disable=SC2086
	sl $args </dev/null >"$T/out" 2>"$T/err" || fail "$args (an unscheduled DAG): $(cat "$T/err")"
	assert_not_contains "$(cat "$T/err")" "no schedule" "$args"
done
# the clear prompt on a terminal counts in words: one task instance, or
# several (it asked "Clear these 1 task instance so they run again?")
while IFS='|' read -r args want; do
	script -qec "\"$SLUICE\" --home '$H' clear good $args" /dev/null </dev/null >"$T/prompt.out" 2>&1 || true
	assert_contains "$(tr -d '\r' <"$T/prompt.out")" "$want" "the clear prompt of: $args"
done <<'CASES'
--task a --partition p1|Clear this task instance so it runs again? [y/N]
--partition p1|Clear these 2 task instances so they run again? [y/N]
CASES
out=$("$SLUICE" --help)
assert_contains "$out" "Exit status:" "sluice --help says what the exit codes mean"
assert_contains "$out" "  3  the home cannot be used" "sluice --help: 3"
# the manual the package installs (man/man.am) is named where help ends
assert_contains "$out" "\`man sluice\` is the manual; \`man sluice-dag\` and \`man sluice.yaml\`" "sluice --help names the man pages"
assert_eq "$out" "$("$SLUICE" help)" "sluice help is sluice --help"
# commands opening a new database at the same moment all migrate it once
for i in 1 2 3 4 5; do
	mkdir -p "$T/race$i"
	pids=
	for k in 1 2 3 4; do
		"$SLUICE" --home "$T/race$i" db migrate >"$T/race$i.$k.out" 2>&1 &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p" || fail "a concurrent first open failed: $(cat "$T"/race$i.*.out)"
	done
	assert_eq 1 "$(sqlite3 "$T/race$i/sluice.db" "SELECT count(*) FROM schema_migrations WHERE version = 1")" "migration 1 applied once"
done
echo "cli_basic: ok"
