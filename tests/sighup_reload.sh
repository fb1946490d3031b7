#!/bin/bash
# SIGHUP reloads sluice.yaml and says what it applied and what needs a
# restart, truthfully (the web's keys are the scheduler's only when it
# serves the web, as standalone): lines added above the executors: and connections:
# blocks change neither; max_map and freshness_lookback are applied; DAG
# files are checked again against new pools, and a file naming an executor
# or a pool the running configuration lacks says so (and what adds it).
# The help of the serving verbs says what SIGHUP does.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
for v in scheduler standalone; do
	assert_contains "$(sl help $v)" "SIGHUP opens log_file again (logrotate) and reloads sluice.yaml" "help $v"
done
assert_contains "$(sl help web)" "it does not reload sluice.yaml" "help web"
cat >"$H/sluice.yaml" <<'YAML'
parallelism: 8
pools: {default: 16}
executors:
  local: {type: local, slots: 4}
connections:
  wh: {type: sqlite, url: "sqlite:///tmp/none.db"}
YAML
start_scheduler
# hup NEEDLE: send SIGHUP, wait for the next reload line holding NEEDLE
# (every reload logs one line), and leave it in $line
hup() {
	local before
	before=$(grep -c 'SIGHUP: ' "$T/scheduler.log" || true)
	kill -HUP "$SCHED_PID"
	_reloaded() { [ "$(grep -c 'SIGHUP: ' "$T/scheduler.log")" -gt "$before" ]; }
	wait_for 15 "the reload line" _reloaded
	line=$(grep 'SIGHUP: ' "$T/scheduler.log" | tail -1)
	assert_contains "$line" "$1" "the reload line"
}

# two comment lines on top and parallelism changed: the executors and
# connections entries moved two lines down, nothing else
sed -i 's/^parallelism: 8$/parallelism: 6/' "$H/sluice.yaml"
sed -i '1i # sluice.yaml of the test home\n# (two more lines)' "$H/sluice.yaml"
hup "sluice.yaml reloaded"
assert_contains "$line" "applied parallelism" "parallelism is applied"
assert_not_contains "$line" "executors" "moved executors: entries did not change"
assert_not_contains "$line" "connections" "moved connections: entries did not change"
assert_not_contains "$line" "need a restart" "nothing needs a restart"
# a real change of an executor is still named
sed -i 's/slots: 4}/slots: 5}/' "$H/sluice.yaml"
hup "need a restart (the running values stay): executors"

# max_map and freshness_lookback are applied (they were left at their
# old values with "no change"): a mapped task of 3 items fails under
# max_map: 2 once the reload has applied it
cat >"$H/dags/m.yaml" <<'YAML'
dag: m
tasks:
  each: {foreach: [a, b, c], command: 'echo {{ item }}'}
YAML
wait_for 20 "DAG m to load" sh -c "\"$SLUICE\" --home '$H' dags list | grep -q '^m '"
printf 'max_map: 2\nfreshness_lookback: 2d\n' >>"$H/sluice.yaml"
hup "applied max_map, freshness_lookback"
sl trigger m --partition p1 >/dev/null
wait_run m p1 failed 30
assert_contains "$(sl tasks m p1)" "more than max_map (2)" "the new max_map holds"

# a DAG file refused for naming a pool sluice.yaml does not have loads
# once SIGHUP has added the pool (without the file being touched), and
# its runs run
cat >"$H/dags/np.yaml" <<'YAML'
dag: np
tasks:
  a: {pool: later, command: 'echo ran'}
YAML
wait_for 20 "the scheduler to refuse np.yaml" grep -q "np.yaml:3:.*no pool 'later'" "$T/scheduler.log"
assert_contains "$(grep "no pool 'later'" "$T/scheduler.log" | tail -1)" "no pool 'later' in the configuration the scheduler runs with, read from $H/sluice.yaml at its start or last SIGHUP (defined: default): send the scheduler a SIGHUP once it is added there" "a pool the running configuration lacks"
sed -i 's/^pools: {default: 16}$/pools: {default: 16, later: 2}/' "$H/sluice.yaml"
hup "applied pools"
sl trigger np --partition p1 >/dev/null
wait_run np p1 success 30

# an executor added to sluice.yaml (SIGHUP: it needs a restart), then a
# DAG file naming it: the scheduler's refusal says the configuration it
# runs with lacks it and what would add it, not that the file does
sed -i 's/^  local: {type: local, slots: 5}$/&\n  batch: {type: local, slots: 1}/' "$H/sluice.yaml"
hup "need a restart (the running values stay): executors"
cat >"$H/dags/nb.yaml" <<'YAML'
dag: nb
tasks:
  t: {executor: batch, command: 'echo ran'}
YAML
wait_for 20 "the scheduler to refuse nb.yaml" grep -q "nb.yaml:3:.*no executor 'batch'" "$T/scheduler.log"
assert_contains "$(grep "no executor 'batch'" "$T/scheduler.log" | tail -1)" "no executor 'batch' in the configuration the scheduler runs with (defined: local): $H/sluice.yaml defines it now, but executors need a scheduler restart" "an executor added since the start"
# the CLI reads sluice.yaml as it is now and loads the file: it shows the
# scheduler's error where a run of it would wait (as the API lists it)
refusal="nb.yaml:3:17: tasks.t.executor: no executor 'batch' in the configuration the scheduler runs with"
assert_contains "$(sl dags validate "$H/dags/nb.yaml")" "OK" "the file as the CLI reads it"
_listed() { sl dags | grep -q "$refusal"; }
wait_for 20 "sluice dags to show the scheduler's refusal" _listed
assert_contains "$(sl dags)" "DAG files the scheduler cannot load" "sluice dags"
assert_contains "$(sl dags --json)" "\"scheduler_error\": \"$H/dags/$refusal" "sluice dags --json"
sl trigger nb --partition p1 >/dev/null 2>"$T/trigger.err"
assert_contains "$(cat "$T/trigger.err")" "sluice: the scheduler cannot load DAG nb's file, so its runs do not start until it can: $H/dags/$refusal" "sluice trigger"
assert_contains "$(sl tasks nb p1)" "the scheduler cannot load the DAG's file, so nothing of DAG nb starts: $H/dags/$refusal" "sluice tasks"
# trigger --wait says it before it waits
"$SLUICE" --home "$H" trigger nb --partition p2 --wait >/dev/null 2>"$T/wait.err" &
waiter=$!
on_exit "stop_pid $waiter"
wait_for 10 "trigger --wait to say why the run does not start" grep -q "the scheduler cannot load DAG nb's file" "$T/wait.err"
stop_pid "$waiter"
sl runs delete nb p1 p2 --yes >/dev/null
rm "$H/dags/nb.yaml"
sed -i '/^  batch: {type: local, slots: 1}$/d' "$H/sluice.yaml"
hup "sluice.yaml reloaded"

# web.port: `sluice scheduler` serves no web UI, so a change is not one it
# needs a restart for; it is `sluice web`'s at its next start (the
# executor is set back as it was at the start first)
sed -i 's/slots: 5}/slots: 4}/' "$H/sluice.yaml"
printf 'web: {port: 18999}\n' >>"$H/sluice.yaml"
hup "for \`sluice web\`, at its next start (this scheduler serves no web UI): web.port"
assert_not_contains "$line" "need a restart" "the scheduler needs no restart for web.port"
# standalone serves the web UI: the same change needs its restart
stop_pid "$SCHED_PID"
sed -i 's/^web: {port: 18999}$/web: {port: 18998}/' "$H/sluice.yaml"
start_standalone
sed -i 's/^web: {port: 18998}$/web: {port: 18997}/' "$H/sluice.yaml"
hup "need a restart (the running values stay): web.port"
assert_not_contains "$line" "sluice web" "standalone: its own restart"
echo "sighup_reload: ok"
