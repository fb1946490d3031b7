# tests/ssh_lib.sh: shared by the ssh executor tests (tests/ssh_*.sh).
# Sourced after tests/setup.sh: the driver's path and small helpers.

DRIVER=$SLUICE_BUILDDIR/tests/exec_driver
[ -x "$DRIVER" ] || fail "$DRIVER is not built (make check builds it)"

# json_field LINE FIELD: a field of one JSON object ("" when absent).
json_field() {
	printf '%s' "$1" | /usr/bin/python3 -c '
import json, sys
v = json.load(sys.stdin).get(sys.argv[1], "")
print(v if not isinstance(v, bool) else int(v))' "$2"
}

# result_of OUTPUT TASK [TRY]: the JSON line of that task's try.
result_of() {
	printf '%s\n' "$1" | /usr/bin/python3 -c '
import json, sys
want_task, want_try = int(sys.argv[1]), sys.argv[2]
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"): continue
    o = json.loads(line)
    if o.get("task") == want_task and (want_try == "" or o.get("try") == int(want_try)):
        print(line)' "$2" "${3:-}" | tail -n 1
}

# group_alive PGID: does any live (non-zombie) process of the group remain?
group_alive() {
	ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# Run the driver in the background, output in $T/driver.out; DRIVER_PID.
driver_bg() {
	"$DRIVER" "$@" >"$T/driver.out" 2>"$T/driver.err" &
	DRIVER_PID=$!
	on_exit "stop_pid $DRIVER_PID"
}

# Wait for the background driver to exit; fail if it failed.
driver_wait() {
	local rc=0
	wait "$DRIVER_PID" || rc=$?
	[ "$rc" = 0 ] || fail "exec_driver exited $rc: $(cat "$T/driver.err")"
}
