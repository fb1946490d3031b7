#!/bin/bash
# The commands the CLI prints for a person to paste (the log of a failed
# task after `trigger --wait`, the mark and clear that run its downstream
# again) hold task names as data: a task name may contain ; $ ' and a
# mapped item's brackets, and pasting the command runs sluice on that
# task, nothing else. A mapped task itself has no log to point to.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
# (no slashes in a task name: the pasted commands run in $T)
bad='x;touch${IFS}pwned;'
cat >"$H/dags/paste.yaml" <<YAML
dag: paste
tasks:
  "$bad":
    command: "echo in-bad-task; false"
  'd\$(touch\${IFS}pwned2)':
    after: ["$bad"]
    command: "true"
  items:
    foreach: [a, b]
    command: "echo in-item {{ item }}; false"
YAML
sl dags validate >/dev/null || fail "the DAG does not load: $(sl dags validate 2>&1)"
start_scheduler
rc=0; sl trigger paste --partition p1 --wait >/dev/null 2>"$T/wait.err" || rc=$?
assert_eq 1 "$rc" "trigger --wait of a failing run"

# paste CMD: run a printed command as a person would, in a shell, on $H
paste() {
	(export SLUICE_HOME="$H" PATH="$(dirname "$SLUICE"):$PATH"; cd "$T" && sh -c "$1")
}
logcmd() { sed -n "s/^  $1 failed: .* (log: \(sluice logs .*\))\$/\1/p" "$T/wait.err"; }

cmd=$(logcmd 'x;touch.*pwned;')
[ -n "$cmd" ] || fail "no log command for the task: $(cat "$T/wait.err")"
out=$(paste "$cmd") || fail "the printed command failed: $cmd"
assert_contains "$out" "in-bad-task" "the printed command shows the task's log"
cmd=$(logcmd 'items\[1\]')
[ -n "$cmd" ] || fail "no log command for items[1]: $(cat "$T/wait.err")"
: >"$T/items[1]"	# a file the unquoted bracket would glob to
out=$(paste "$cmd") || fail "the printed command failed: $cmd"
assert_contains "$out" "in-item b" "the printed command shows items[1]'s log"
grep -q '^  items failed: .*(log:' "$T/wait.err" && fail "a log command for the mapped task itself: $(cat "$T/wait.err")"
grep -q '^  items failed: ' "$T/wait.err" || fail "the mapped task's failure is not said: $(cat "$T/wait.err")"

# mark's hints name the task and its downstream as data too
sl mark paste "$bad" p1 success --dry-run >"$T/mark.out"
cmd=$(sed -n 's/^to run it again: \(sluice mark .*\)$/\1/p' "$T/mark.out")
[ -n "$cmd" ] || fail "no mark command: $(cat "$T/mark.out")"
out=$(paste "$cmd --dry-run") || fail "the printed mark command failed: $cmd"
assert_contains "$out" "would mark paste" "the printed mark command marks the task"
cmd=$(sed -n 's/^ *or: \(sluice clear .*\) --yes$/\1/p' "$T/mark.out")
[ -n "$cmd" ] || fail "no clear command: $(cat "$T/mark.out")"
out=$(paste "$cmd --dry-run") || fail "the printed clear command failed: $cmd"
assert_contains "$out" "would be cleared" "the printed clear command clears the downstream task"
[ -e "$T/pwned" ] && fail "a pasted command ran the task name"
[ -e "$T/pwned2" ] && fail "a pasted command ran the downstream task's name"
echo "cli_paste: ok"
