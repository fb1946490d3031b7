#!/bin/bash
# Executor plug-ins: the in-tree example plug-in (executors/plugins/
# example.c, built by `make check`) loads through executor_plugin_load,
# runs tasks with its marker variable, env, cwd and stdin, reports exit
# codes, and kills a task's whole process group on timeout.
. "$SLUICE_SRCDIR/tests/setup.sh"
. "$SLUICE_SRCDIR/tests/ssh_lib.sh"

so=$SLUICE_BUILDDIR/executors/plugins/sluice-example.so
[ -f "$so" ] || fail "$so is not built (make check builds it)"
cfg="{\"type\": \"plugin\", \"path\": \"$so\", \"slots\": 2, \"marker\": \"hello\"}"
mkdir -p "$T/wd"

out=$("$DRIVER" -p "$so" -c "$cfg" -n 3 -L "$T" -d "$T/wd" -e "GREETING=hi there" -i "in" -D -- \
	sh -c 'echo "marker=$SLUICE_EXAMPLE_PLUGIN greeting=$GREETING pwd=$(pwd) stdin=$(cat)"; exit $TASK_INDEX')
for i in 0 1 2; do
	r=$(result_of "$out" $i)
	assert_eq "$i" "$(json_field "$r" exit_code)" "task $i exit code"
	assert_eq localhost "$(json_field "$r" host)" "task $i host"
	assert_contains "$(cat "$T/task-$i.log")" "example plug-in test: try 1 on localhost"
	assert_contains "$(cat "$T/task-$i.log")" "marker=hello greeting=hi there pwd=$T/wd stdin=in"
done
assert_contains "$out" '"describe":"example plug-in on localhost, 2/2 slots free"'

# Timeout: SIGTERM to the group (a child included).
driver_bg -p "$so" -c "$cfg" -L "$T" -t 0:1000 -- sh -c 'echo $(ps -o pgid= $$) >"$1.tmp"; mv "$1.tmp" "$1"; sleep 300 & wait' task "$T/pg"
wait_for 20 "the task's process group" test -s "$T/pg"
pg=$(tr -d ' ' <"$T/pg")
driver_wait
assert_eq 15 "$(json_field "$(result_of "$(cat "$T/driver.out")" 0)" signal)" "signal"
wait_for 10 "the group $pg to be gone" eval "! group_alive $pg"
