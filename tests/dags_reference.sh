#!/bin/bash
# docs/DAGS.md is what `sluice dags reference` generates from the loader's
# key tables (so the reference cannot drift from the loader): after a
# change to a key, regenerate it with
#   build/sluice dags reference > docs/DAGS.md
. "$SLUICE_SRCDIR/tests/setup.sh"
"$SLUICE" dags reference > "$T/DAGS.md"
if ! cmp -s "$SLUICE_SRCDIR/docs/DAGS.md" "$T/DAGS.md"; then
	diff -u "$SLUICE_SRCDIR/docs/DAGS.md" "$T/DAGS.md" | head -40 >&2 || true
	fail "docs/DAGS.md is not what 'sluice dags reference' prints: regenerate it (build/sluice dags reference > docs/DAGS.md)"
fi
# the reference names every key of every table and task type
for k in dag schedule timezone catchup tags trigger_rule sla on_failure \
	none_failed_min_one_success sla_miss SLUICE_PARTITION ds_nodash params.NAME \
	'### `shell`' '### `s3_sensor`' '## SLAs' '## Partitions'; do
	grep -qF -- "$k" "$T/DAGS.md" || fail "the reference does not name $k"
done
# and only task types: the webhook sender is no type of a DAG file
! grep -qF '### `webhook`' "$T/DAGS.md" || fail "the reference lists webhook as a task type"
# every YAML example of the reference is a whole DAG file that validates
# in a DAG folder, or the text before it says it is an excerpt
new_home
/usr/bin/python3 - "$T/DAGS.md" "$H/dags" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
n = 0
for m in re.finditer(r"```yaml\n(.*?)```", text, re.S):
    before = text[:m.start()].rstrip("\n").rsplit("\n\n", 1)[-1]
    if "excerpt" in before:
        continue
    n += 1
    open("%s/example%d.yaml" % (sys.argv[2], n), "w").write(m.group(1))
assert n >= 3, "only %d whole examples" % n
PY
"$SLUICE" --home "$H" dags validate >"$T/examples.out" 2>&1 ||
	fail "a YAML example of docs/DAGS.md does not validate: $(cat "$T/examples.out")"
grep -q '^3 DAG files OK' "$T/examples.out" || fail "the examples validated: $(cat "$T/examples.out")"
# it needs no home
(cd "$T" && "$SLUICE" dags reference >/dev/null) || fail "dags reference needs a home"
echo "dags_reference: ok"
