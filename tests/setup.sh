# tests/setup.sh: sourced by every shell integration test.
#
#   . "$SLUICE_SRCDIR/tests/setup.sh"
#
# Gives: set -eu, LC_ALL=C, a temp dir $T removed at exit, an exit trap
# that runs every registered cleanup (stop servers, kill processes),
# free_port, wait_for (a bounded poll, never a fixed sleep), and helpers
# that start sluice and the real servers (tests/servers/*.sh).
set -eu
export LC_ALL=C
unset SLUICE_HOME

: "${SLUICE:=$(pwd)/sluice}"
: "${SLUICE_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${SLUICE_BUILDDIR:=$(pwd)}"
export SLUICE SLUICE_SRCDIR SLUICE_BUILDDIR

T=$(mktemp -d "${TMPDIR:-/tmp}/sluice-test.XXXXXX")
export T
_cleanups=()

# Register a command to run at exit (last registered runs first).
on_exit() { _cleanups+=("$*"); }

_run_cleanups() {
	local status=$? i
	set +e
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1
	done
	if [ "$status" -ne 0 ] && [ "$status" -ne 77 ] && [ -n "${KEEP_T:-}" ]; then
		echo "test dir kept: $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$status"
}
# Tries a scheduler left running when it stopped (they outlive it by
# design, for the next scheduler): at exit, end this test's ones, known
# by their supervisor's status file under $T. Registered first: runs
# after every other cleanup (after the schedulers stopped).
_end_tries() {
	local f a
	for f in /proc/[0-9]*/cmdline; do
		mapfile -d '' -t a <"$f" 2>/dev/null || continue
		[ "${#a[@]}" -gt 2 ] && [ "${a[0]##*/}" = sluice-try ] &&
			[ "${a[1]}" = -s ] && [ "${a[2]#"$T"/}" != "${a[2]}" ] || continue
		f=${f%/cmdline}
		kill -TERM "${f#/proc/}" 2>/dev/null
	done
}
_cleanups+=("_end_tries")
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

# A watchdog: a test that hangs fails (and cleans up) instead of holding
# the whole suite. Not synchronisation: no test waits for it.
: "${SLUICE_TEST_TIMEOUT:=900}"
( sleep "$SLUICE_TEST_TIMEOUT" & _nap=$!
  trap 'kill $_nap 2>/dev/null; exit 0' TERM
  wait $_nap
  echo "FAIL: the test ran longer than ${SLUICE_TEST_TIMEOUT}s" >&2; kill -TERM $$ ) &
_watchdog=$!
_cleanups+=("kill $_watchdog")

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
note() { echo "# $*"; }

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}
# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
	case "$1" in *"$2"*) ;; *) fail "${3:-output} does not contain '$2': $1" ;; esac
}
assert_not_contains() {
	case "$1" in *"$2"*) fail "${3:-output} contains '$2': $1" ;; *) ;; esac
}

# A free TCP port on 127.0.0.1 (the kernel picks one; the small race is
# handled by servers failing loudly and tests retrying start-up).
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every 50 ms until it
# succeeds, fail after SECONDS.
wait_for() {
	local limit=$1 what=$2 end
	shift 2
	end=$(($(date +%s%N) / 1000000 + limit * 1000))
	until "$@" >/dev/null 2>&1; do
		if [ $(($(date +%s%N) / 1000000)) -ge "$end" ]; then
			fail "timed out after ${limit}s waiting for: $what"
		fi
		sleep 0.05
	done
}

# Is process PID gone (or a zombie)?
pid_gone() {
	! kill -0 "$1" 2>/dev/null && return 0
	case "$(ps -o stat= -p "$1" 2>/dev/null)" in Z*|"") return 0 ;; esac
	return 1
}

# Stop a process: TERM, wait up to 10 s, then KILL.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 200); do pid_gone "$pid" && return 0; sleep 0.05; done
	kill -KILL "$pid" 2>/dev/null || true
}

# new_home [DIR]: an empty sluice home with its own dags/ folder; sets $H.
new_home() {
	H=${1:-$T/home}
	mkdir -p "$H/dags"
	export H
}

# harness_config [HOME]: the suite's tests were written for DAGs that
# start active: a home's sluice.yaml says dags_paused_at_creation: false
# unless the test sets the key itself (start_scheduler and
# start_standalone call it, after a test wrote its own sluice.yaml).
harness_config() {
	local f="${1:-$H}/sluice.yaml"
	grep -q '^dags_paused_at_creation:' "$f" 2>/dev/null && return 0
	printf '\ndags_paused_at_creation: false\n' >>"$f"
}

# sl ARGS...: run the sluice CLI against $H.
sl() { "$SLUICE" --home "$H" "$@"; }

# start_scheduler [ARGS...]: run `sluice scheduler` in the background on $H,
# log in $T/scheduler.log, PID in $SCHED_PID; stopped at exit.
# SCHED_START_S (default 15) bounds the wait for its start.
start_scheduler() {
	local before
	harness_config
	before=$(grep -c 'scheduler started' "$T/scheduler.log" 2>/dev/null || true)
	"$SLUICE" --home "$H" scheduler "$@" >>"$T/scheduler.log" 2>&1 &
	SCHED_PID=$!
	on_exit "stop_pid $SCHED_PID"
	# a new "started" line (an earlier scheduler of this test wrote one too)
	_sched_up() {
		[ "$(grep -c 'scheduler started' "$T/scheduler.log")" -gt "${before:-0}" ] && return 0
		kill -0 "$SCHED_PID" 2>/dev/null || fail "the scheduler exited: $(tail -5 "$T/scheduler.log")"
		return 1
	}
	wait_for "${SCHED_START_S:-15}" "scheduler to start" _sched_up
}

# _serve VERB LOG ARGS...: `sluice VERB` (standalone or web) on a free
# port, its output appended to LOG; sets _SERVE_PID and _SERVE_PORT. Up
# means this process said it listens on the port and /health answers
# there: with make -j another test's server may have taken the port
# between free_port and the bind, and /health would answer from it; a
# bind that fails as in use starts again on a new port (as the SMTP
# helper does). SCHED_START_S (default 30) bounds each start.
_serve() {
	local verb=$1 log=$2 try before
	shift 2
	for try in 1 2 3; do
		_SERVE_PORT=$(free_port)
		before=$(grep -c "web UI on http://.*:$_SERVE_PORT/" "$log" 2>/dev/null || true)
		"$SLUICE" --home "$H" "$verb" --port "$_SERVE_PORT" "$@" >>"$log" 2>&1 &
		_SERVE_PID=$!
		on_exit "stop_pid $_SERVE_PID"
		_serve_up() {
			[ "$(grep -c "web UI on http://.*:$_SERVE_PORT/" "$log")" -gt "${before:-0}" ] &&
				curl -fsS "http://127.0.0.1:$_SERVE_PORT/health" && return 0
			pid_gone "$_SERVE_PID"	# ends the wait: looked at below
		}
		wait_for "${SCHED_START_S:-30}" "$verb to serve on port $_SERVE_PORT" _serve_up
		pid_gone "$_SERVE_PID" || return 0
		tail -n 5 "$log" | grep -q "cannot listen on .*:$_SERVE_PORT (in use" ||
			fail "$verb exited: $(tail -5 "$log")"
	done
	fail "$verb found no free port in 3 tries"
}

# start_standalone [ARGS...]: scheduler + web on a free port; sets
# $SCHED_PID, $PORT, $URL.
start_standalone() {
	harness_config
	_serve standalone "$T/scheduler.log" "$@"
	SCHED_PID=$_SERVE_PID PORT=$_SERVE_PORT
	URL="http://127.0.0.1:$PORT"
}

# start_web [ARGS...]: `sluice web` alone on a free port, its output in
# $T/web.log; sets $WPID, $WPORT, $WURL.
start_web() {
	_serve web "$T/web.log" "$@"
	WPID=$_SERVE_PID WPORT=$_SERVE_PORT
	WURL="http://127.0.0.1:$WPORT"
}

# task_state DAG PARTITION TASK: the state of one task instance.
task_state() {
	sl tasks "$1" "$2" --json | /usr/bin/python3 -c '
import json,sys
for t in json.load(sys.stdin):
    if t["task"] == sys.argv[1]: print(t["state"]); break
' "$3"
}

# run_state DAG PARTITION
run_state() {
	sl runs "$1" --json | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin):
    if r["partition"] == sys.argv[1]: print(r["state"]); break
' "$2"
}

# Real servers: each file defines start_<name> helpers.
for _f in "$SLUICE_SRCDIR"/tests/servers/*.sh; do
	[ -f "$_f" ] && . "$_f"
done
unset _f

# q SQL: query the home's database (sqlite3 CLI, read-only use). It waits
# up to 5 s for a lock as sluice's own readers do: even a reader of a WAL
# database meets SQLITE_BUSY for a moment while the scheduler restarts the
# log after a checkpoint, and without a timeout the CLI gives up at once.
q() { sqlite3 -batch -noheader -cmd ".timeout 5000" "$H/sluice.db" "$@"; }

# run_is DAG PARTITION STATE / ti_is DAG PARTITION TASK STATE: checks
# that query the database each time they are called (for wait_for).
run_is() {
	test "$(q "SELECT state FROM dag_runs WHERE dag_id='$1' AND partition='$2'")" = "$3"
}
ti_is() {
	test "$(q "SELECT ti.state FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id='$1' AND r.partition='$2' AND ti.task_id='$3'")" = "$4"
}

# wait_run DAG PARTITION STATE [SECONDS]: until the run reaches STATE.
wait_run() {
	wait_for "${4:-30}" "run $1 $2 to be $3" run_is "$1" "$2" "$3"
}

# wait_ti DAG PARTITION TASK STATE [SECONDS]
wait_ti() {
	wait_for "${5:-30}" "$1 $3 $2 to be $4" ti_is "$1" "$2" "$3" "$4"
}

# ti_field DAG PARTITION TASK COLUMN
ti_field() {
	q "SELECT ti.$4 FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE r.dag_id='$1' AND r.partition='$2' AND ti.task_id='$3'"
}

# try_started DAG PARTITION TASK: the local try the task instance's token
# names has started: its supervisor wrote its running record (its pid) or
# already its end. A task instance is "running" once the executor took
# the try, before its process exists (side effects after the commit):
# a test that kills the scheduler to have the try adopted waits for this.
try_started() {
	local st
	st=$(ti_field "$1" "$2" "$3" token)
	case "$st" in *" status=/"*) st=${st#* status=} ;; *) return 1 ;; esac
	[ -s "$st" ] || grep -aq '^pid=' "$st.tmp" 2>/dev/null
}

# wait_started DAG PARTITION TASK [SECONDS]: until the try is running
# and its process started.
wait_started() {
	wait_ti "$1" "$2" "$3" running "${4:-30}"
	wait_for "${4:-30}" "$1 $3 $2's try to start" try_started "$1" "$2" "$3"
}
