#!/bin/bash
# Mapped tasks end to end (local executor, the real scheduler): list_symbols
# writes a JSON list to $SLUICE_OUTPUT; quote maps over it (foreach:
# {output, key}) with max_active 2, one item failing its first try
# (retries 1); report runs once every item succeeded. Each item's log
# holds its item; the failing one retried once; never more than two items
# ran at once; `sluice tasks` lists the items under their task; the API
# gives map_index, map_item and map_count; `sluice logs` and `sluice
# clear` take NAME[i] (a missing item is an error naming the count);
# clearing one item re-runs it alone; marking one item settles its task;
# --only-failed re-runs the failed items only;
# `sluice test` runs one item (TASK[N] or --item); `dags show` names a
# mapped setup as both.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/web_lib.sh"

# try_is TASK N: the task instance's try number is N (for wait_for)
try_is() { test "$(ti_field mapped p1 "$1" try_number)" = "$2"; }

# dags show lists a mapped setup both as mapped and as a setup (it
# showed only the first)
mkdir -p "$T/setup/dags"
cat > "$T/setup/dags/cluster.yaml" <<'YAML'
dag: cluster
tasks:
  make: {command: "echo {{ item }}", setup: true, foreach: [a, b]}
  work: {command: "true", after: [make]}
  stop: {command: "true", after: [work], teardown_of: make}
YAML
out=$("$SLUICE" --home "$T/setup" dags show cluster)
assert_contains "$out" '  make                   mapped: one instance per item of ["a","b"]' "a mapped setup in dags show: mapped"
assert_contains "$out" "  make                   setup: torn down by stop" "a mapped setup in dags show: its teardown"

web_home
cat > "$H/dags/mapped.yaml" <<'YAML'
dag: mapped
schedule: none
tasks:
  list_symbols:
    command: echo 'symbols=["AAPL","MSFT","GOOG"]' >> "$SLUICE_OUTPUT"
  quote:
    after: [list_symbols]
    foreach: {output: list_symbols, key: symbols}
    max_active: 2
    retries: 1
    retry_delay: 1s
    command: |
      echo "quoting {{ item }} as $SLUICE_TASK"
      if [ {{ item }} = MSFT ] && [ {{ try_number }} = 1 ]; then exit 1; fi
      sleep 0.4
  report:
    after: [quote]
    command: echo report done
YAML
cat > "$H/dags/listed.yaml" <<'YAML'
dag: listed
schedule: none
tasks:
  each:
    foreach: ["it's", "$(echo no)", x]
    command: echo "item <{{ item }}> as $SLUICE_TASK"
  solo: {foreach: [only], command: 'true'}
YAML
start_standalone

# `sluice test` runs one item of a mapped task: TASK[N] from a literal
# list, --item for a list from an output; the item stays data
out=$(sl test listed 'each[1]' k1 2>&1) || fail "test each[1]: $out"
assert_contains "$out" 'item <$(echo no)> as each[1]'
out=$(sl test listed 'each[0]' k1 2>&1) || fail "test each[0]: $out"
assert_contains "$out" "item <it's> as each[0]"
out=$(sl test mapped quote k1 --item '"AAPL"' 2>&1) || fail "test quote --item: $out"
assert_contains "$out" "quoting AAPL as quote[0]"
out=$(sl test mapped quote k1 --item 'BRK B' 2>&1) || fail "test quote --item text: $out"
assert_contains "$out" "quoting BRK B as quote[0]"
# --item of a literal list's item is named by its place there
out=$(sl test listed each k1 --item x 2>&1) || fail "test each --item x: $out"
assert_contains "$out" "item <x> as each[2]"
while IFS='|' read -r args want; do
	set +e
	# shellcheck disable=SC2086
	sl test $args >/dev/null 2>"$T/err"; st=$?
	set -e
	assert_eq 2 "$st" "exit code of: test $args (an input error)"
	assert_contains "$(cat "$T/err")" "$want" "test $args"
done <<'CASES'
mapped quote k1|task quote is mapped (foreach:) over a list known only in a run (not a literal list, so TASK[N] names no item here): give the item with --item VALUE
mapped quote[1] k1|task quote is mapped (foreach:) over a list known only in a run (not a literal list, so quote[1] names no item here): give the item with --item VALUE
listed each k1|task each is mapped (foreach:): name one item, each[N] (from its list), or give it with --item VALUE
listed each[3] k1|task each has 3 items (0 to 2): no item 3
listed solo[1] k1|task solo has 1 item (0 to 0): no item 1
mapped report[0] k1|'report[0]': task report is not a mapped task (no foreach:), so it has no items
mapped report k1 --item x|task report is not a mapped task (no foreach:), so it has no items
listed each[x] k1|'each[x]': an item of the mapped task each is written each[N], N a whole number from 0 (e.g. each[0])
listed each[01] k1|'each[01]': an item of the mapped task each is written each[N]
listed nosuch[0] k1|DAG listed has no task 'nosuch[0]'
CASES

sl trigger mapped --partition p1 >/dev/null
wait_ti mapped p1 report success 60
assert_eq success "$(ti_field mapped p1 quote state)"
assert_eq 3 "$(ti_field mapped p1 quote map_count)"

# each item's log holds its item; MSFT failed once and was retried once
i=0
for sym in AAPL MSFT GOOG; do
	assert_eq success "$(ti_field mapped p1 "quote[$i]" state)"
	assert_eq "\"$sym\"" "$(ti_field mapped p1 "quote[$i]" map_item)"
	assert_contains "$(cat "$H/logs/mapped/p1/quote[$i]/try-1.log")" "quoting $sym as quote[$i]"
	i=$((i + 1))
done
assert_eq 2 "$(ti_field mapped p1 'quote[1]' try_number)"
assert_eq 1 "$(ti_field mapped p1 'quote[0]' try_number)"
assert_eq 1 "$(ti_field mapped p1 'quote[2]' try_number)"
assert_contains "$(cat "$H/logs/mapped/p1/quote[1]/try-2.log")" "quoting MSFT"
assert_eq 2 "$(q "SELECT count(*) FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id WHERE ti.task_id = 'quote[1]'")"
# max_active 2: at the start of every try, at most two tries of quote ran
most=$(q "SELECT max((SELECT count(*) FROM task_tries t2 JOIN task_instances i2 ON i2.id = t2.ti_id
	WHERE i2.task_id LIKE 'quote[%' AND t2.started_at <= t1.started_at AND t2.ended_at > t1.started_at))
	FROM task_tries t1 JOIN task_instances i1 ON i1.id = t1.ti_id WHERE i1.task_id LIKE 'quote[%'")
[ "$most" -le 2 ] || fail "max_active 2, but $most items ran at once"
assert_eq 1 "$(ti_field mapped p1 report try_number)"

# the CLI lists the items under their task, and reads one item's log
out=$(sl tasks mapped p1)
assert_contains "$out" "  quote[2]"
# the task itself has no tries (its items do): no "0/1" on its line
assert_eq "-" "$(awk '$1 == "quote" { print $3 }' <<<"$out")" "the mapped task's TRY column"
assert_contains "$(sl logs mapped 'quote[2]' p1)" "quoting GOOG"
if out=$(sl logs mapped 'quote[9]' p1 2>&1); then fail "logs of a missing item succeeded"; fi
assert_contains "$out" "quote has 3 items there"

# the API: map_index, map_item on an item, map_count on its task
assert_status 200 GET '/dags/mapped/runs/p1/tasks/quote%5B1%5D'
assert_eq 1 "$(jget 'd["map_index"]')"
assert_eq MSFT "$(jget 'd["map_item"]')"
assert_status 200 GET /dags/mapped/runs/p1
assert_eq 3 "$(jget '[t for t in d["task_instances"] if t["task"] == "quote"][0]["map_count"]')"

# clearing one item: the preview lists it alone, and it alone re-runs
if out=$(sl clear mapped --partition p1 --task 'quote[9]' --yes 2>&1); then fail "clear of a missing item succeeded"; fi
assert_contains "$out" "quote has 3 items there"
# an item's name mistyped: the same message in every verb
for verb in "clear mapped --partition p1 --task quote[x] --yes" "logs mapped quote[x] p1" "mark mapped quote[x] p1 success --dry-run"; do
	# shellcheck disable=SC2086
	if out=$(sl $verb 2>&1); then fail "$verb succeeded"; fi
	assert_contains "$out" "'quote[x]': an item of the mapped task quote is written quote[N], N a whole number from 0 (e.g. quote[0])" "$verb"
done
out=$(sl clear mapped --partition p1 --task 'quote[0]' --dry-run 2>&1)
assert_contains "$out" "quote[0]"
case "$out" in *"quote[1]"*|*report*) fail "the preview of one item lists more: $out" ;; esac
sl clear mapped --partition p1 --task 'quote[0]' --yes >/dev/null
wait_for 60 "quote[0] to run again" try_is 'quote[0]' 2
wait_ti mapped p1 'quote[0]' success 60
wait_ti mapped p1 quote success 60
wait_for 30 "the run to succeed again" run_is mapped p1 success
assert_eq 2 "$(ti_field mapped p1 'quote[1]' try_number)"
assert_eq 1 "$(ti_field mapped p1 'quote[2]' try_number)"
assert_eq 1 "$(ti_field mapped p1 report try_number)"
assert_contains "$(cat "$H/logs/mapped/p1/quote[0]/try-2.log")" "quoting AAPL"

# marking one item: its task settles from its items again
if out=$(sl mark mapped 'quote[5]' p1 success 2>&1); then fail "mark of a missing item succeeded"; fi
assert_contains "$out" "quote has 3 items there"
sl mark mapped 'quote[2]' p1 failed >/dev/null
wait_ti mapped p1 quote failed 30
assert_eq failed "$(ti_field mapped p1 'quote[2]' state)"
assert_eq 1 "$(ti_field mapped p1 'quote[2]' try_number)"

# --only-failed: the failed item alone re-runs, not the ones that
# succeeded (clearing the task made every item again), and the preview
# says so
out=$(sl clear mapped --partition p1 --only-failed --dry-run 2>&1)
assert_contains "$out" "quote[2]"
assert_contains "$out" "1 task instance would be cleared"
case "$out" in *"quote[0]"*|*"quote[1]"*) fail "the only-failed preview lists items that succeeded: $out" ;; esac
sl clear mapped --partition p1 --only-failed --yes >/dev/null
wait_for 60 "quote[2] to run again" try_is 'quote[2]' 2
wait_ti mapped p1 quote success 60
wait_for 30 "the run to succeed again" run_is mapped p1 success
assert_eq 2 "$(ti_field mapped p1 'quote[0]' try_number)"
assert_eq 2 "$(ti_field mapped p1 'quote[1]' try_number)"

# clearing the task itself makes its items again: each item's next try
# follows its last, so the earlier tries' logs stay
sl clear mapped --partition p1 --task quote --yes >/dev/null
wait_for 60 "quote[2] to run again" try_is 'quote[2]' 3
wait_ti mapped p1 quote success 60
assert_eq 3 "$(ti_field mapped p1 'quote[0]' try_number)"
assert_contains "$(cat "$H/logs/mapped/p1/quote[2]/try-1.log")" "quoting GOOG"
assert_contains "$(cat "$H/logs/mapped/p1/quote[2]/try-2.log")" "quoting GOOG"
assert_contains "$(cat "$H/logs/mapped/p1/quote[2]/try-3.log")" "quoting GOOG"
assert_contains "$(cat "$H/logs/mapped/p1/quote[0]/try-2.log")" "quoting AAPL"
assert_contains "$(cat "$H/logs/mapped/p1/quote[0]/try-3.log")" "quoting AAPL"
echo "ok"
