#!/bin/bash
# The system calls a try costs the scheduler's tree, beside its command:
# a count, so unlike times it does not move with the load of a shared
# machine. Runs the layered DAG of bench/core.sh (LAYERS x WIDTH `true`
# tasks, parallelism N) under `strace -f` and prints, per try, the calls
# of the scheduler, its starter thread and the shared supervisor (every
# process but the commands' own `sh`), the file-system ones by name.
# Usage: bench/trysys.sh [SLUICE_BINARY]; LAYERS, WIDTH, N; extra local
# executor keys in EXEC_EXTRA (e.g. "status_keep_ms: 200" to see the
# status files of a run longer than 30 s, which the next tries reuse).
# Not part of `make check`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SLUICE=${1:-$here/../build/sluice}
SLUICE=$(cd "$(dirname "$SLUICE")" && pwd)/$(basename "$SLUICE")
N=${N:-16}
LAYERS=${LAYERS:-4}
WIDTH=${WIDTH:-25}
EXEC_EXTRA=${EXEC_EXTRA:-}
command -v strace >/dev/null || { echo "trysys: strace is missing"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/sluice-trysys.XXXXXX")
SCHED=
trap '[ -n "$SCHED" ] && kill $SCHED 2>/dev/null; rm -rf "$W"' EXIT
/usr/bin/python3 "$here/layered.py" "$W" "$LAYERS" "$WIDTH" "$N" "$EXEC_EXTRA"
strace -f -qq -o "$W/strace" "$SLUICE" --home "$W/home" scheduler >"$W/sched.log" 2>&1 &
SCHED=$!
for _ in $(seq 600); do grep -q "scheduler started" "$W/sched.log" && break; sleep 0.05; done
"$SLUICE" --home "$W/home" trigger layered --partition r1 --wait >"$W/trigger.out" 2>&1 ||
	{ echo "trysys: the run failed"; tail "$W/trigger.out" "$W/sched.log"; exit 1; }
# stop the scheduler (strace's child); what it stops with counts too
kill $(ps -o pid= --ppid $SCHED) 2>/dev/null || true
wait $SCHED 2>/dev/null || true
SCHED=
echo "trysys ($SLUICE): $((LAYERS * WIDTH)) tasks, parallelism $N${EXEC_EXTRA:+, $EXEC_EXTRA}"
/usr/bin/python3 - "$W/strace" "$((LAYERS * WIDTH))" <<'PY'
import collections, re, sys
lines = open(sys.argv[1]).read().splitlines()
tries = int(sys.argv[2])
# the commands: processes that exec'd /bin/sh (their calls are the task's)
sh = {m.group(1) for m in (re.match(r'(\d+)\s+execve\("/bin/sh"', l) for l in lines) if m}
calls = collections.Counter()
for l in lines:
    m = re.match(r'(\d+)\s+(<\.\.\. )?(\w+)\(', l)
    if m and not m.group(2) and m.group(1) not in sh:
        calls[m.group(3)] += 1
fs = ['openat', 'mkdir', 'rmdir', 'unlink', 'rename', 'fallocate', 'ftruncate',
      'fdatasync', 'fsync']
print("  per try: all %.1f | " % (sum(calls.values()) / tries) +
      " ".join("%s %.2f" % (k, calls[k] / tries) for k in fs))
PY
