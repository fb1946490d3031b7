#!/bin/bash
# `sluice dags schema` checked with a real validator (ajv, pinned in
# tests/package.json): every example DAG of dags/ and every DAG written in
# the tests that the loader accepts passes it; DAGs the loader refuses for
# an unknown key (DAG level, task level, another type's key), a value
# outside an enum or of the wrong type fail it too.
. "$SLUICE_SRCDIR/tests/setup.sh"
command -v node >/dev/null || skip "no node: run scripts/deps --test"
[ -d "$SLUICE_SRCDIR/tests/node_modules/ajv" ] ||
	skip "no ajv in tests/node_modules: run scripts/deps --test"
"$SLUICE" dags schema > "$T/schema.json"
check() { node "$SLUICE_SRCDIR/tests/dags_schema.mjs" "$T/schema.json" "$@"; }

# the DAGs the tests write: here-documents whose first line is dag:
mkdir "$T/from_tests"
for f in "$SLUICE_SRCDIR"/tests/*.sh; do
	awk -v out="$T/from_tests/$(basename "$f" .sh)" '
		!inside && /<<-?[ \t]*['\''"]?[A-Za-z_]+['\''"]?[ \t]*$/ {
			d = $0; sub(/.*<<-?[ \t]*['\''"]?/, "", d); sub(/['\''"]?[ \t]*$/, "", d)
			inside = 1; first = 1; n++; file = out "_" n ".yaml"; keep = 0; next
		}
		inside && $0 == d { inside = 0; if (keep) close(file); next }
		inside {
			if (first) { keep = ($0 ~ /^dag:/); first = 0 }
			if (keep) print > file
		}' "$f"
done
valid=()
for f in "$T"/from_tests/*.yaml; do
	# only what the loader accepts (without a home: no pool/executor check)
	if (cd "$T" && "$SLUICE" dags validate "$f" >/dev/null 2>&1); then
		valid+=("$f")
	fi
done
note "${#valid[@]} DAGs from the tests load"
[ "${#valid[@]}" -ge 20 ] || fail "only ${#valid[@]} DAGs found in the tests' here-documents"

# a task without type: takes the one defaults: gives (and its keys)
mkdir "$T/good"
printf '%s\n' 'dag: typed_by_defaults' 'defaults: {type: s3_sensor, url: "file:///tmp/x/{{ ds }}"}' \
	'tasks: {wait: {poke_interval: 1m}, wait2: {min_objects: 2}}' > "$T/good/defaults_type.yaml"
(cd "$T" && "$SLUICE" dags validate "$T/good/defaults_type.yaml" >/dev/null) ||
	fail "the loader refuses defaults_type.yaml"
valid+=("$T/good/defaults_type.yaml")

# DAGs the loader refuses, each for a reason the schema knows too
mkdir "$T/bad"
bad() { printf '%s\n' "$2" > "$T/bad/$1.yaml"; }
bad unknown_dag_key 'dag: d
schedul: "@daily"
tasks: {a: {command: "true"}}'
bad unknown_task_key 'dag: d
tasks: {a: {command: "true", retrys: 2}}'
bad other_types_key 'dag: d
tasks: {a: {command: "true", url: "s3://b/k"}}'
bad unknown_default 'dag: d
defaults: {retry: 2}
tasks: {a: {command: "true"}}'
bad trigger_rule 'dag: d
tasks: {a: {command: "true", trigger_rule: most_success}}'
bad email_on 'dag: d
email_on: [failure, sla]
tasks: {a: {command: "true"}}'
bad retries_type 'dag: d
tasks: {a: {command: "true", retries: many}}'
bad duration 'dag: d
tasks: {a: {command: "true", timeout: 10 minutes}}'
bad param_type 'dag: d
params: {p: {type: date}}
tasks: {a: {command: "true"}}'
bad task_type 'dag: d
tasks: {a: {type: python, command: "true"}}'
bad no_tasks 'dag: d'
bad key_of_shell_in_defaults_type 'dag: d
defaults: {type: s3_sensor, url: "file:///tmp/x"}
tasks: {a: {command: "true"}}'
for f in "$T"/bad/*.yaml; do
	if (cd "$T" && "$SLUICE" dags validate "$f" >/dev/null 2>&1); then
		fail "the loader accepts $(basename "$f")"
	fi
done

check valid "$SLUICE_SRCDIR"/dags/*.yaml "${valid[@]}" invalid "$T"/bad/*.yaml
echo "dags_schema: ok"
