# tests/wh_lib.sh: helpers of the warehouse_copy integration tests
# (tests/wh_*.sh), sourced after tests/setup.sh.
#
# wh_spec FILE URL PASSWORD OPTIONS [START END]
#   Write a try's spec (operators/operator.h) for warehouse_copy: the
#   connection "wh" at URL with PASSWORD ("" for none), OPTIONS a JSON
#   object of task keys, the data interval START..END (default: the hour
#   2024-01-01T00), home $T.
# wh_run SPEC [NAME]
#   Run one try (WH_RUNNER, below); stdout in $T/NAME.out, stderr in $T/NAME.err (NAME
#   defaults to "run"); returns the try's exit status. Everything a try
#   printed is also appended to $T/all-output, for secrecy checks.

# A try runs as the task process does: `sluice operator warehouse_copy`
# with the spec on stdin. tests/wh_driver (the same run(), without the
# CLI) stands in when WH_DRIVER is set or the binary is not built.
WH_DRIVER=${WH_DRIVER:-$SLUICE_BUILDDIR/tests/wh_driver}
if [ -x "$SLUICE" ] && [ "${WH_USE_DRIVER:-}" = "" ]; then
	WH_RUNNER=("$SLUICE" operator warehouse_copy)
elif [ -x "$WH_DRIVER" ]; then
	WH_RUNNER=("$WH_DRIVER")
else
	fail "neither $SLUICE nor $WH_DRIVER is built"
fi

wh_spec() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
out, url, pw, opts = sys.argv[1:5]
start = sys.argv[5] if len(sys.argv) > 5 else "2024-01-01T00:00:00+00:00"
end = sys.argv[6] if len(sys.argv) > 6 else "2024-01-01T01:00:00+00:00"
import os
o = json.loads(opts)
o["connection"] = "wh"
conn = {"type": "warehouse", "url": url}
if pw:
    conn["password"] = pw
spec = {"type": "warehouse_copy", "dag": "test", "task": "copy",
        "partition": start, "run_id": "scheduled__" + start, "try_number": 1,
        "data_interval_start": start, "data_interval_end": end,
        "options": o, "connections": {"wh": conn}, "home": os.environ["T"]}
with open(out, "w") as f:
    json.dump(spec, f)
PY
}

wh_run() {
	local name=${2:-run} status=0
	"${WH_RUNNER[@]}" <"$1" >"$T/$name.out" 2>"$T/$name.err" || status=$?
	cat "$T/$name.out" "$T/$name.err" >>"$T/all-output"
	return $status
}

# wh_show NAME: a try's output, for failure messages.
wh_show() { cat "$T/$1.out" "$T/$1.err"; }
