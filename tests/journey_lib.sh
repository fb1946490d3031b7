# tests/journey_lib.sh: what the journey tests (tests/journey_*.sh) share,
# sourced after tests/setup.sh. A journey walks one pipeline the way a data
# engineer uses sluice (write the DAG, validate it, unpause it, let it
# catch up, read the failure email, follow its link in a browser, clear a
# range in the UI, backfill, test, repair a run) and checks what that
# person sees: CLI output, the email, the pages, the run states.
#
#   JOURNEY=name; . tests/journey_lib.sh
#   journey_home          SMTP on loopback, `sluice init`, user ops
#   journey_start         `sluice standalone` on a free port ($URL)
#   dag_file NAME <<YAML  write $H/dags/NAME.yaml as the person would
#   validate_ok           `sluice dags validate` says every file is OK
#   unpause DAG           `sluice dags unpause DAG` (new DAGs may start paused)
#   run_states DAG        "PARTITION STATE" lines, oldest first, from `sluice runs`
#   wait_states DAG WANT [S]  until run_states is WANT
#   runs_row DAG P        "STATE TYPE" of P in the `sluice runs` table
#   wait_mail TEXT [S]    until a mail whose Subject has TEXT arrived; $MAIL
#   mail_link I           the mail's "Open in sluice" link
#   browser_link LINK SELECTOR TEXT   open a mail's link in Chromium, log in
#   browser_clear DAG TASK FROM TO PREVIEW [downstream]
#                         select FROM..TO of TASK in the grid, Clear, check
#                         the preview lists PREVIEW, confirm, wait green
# Screenshots land in $SHOTS (under the build dir), one folder per journey.
. "$SLUICE_SRCDIR/tests/web_lib.sh"

: "${JOURNEY:?set JOURNEY before sourcing journey_lib.sh}"
SHOTS=$SLUICE_BUILDDIR/tests/journey-shots/$JOURNEY
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
export SHOTS

# The browser part needs Debian's Chromium and playwright-core (pinned in
# tests/package.json); without them the journey cannot be walked.
journey_need_browser() {
	[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium"
	command -v node >/dev/null || skip "no node"
	[ -d "$SLUICE_SRCDIR/tests/node_modules/playwright-core" ] ||
		skip "no playwright-core in tests/node_modules (npm ci in tests/)"
}

journey_home() {
	journey_need_browser
	start_smtp
	new_home
	sl init >"$T/init.out"
	assert_contains "$(cat "$T/init.out")" "created a sluice home" "sluice init"
	cat >>"$H/sluice.yaml" <<YAML
smtp: {url: "$SMTP_URL", from: sluice@example.com}
YAML
	echo "$OPS_PW" | sl users add ops --role operator --password-stdin >/dev/null
	OPS_TOKEN=$(sl users token ops)
	export OPS_TOKEN
}

journey_start() { start_standalone "$@"; }

# dag_file NAME: the DAG file, from stdin.
dag_file() { cat >"$H/dags/$1.yaml"; }

validate_ok() {
	local out n
	n=$(find "$H/dags" -name '*.yaml' | wc -l)
	out=$(sl dags validate 2>&1) || fail "sluice dags validate: $out"
	if [ "$n" = 1 ]; then
		assert_eq "1 DAG file OK" "$out" "sluice dags validate"
	else
		assert_eq "$n DAG files OK" "$out" "sluice dags validate"
	fi
}

unpause() {
	assert_eq "DAG $1 unpaused" "$(sl dags unpause "$1" 2>&1)" "sluice dags unpause $1"
	assert_eq "False" "$(sl dags list --json | /usr/bin/python3 -c '
import json,sys
print([d["paused"] for d in json.load(sys.stdin) if d["dag"] == sys.argv[1]][0])' "$1")" \
		"$1 paused in sluice dags list"
}

# run_states DAG: one "PARTITION STATE" line per run, oldest first.
run_states() {
	sl runs "$1" --json --limit 1000 | /usr/bin/python3 -c '
import json,sys
for r in sorted(json.load(sys.stdin), key=lambda r: r["partition"]):
    print(r["partition"], r["state"])'
}
_states_are() { [ "$(run_states "$1")" = "$2" ]; }
# wait_states DAG WANT [SECONDS]
wait_states() {
	_states_are "$1" "$2" && return 0
	local end=$(($(date +%s) + ${3:-40}))
	until _states_are "$1" "$2"; do
		[ "$(date +%s)" -lt "$end" ] ||
			fail "runs of $1: want
$2
got
$(run_states "$1")"
		sleep 0.1
	done
}

# runs_row DAG PARTITION: "STATE TYPE" of the partition's row in the
# table `sluice runs DAG` prints (what a person reads).
runs_row() {
	sl runs "$1" --limit 1000 | awk -v p="$2" '$1 == p { print $2, $3 }'
}

# ti_try DAG PARTITION TASK: the try number of a task instance.
ti_try() { ti_field "$1" "$2" "$3" try_number; }

# mail_index TEXT: the index of the first mail whose Subject contains TEXT.
mail_index() {
	local i n
	n=$(smtp_count)
	for ((i = 0; i < n; i++)); do
		case "$(smtp_mail header:Subject "$i")" in *"$1"*) echo "$i"; return 0 ;; esac
	done
	return 1
}
# wait_mail TEXT [SECONDS]: sets MAIL (its index).
wait_mail() {
	wait_for "${2:-30}" "an email about '$1'" mail_index "$1"
	MAIL=$(mail_index "$1")
}
# mail_subjects: every subject that arrived, one a line.
mail_subjects() {
	local i n
	n=$(smtp_count)
	for ((i = 0; i < n; i++)); do smtp_mail header:Subject "$i"; done
}
mail_link() { smtp_mail text "$1" | sed -n 's/^Open in sluice: //p' | head -1; }

# browser_link LINK SELECTOR TEXT: the link, clicked in a mail, opens the
# login page, then the linked page, which shows SELECTOR containing TEXT.
browser_link() {
	MODE=link LINK=$1 WANT=$2 WANT_TEXT=$3 USER=ops PASSWORD=$OPS_PW URL=$URL \
		node "$SLUICE_SRCDIR/tests/browser/journey.mjs" >>"$T/browser.log" 2>&1 ||
		fail "the email's link in Chromium: $(cat "$T/browser.log")"
}

# browser_clear DAG TASK FROM TO PREVIEW [downstream]: PREVIEW is the
# preview's rows, "PARTITION TASK STATE" one a line. Returns when every
# cleared task instance ran again (a new try that succeeded) or was
# skipped, as the scheduler records it.
browser_clear() {
	local p t st before=() i=0
	while read -r p t st; do before+=("$(ti_try "$1" "$p" "$t") $(ti_field "$1" "$p" "$t" updated_at)"); done <<<"$5"
	MODE=clear DAG=$1 TASK=$2 FROM=$3 TO=$4 PREVIEW=$5 DOWNSTREAM=${6:-} \
		USER=ops PASSWORD=$OPS_PW URL=$URL \
		node "$SLUICE_SRCDIR/tests/browser/journey.mjs" >>"$T/browser.log" 2>&1 ||
		fail "the range clear in Chromium: $(cat "$T/browser.log")"
	while read -r p t st; do
		wait_for 40 "$1 $t $p to run again" _ran_again "$1" "$p" "$t" "${before[$i]}"
		i=$((i + 1))
	done <<<"$5"
}
# _ran_again DAG PARTITION TASK "TRY UPDATED_AT" (before the clear): a
# mapped task (map_count set) has no try of its own: it ran again when it
# succeeded since.
_ran_again() {
	case "$(ti_field "$1" "$2" "$3" state)" in
	skipped) return 0 ;;
	success)
		if [ -n "$(ti_field "$1" "$2" "$3" map_count)" ]; then
			[ "$(ti_field "$1" "$2" "$3" updated_at)" -gt "${4#* }" ]
		else
			[ "$(ti_try "$1" "$2" "$3")" -gt "${4%% *}" ]
		fi ;;
	*) return 1 ;;
	esac
}

# sl_out ARGS...: run the CLI, its output (stdout and stderr) in $OUT and
# its exit status in $RC; never fails by itself.
sl_out() {
	set +e
	OUT=$(sl "$@" 2>&1)
	RC=$?
	set -e
}
