#!/bin/bash
# `sluice complete` (the bash completion's source of candidates), as a
# table: the words typed (the last one being completed) and the
# candidates it must print, one per line; then the script itself
# (contrib/sluice.bash) under bash -n and called as bash calls it.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/hourly.yaml" <<'YAML'
dag: hourly
schedule: "@hourly"
start: 2024-01-01T00:00:00Z
catchup: false
tasks:
  extract: {command: "true"}
  load: {command: "true", after: extract}
YAML
cat >"$H/dags/adhoc.yaml" <<'YAML'
dag: adhoc
params:
  limit: 10
  mode: {type: string, default: a, enum: [a, b]}
  dry: {type: boolean, default: false}
tasks:
  only: {command: "true"}
YAML
sl trigger adhoc --partition k1 >/dev/null
sl trigger adhoc --partition k2 >/dev/null
sl trigger hourly --partition 2024-01-01T05 >/dev/null

nl=$'\n'
# WORDS (| between words; the last is the one being completed) -> EXPECTED
cases=(
	"sluice|tri"					"trigger"
	"sluice|d"					"dags${nl}db"
	"sluice|--ve"					"--version"
	"sluice|help|cl"				"clear"
	"sluice|dags|va"				"validate"
	"sluice|dags|show|h"				"hourly"
	"sluice|trigger|"				"adhoc${nl}hourly"
	"sluice|--home|$H|trigger|a"			"adhoc"
	"sluice|--json|trigger|h"			"hourly"
	"sluice|trigger|hourly|--w"			"--wait"
	"sluice|clear|hourly|--task|"			"extract${nl}load"
	"sluice|clear|hourly|-t|l"			"load"
	"sluice|clear|adhoc|--partition|"		"k2${nl}k1"
	"sluice|logs|hourly|load|2024"			"2024-01-01T05:00:00+00:00"
	"sluice|tasks|adhoc|k"				"k2${nl}k1"
	"sluice|mark|adhoc|only|k1|"			"success${nl}failed"
	"sluice|runs|delete|adhoc|k"			"k2${nl}k1"
	"sluice|runs|delete|adhoc|k1|k"			"k2${nl}k1"
	"sluice|users|"					"list${nl}add${nl}passwd${nl}role${nl}remove${nl}token"
	"sluice|trigger|nosuch|--partition|"		""
	# an option's choices, a mapped task's TASK[N], a DAG's params
	"sluice|runs|hourly|--state|s"			"success"
	"sluice|backfill|hourly|--only|"		"missing${nl}failed${nl}all"
	"sluice|users|add|x|--role|"			"viewer${nl}operator${nl}admin"
	"sluice|test|hourly|"				"extract${nl}load"
	"sluice|trigger|adhoc|--param|"			"limit=${nl}mode=${nl}dry="
	"sluice|clear|adhoc|--param|m"			"mode="
	"sluice|trigger|adhoc|--param|mode="		"mode=a${nl}mode=b"
	"sluice|test|adhoc|only|--param|dry=t"		"dry=true"
	"sluice|trigger|hourly|--param|"		""
	"sluice|nosuchverb|"				""
	"sluice|--home|"				""
)
for ((i = 0; i < ${#cases[@]}; i += 2)); do
	line=${cases[i]}
	IFS='|' read -r -a words <<<"$line"
	# read drops a trailing empty word: the one being completed is ""
	case $line in *"|") words+=("") ;; esac
	cword=$((${#words[@]} - 1))
	got=$(SLUICE_HOME=$H "$SLUICE" complete -- "$cword" "${words[@]}" 2>/dev/null)
	assert_eq "${cases[i + 1]}" "$got" "completing '${cases[i]}'"
done
# the home of the words, not the one of the environment
assert_eq "" "$(SLUICE_HOME=$T "$SLUICE" complete -- 2 sluice trigger a 2>/dev/null)" "an empty home"
assert_eq "adhoc" "$(SLUICE_HOME=$T "$SLUICE" complete -- 3 sluice "--home=$H" trigger a)" "--home="
# no database is made to complete a word
mkdir "$T/nodb"
"$SLUICE" complete -- 4 sluice --home "$T/nodb" tasks x "" >/dev/null 2>&1 || true
[ ! -e "$T/nodb/sluice.db" ] || fail "completion made a database"
# a usage error: bad CWORD
if "$SLUICE" complete -- 9 sluice x >/dev/null 2>&1; then fail "a bad CWORD was taken"; fi

# the script, as bash calls it
bash -n "$SLUICE_SRCDIR/contrib/sluice.bash" || fail "bash -n contrib/sluice.bash"
got=$(PATH=$(dirname "$SLUICE"):$PATH bash -c '
	. "$1"
	COMP_WORDS=(sluice --home "$2" trigger h); COMP_CWORD=4
	_sluice
	printf "%s\n" "${COMPREPLY[@]}"' _ "$SLUICE_SRCDIR/contrib/sluice.bash" "$H")
assert_eq "hourly" "$got" "the bash function"
echo "cli_complete: ok"
