#!/bin/bash
# The README walked as written: "A first DAG" (its YAML file and every
# command of its shell block, as a person pastes them) against a running
# scheduler, and the quick start's `scripts/start` steps that make the
# demo home (init, the local examples unpaused, the AWS examples paused).
. "$SLUICE_SRCDIR/tests/setup.sh"
README="$SLUICE_SRCDIR/README.md"
new_home

# the README's blocks: the YAML of "A first DAG", then its shell block
/usr/bin/python3 - "$README" "$T" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
sec = text[text.index("## A first DAG"):]
sec = sec[:sec.index("\n## ", 3)]
blocks = re.findall(r"```(\w+)\n(.*?)```", sec, re.S)
yaml = [b for lang, b in blocks if lang == "yaml"]
sh = [b for lang, b in blocks if lang == "sh"]
assert len(yaml) == 1 and len(sh) == 1, "one yaml and one sh block"
open(sys.argv[2] + "/hello.yaml", "w").write(yaml[0])
# join continuation lines; one command a line
cmds = sh[0].replace("\\\n", " ").strip().split("\n")
open(sys.argv[2] + "/commands", "w").write("\n".join(cmds) + "\n")
PY
head -1 "$T/hello.yaml" | grep -q '^# dags/hello.yaml' || fail "the YAML block names its file"
cp "$T/hello.yaml" "$H/dags/hello.yaml"
start_scheduler

# run each line as written: `sluice` is the build (the README puts build/
# on PATH), `demo-home` is this test's home
mkdir -p "$T/bin"
ln -s "$SLUICE" "$T/bin/sluice"
n=0
while IFS= read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	n=$((n + 1))
	cmd=${line//demo-home/$H}
	cmd=${cmd//'$PWD/build'/$T/bin}
	out=$(cd "$T" && PATH="$T/bin:$PATH" bash -c "set -e; $cmd" 2>&1) ||
		fail "README command $n failed: $line
$out"
	printf '%s\n' "$out" >"$T/out.$n"
	echo "ok $n: $line"
done <"$T/commands"
[ "$n" -ge 8 ] || fail "only $n commands found in the README block"

# what a person sees: the run succeeded, the logs show the partition, the
# dry run lists what it would clear
grep -rq 'success' "$T"/out.* || fail "no run shown as success"
grep -rq 'loading partition "\?2024-01-01T05:00:00+00:00' "$T"/out.* ||
	grep -rq 'loading partition 2024-01-01T05:00:00+00:00' "$T"/out.* ||
	fail "the log of load does not show its partition: $(cat "$T"/out.*)"
grep -rq 'extract' "$T/out.$n" || fail "the clear preview lists nothing: $(cat "$T/out.$n")"
assert_eq success "$(q "SELECT state FROM dag_runs WHERE dag_id = 'hello' AND partition = '2024-01-01T05:00:00+00:00'")" "the README's run"

# the quick start's home: init with the example DAGs, AWS examples paused
H2="$T/demo-home"
"$SLUICE" init "$H2" --dags "$SLUICE_SRCDIR/dags" >"$T/init.out" 2>&1 || fail "init: $(cat "$T/init.out")"
for dag in stock_prices_hourly stock_bollinger_daily; do
	"$SLUICE" --home "$H2" dags unpause "$dag" >/dev/null || fail "unpause $dag"
	grep -q "dags unpause \"\$dag\"" "$SLUICE_SRCDIR/scripts/start" || fail "scripts/start no longer unpauses"
	grep -Eq "for dag in .*$dag" "$SLUICE_SRCDIR/scripts/start" || fail "scripts/start does not unpause $dag"
done
for dag in retail_weekly serverless_lake wiki_edits_lake firehose_to_redshift stock_bollinger_aws stock_bands_emr_rollup stock_bands_weekly retail_extracts_daily retail_weekly_fact; do
	"$SLUICE" --home "$H2" dags pause "$dag" >/dev/null || fail "pause $dag"
done
# the demo's local examples run, the others wait (new DAGs start paused)
"$SLUICE" --home "$H2" --json dags list | /usr/bin/python3 -c '
import json,sys
d = {x["dag"]: x["paused"] for x in json.load(sys.stdin) if x["dag"]}
assert d["stock_prices_hourly"] is False and d["stock_bollinger_daily"] is False, d
assert d["retail_weekly"] is True, d
' || fail "the demo home pauses the wrong DAGs"
"$SLUICE" --home "$H2" dags validate >"$T/validate.out" 2>&1 || fail "the example DAGs do not validate: $(cat "$T/validate.out")"
# the needs: example of "Partitions across DAGs", pasted next to the
# upstream it names: it loads (it lacked start: once)
mkdir -p "$T/needs"
/usr/bin/python3 - "$README" "$T/needs/rollup.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
sec = text[text.index("## Partitions across DAGs"):]
sec = sec[:sec.index("\n## ", 3)]
yaml = re.findall(r"```yaml\n(.*?)```", sec, re.S)
assert len(yaml) == 1, "one yaml block"
open(sys.argv[2], "w").write(yaml[0])
PY
cp "$SLUICE_SRCDIR/dags/stock_prices_hourly.yaml" "$T/needs/"
"$SLUICE" --home "$H" dags validate "$T/needs" >"$T/needs.out" 2>&1 ||
	fail "the README's needs: example does not load: $(cat "$T/needs.out")"
grep -q 'scripts/start' "$README" || fail "the README no longer names scripts/start"
echo "readme: ok"
