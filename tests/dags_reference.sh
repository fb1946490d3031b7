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
# it needs no home
(cd "$T" && "$SLUICE" dags reference >/dev/null) || fail "dags reference needs a home"
echo "dags_reference: ok"
