#!/bin/bash
# Two files declaring one DAG: `dags validate` names as not loaded the
# file the scheduler and `dags list` do not load (the one the database
# records keeps the DAG), not the later one by path; a home without a
# database goes by path, and validate does not make one.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/orders.yaml" <<'YAML'
dag: orders
schedule: none
tasks:
  a: {command: 'true'}
YAML
start_scheduler
wait_for 20 "the scheduler to record orders.yaml" \
	sh -c "[ \"\$(sqlite3 '$H/sluice.db' \"SELECT file FROM dags WHERE dag_id = 'orders'\")\" = '$H/dags/orders.yaml' ]"
# a copy that sorts first by path
cp "$H/dags/orders.yaml" "$H/dags/a_copy.yaml"
set +e
sl dags validate >"$T/out" 2>&1; st=$?
set -e
assert_eq 1 "$st" "exit code of dags validate"
assert_contains "$(cat "$T/out")" "$H/dags/a_copy.yaml:1:6: dag 'orders' is already defined in $H/dags/orders.yaml (this file is not loaded; $H/dags/orders.yaml keeps the DAG)" \
	"dags validate names the copy"
assert_not_contains "$(cat "$T/out")" "$H/dags/orders.yaml:1:1" "dags validate of the file that keeps the DAG"
# dags list says the same
assert_contains "$(sl dags list 2>&1)" "$H/dags/a_copy.yaml:1:6: dag 'orders' is already defined in $H/dags/orders.yaml" "dags list"

# no database yet: the first by path keeps it, and none is made
mkdir -p "$T/ci/dags"
cp "$H/dags/orders.yaml" "$T/ci/dags/orders.yaml"
cp "$H/dags/orders.yaml" "$T/ci/dags/a_copy.yaml"
set +e
"$SLUICE" --home "$T/ci" dags validate >"$T/out" 2>&1; st=$?
set -e
assert_eq 1 "$st" "exit code of dags validate without a database"
assert_contains "$(cat "$T/out")" "$T/ci/dags/orders.yaml:1:6: dag 'orders' is already defined in $T/ci/dags/a_copy.yaml" \
	"dags validate without a database"
[ ! -e "$T/ci/sluice.db" ] || fail "dags validate made a database"
echo "dags_validate_owner: ok"
