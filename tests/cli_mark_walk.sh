#!/bin/bash
# The everyday verbs after a failure, as a data engineer types them: a
# failed task marked success, another marked failed; what `sluice tasks`
# then shows beside each.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
cat >"$H/dags/rep.yaml" <<'YAML'
dag: rep
schedule: none
tasks:
  build: {command: 'true'}
  fail_me: {command: 'echo boom >&2; exit 3', after: [build]}
  publish: {command: 'true', after: [fail_me]}
YAML
start_scheduler
set +e
sl trigger rep --partition p1 --wait >"$T/out" 2>"$T/err"; st=$?
set -e
assert_eq 1 "$st" "trigger --wait of a run that fails"
row=$(sl tasks rep p1 | grep '^fail_me ')
case "$row" in "fail_me "*" failed "*" 1/1 "*" 3 "*" exit code 3") ;; *) fail "the failed task: $row" ;; esac

# marked success: the error is gone (the try keeps its exit code and log)
sl mark rep fail_me p1 success >"$T/out"
row=$(sl tasks rep p1 | grep '^fail_me ')
case "$row" in "fail_me "*" success "*) ;; *) fail "fail_me marked success: $row" ;; esac
assert_not_contains "$row" "exit code 3" "tasks: the error of a task marked success"
assert_eq null "$(sl --json tasks rep p1 | /usr/bin/python3 -c '
import json,sys
print(json.dumps([t for t in json.load(sys.stdin) if t["task"] == "fail_me"][0]["error"]))')" \
	"--json: the error of a task marked success"
assert_contains "$(sl logs rep fail_me p1)" "boom" "the try's log stays"

# marked failed without an error of its own: it says who failed it
sl mark rep publish p1 failed >/dev/null
row=$(sl tasks rep p1 | grep '^publish ')
assert_contains "$row" "marked failed by cli:" "tasks: a task marked failed"
echo "cli_mark_walk: ok"
