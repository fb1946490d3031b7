#!/bin/bash
# A shell task's command that is a plain list of words runs without
# /bin/sh (as make does); anything the shell reads differently still runs
# through it. Walked through the scheduler, `sluice logs` and what each
# try records it ran:
#   - `true --version` runs /usr/bin/true (the shell's builtin true
#     prints nothing), and the try records the words it ran;
#   - `echo -e x` keeps the shell (dash's echo prints "-e x");
#   - `cd /tmp`, an assignment and a glob keep the shell and succeed;
#   - a program with no #! line runs through /bin/sh, as the shell would
#     run it;
#   - a program that is not there fails the try, naming it;
#   - with a cwd, PWD in the environment names it, as the shell's would;
#   - the program is looked for in the task's own PATH (its env:);
#   - `sluice test` of the same tasks does the same.
. "$SLUICE_SRCDIR/tests/setup.sh"
new_home
printf 'echo from the script, args: "$@"\n' >"$H/noshebang"
chmod +x "$H/noshebang"
mkdir -p "$H/bin"
printf '#!/bin/sh\necho hello from the task PATH\n' >"$H/bin/sluice-hello"
chmod +x "$H/bin/sluice-hello"
cat >"$H/dags/plain.yaml" <<YAML
dag: plain
tasks:
  version: {command: "true --version"}
  builtin: {command: "echo -e x"}
  cd: {command: "cd /tmp"}
  assign: {command: "GREETING=hi env"}
  glob: {command: "ls -d /etc/host*"}
  script: {command: "$H/noshebang a b"}
  missing: {command: "no-such-program-sluice --flag", retries: 0}
  pwd: {command: "env", cwd: /tmp}
  path: {command: "sluice-hello", env: {PATH: "$H/bin:/usr/bin:/bin"}}
YAML
start_scheduler
sl trigger plain --partition p1 >/dev/null
wait_for 30 "the run to end" sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' '$H/sluice.db' \"SELECT state FROM dag_runs WHERE dag_id='plain'\")\" = failed ]"

for t in version builtin cd assign glob script pwd path; do
	assert_eq success "$(ti_field plain p1 $t state)" "task $t"
done
assert_contains "$(sl logs plain version p1)" "GNU coreutils" "true --version ran /usr/bin/true, not the shell's builtin"
assert_eq '["true","--version"]' "$(q "SELECT ran FROM task_instances WHERE dag_id='plain' AND task_id='version'")" "what the try records it ran"
assert_eq "-e x" "$(sl logs plain builtin p1)" "echo is the shell's"
assert_contains "$(q "SELECT ran FROM task_instances WHERE dag_id='plain' AND task_id='builtin'")" '"/bin/sh","-c","echo -e x"'
assert_contains "$(sl logs plain assign p1)" "GREETING=hi"
assert_contains "$(sl logs plain glob p1)" "/etc/hosts"
assert_eq "from the script, args: a b" "$(sl logs plain script p1)" "a script with no #! line"
# PWD is the task's working directory, as a shell started there says
assert_contains "$(sl logs plain pwd p1)" "PWD=/tmp"
# the program is looked for in the task's PATH, as the shell would
assert_eq "hello from the task PATH" "$(sl logs plain path p1)"

# `sluice test` starts the same way (base/spawn.c)
assert_contains "$(sl test plain path p1 2>&1)" "hello from the task PATH" "sluice test: the task's PATH"
assert_contains "$(sl test plain script p1 2>&1)" "from the script, args: a b" "sluice test: a script with no #! line"
assert_contains "$(sl test plain missing p1 2>&1)" "cannot start no-such-program-sluice: No such file or directory"

assert_eq failed "$(ti_field plain p1 missing state)" "a missing program"
assert_contains "$(sl tasks plain p1)" "cannot start no-such-program-sluice: No such file or directory"
# `sluice test` of a sensor pokes once: 99 and "not yet" until its
# condition holds, then 0
cat > "$H/dags/sensed.yaml" <<YAML
dag: sensed
tasks:
  w: {type: s3_sensor, url: "file://$T/landing/", poke_interval: 5s}
YAML
rc=0; sl test sensed w p1 >"$T/out" 2>&1 || rc=$?
assert_eq 99 "$rc" "a sensor whose condition does not hold: status 99"
assert_contains "$(cat "$T/out")" "w: not yet (status 99): the sensor's condition does not hold"
mkdir -p "$T/landing" && echo x >"$T/landing/part-0"
rc=0; sl test sensed w p1 >"$T/out" 2>&1 || rc=$?
assert_eq 0 "$rc" "the same sensor once the file landed: $(cat "$T/out")"
# a command list's words are the text written: YAML's booleans, numbers
# and nulls among them are words, not refused nor rewritten (1.50 stays
# 1.50, 0x10 stays 0x10)
cat > "$H/dags/words.yaml" <<'YAML'
dag: words
tasks:
  argv: {command: [printf, "%s|", true, 5, null, ~, 1.50, 0x10, no, FALSE]}
  block:
    command:
      - printf
      - "%s|"
      - --flag
      - true
      - 007
YAML
assert_eq "true|5|null|~|1.50|0x10|no|FALSE|" "$(sl test words argv p1 2>/dev/null | grep '|')" "the words of a flow list"
assert_eq "--flag|true|007|" "$(sl test words block p1 2>/dev/null | grep '|')" "the words of a block list"
echo "try_plain_command: ok"
