#!/bin/bash
# chaos_restart.sh: "a restart never re-runs work and nothing a person
# does can make a task run twice", under crashes at random moments.
#
# Three DAGs on two local executors (fork_server true and false): a
# scheduled one with catch-up partitions, a manual wide one triggered
# again and again, and an hourly one run only by backfills. Every try
# appends DAG|PARTITION|TASK|TRY to a ledger (from its SLUICE_* variables)
# and holds a lock on its task instance while it runs. Each round starts
# `sluice scheduler` (or `sluice standalone`), lets it work for a random
# moment, then kills it (SIGKILL mostly, SIGTERM sometimes); between and
# during rounds a person acts through the CLI (clear, mark, trigger,
# backfill, backfill cancel), a try's supervisor or process group is
# killed, and the wide DAG's file is edited. At the end one scheduler
# runs everything to a final state, and:
#   - every task instance is final, every run and backfill settled;
#   - the ledger holds each (dag, partition, task, try) at most once;
#   - no two tries of one task instance ran at the same time;
#   - each line's try is one the store recorded (a task_tries row), and
#     no task instance ran more tries than its try_number.
# CHAOS_ROUNDS (default 10: about half a minute) runs longer by hand, e.g.
#   CHAOS_ROUNDS=200 make check TESTS=tests/chaos_restart.sh
# CHAOS_SEED fixes the random choices (printed at the start).
. "$SLUICE_SRCDIR/tests/setup.sh"
ROUNDS=${CHAOS_ROUNDS:-10}
SEED=${CHAOS_SEED:-$$}
RANDOM=$SEED
note "chaos: $ROUNDS rounds, seed $SEED"
new_home
mkdir -p "$T/locks"
cat >"$H/sluice.yaml" <<YAML
parallelism: 8
executors:
  local: {type: local, slots: 8}
  solo: {type: local, slots: 4, fork_server: false}
YAML

# the try: lock the task instance (a second holder means two tries at
# once), write the ledger line, sleep, fail now and then (FAILPCT)
cat >"$T/try.sh" <<'SH'
#!/bin/sh
lock="@T@/locks/$SLUICE_DAG.$SLUICE_PARTITION.$SLUICE_TASK"
exec 9>>"$lock"
flock -n 9 || echo "$SLUICE_DAG|$SLUICE_PARTITION|$SLUICE_TASK|$SLUICE_TRY" >>"@T@/overlap"
echo "$SLUICE_DAG|$SLUICE_PARTITION|$SLUICE_TASK|$SLUICE_TRY" >>"@T@/ledger"
echo "$$" >>"@T@/pids"
sleep "$1"
[ "$(od -An -N1 -tu1 /dev/urandom)" -ge "$((256 * $2 / 100))" ]
SH
sed -i "s|@T@|$T|g" "$T/try.sh"
chmod +x "$T/try.sh"
task() {	# NAME SLEEP FAILPCT [after...]
	local name=$1 s=$2 f=$3 ex=local
	shift 3
	if [ $((RANDOM % 3)) -eq 0 ]; then ex=solo; fi
	echo "  $name:"
	echo "    executor: $ex"
	echo "    retries: 2"
	echo "    retry_delay: 0s"
	if [ $# -gt 0 ]; then echo "    after: [$(echo "$@" | tr ' ' ,)]"; fi
	echo "    command: '$T/try.sh $s $f'"
}
start=$(date -u -d '4 days ago' +%Y-%m-%d)
{
	echo "dag: sched"
	echo "schedule: '@daily'"
	echo "start: $start"
	echo "max_active_runs: 3"
	echo "tasks:"
	task a 0.05 0
	task b 0.2 10 a
	task c 0.1 0 a
	task d 1.5 10 b c
	task e 0.05 0 d
	task f 0.05 0 d
} >"$H/dags/sched.yaml"
wide_dag() {	# the wide DAG's file, with or without its extra task
	{
		echo "dag: wide"
		echo "schedule: none"
		echo "tasks:"
		for i in $(seq 1 12); do task "w$i" "0.$((RANDOM % 4))" 5; done
		task long 2.5 0 w1
		if [ "${1:-}" = extra ]; then task extra 0.3 0 w2; fi
		task end 0.05 0 long w3 w4 w5
	} >"$H/dags/wide.yaml"
}
wide_dag extra
{
	echo "dag: hist"
	echo "schedule: '0 * * * *'"
	echo "start: 2030-01-01T00:00:00Z"
	echo "tasks:"
	task h1 0.1 0
	task h2 0.8 10 h1
	task h3 0.05 0 h2
} >"$H/dags/hist.yaml"
harness_config

# one scheduler at a time, known by $CUR (its pid); stopped at exit
CUR=
on_exit '[ -n "$CUR" ] && stop_pid "$CUR"'
_is_sluice() { pid_gone "$CUR" || [ "$(readlink "/proc/$CUR/exe")" = "$(readlink -f "$SLUICE")" ]; }
up() {	# scheduler or standalone, until it says it started (nowait: at once)
	local before try port
	for try in 1 2 3; do
		before=$(grep -c 'scheduler started' "$T/scheduler.log" 2>/dev/null || true)
		if [ $((RANDOM % 4)) -eq 0 ]; then
			port=$(free_port)
			"$SLUICE" --home "$H" standalone --port "$port" >>"$T/scheduler.log" 2>&1 &
			KIND=standalone
		else
			"$SLUICE" --home "$H" scheduler >>"$T/scheduler.log" 2>&1 &
			KIND=scheduler
		fi
		CUR=$!
		# a signal to the forked shell before it ran sluice would run
		# this script's traps there (and remove $T): kill only sluice
		wait_for 10 "the $KIND to run" _is_sluice
		[ "${1:-}" = nowait ] && return 0
		_up() {
			[ "$(grep -c 'scheduler started' "$T/scheduler.log")" -gt "${before:-0}" ] && return 0
			pid_gone "$CUR"
		}
		wait_for 30 "the $KIND to start" _up
		pid_gone "$CUR" || return 0
		# a port another process took between free_port and the bind
		tail -n 3 "$T/scheduler.log" | grep -q 'cannot listen' ||
			fail "the $KIND exited: $(tail -5 "$T/scheduler.log")"
	done
	fail "no free port in 3 tries"
}
down() {	# SIGKILL mostly, SIGTERM sometimes
	local sig=KILL
	if [ $((RANDOM % 5)) -eq 0 ]; then sig=TERM; fi
	kill -"$sig" "$CUR" 2>/dev/null || true
	wait_for 20 "the $KIND to stop on SIG$sig" pid_gone "$CUR"
	wait "$CUR" 2>/dev/null || true
	CUR=
	KILLS="$KILLS $sig"
}
nap() { local t=$((RANDOM % ${1:-20})); sleep "$((t / 10)).$((t % 10))"; }	# up to N tenths of a second

# a random task instance of a run: DAG|PARTITION|TASK (a running one
# when there is one, half the time)
pick_ti() {
	local first="random()"
	if [ $((RANDOM % 2)) -eq 0 ]; then first="ti.state = 'running' DESC, random()"; fi
	q "SELECT r.dag_id || '|' || r.partition || '|' || ti.task_id FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id ORDER BY $first LIMIT 1"
}
# a try's process (from the ledger's pid list) still alive
pick_pid() {
	local p
	[ -f "$T/pids" ] || return 1
	for p in $(shuf -n 8 "$T/pids"); do
		kill -0 "$p" 2>/dev/null && { echo "$p"; return 0; }
	done
	return 1
}
# one sluice-try process of this test (a supervisor or a server)
pick_sup() {
	local f a
	for f in $(ls -d /proc/[0-9]* 2>/dev/null | shuf); do
		mapfile -d "" -t a 2>/dev/null <"$f/cmdline" || continue
		[ "${#a[@]}" -gt 2 ] && [ "${a[0]##*/}" = sluice-try ] || continue
		case " ${a[*]} " in *" $H/"*) echo "${f#/proc/}"; return 0 ;; esac
	done
	return 1
}
hist_hour=0
act() {	# one thing a person (or a fault) does
	local x dag part task p
	case $((RANDOM % 11)) in
	0 | 1)
		x=$(pick_ti) || return 0
		[ -n "$x" ] || return 0
		IFS='|' read -r dag part task <<<"$x"
		if [ $((RANDOM % 2)) -eq 0 ]; then
			sl clear "$dag" --task "$task" --partition "$part" -d -y >/dev/null 2>&1 || true
			ACTS="$ACTS clear"
		else
			sl clear "$dag" --partition "$part" -f -y >/dev/null 2>&1 || true
			ACTS="$ACTS clear-failed"
		fi ;;
	2)
		x=$(pick_ti) || return 0
		[ -n "$x" ] || return 0
		IFS='|' read -r dag part task <<<"$x"
		if [ $((RANDOM % 2)) -eq 0 ]; then
			sl mark "$dag" "$task" "$part" success --clear-downstream >/dev/null 2>&1 || true
		else
			sl mark "$dag" "$task" "$part" failed >/dev/null 2>&1 || true
		fi
		ACTS="$ACTS mark" ;;
	3)
		sl trigger wide --partition "m$((NEXT_M++))" >/dev/null 2>&1 || true
		ACTS="$ACTS trigger" ;;
	4)
		sl backfill hist --from "2024-01-01T$(printf %02d $hist_hour)" \
			--to "2024-01-01T$(printf %02d $((hist_hour + 5)))" --max-active 1 \
			--allow-outside-range >/dev/null 2>&1 || true
		hist_hour=$(( (hist_hour + 6) % 18 ))
		ACTS="$ACTS backfill" ;;
	5)
		x=$(q "SELECT id FROM backfills WHERE state IN ('queued', 'running') ORDER BY random() LIMIT 1")  || x=
		if [ -n "$x" ]; then
			if [ $((RANDOM % 2)) -eq 0 ]; then
				sl backfill cancel "$x" --kill -y >/dev/null 2>&1 || true
			else
				sl backfill cancel "$x" -y >/dev/null 2>&1 || true
			fi
			ACTS="$ACTS cancel"
		fi ;;
	6)
		p=$(pick_sup) && kill -9 "$p" 2>/dev/null && ACTS="$ACTS kill-supervisor" ;;
	7)
		p=$(pick_pid) && kill -9 -- "-$(ps -o pgid= -p "$p" | tr -d ' ')" 2>/dev/null &&
			ACTS="$ACTS kill-group" ;;
	8)
		if grep -q 'extra:' "$H/dags/wide.yaml"; then wide_dag; else wide_dag extra; fi
		ACTS="$ACTS edit" ;;
	9)
		sl clear sched --from "$start" --to "$(date -u -d '2 days ago' +%Y-%m-%d)" -f -y >/dev/null 2>&1 || true
		ACTS="$ACTS clear-range" ;;
	10)
		# delete a wide run, then trigger its partition again (now or
		# later): the new run's tries start at 1 again; the ledger
		# says from where on they are the new run's
		x=$(q "SELECT partition FROM dag_runs WHERE dag_id = 'wide' ORDER BY random() LIMIT 1") || x=
		[ -n "$x" ] || return 0
		if sl runs delete wide "$x" --yes >/dev/null 2>&1; then
			echo "DELETED|wide|$x" >>"$T/ledger"
			ACTS="$ACTS delete"
			if [ $((RANDOM % 2)) -eq 0 ]; then
				sl trigger wide --partition "$x" >/dev/null 2>&1 || true
				ACTS="$ACTS retrigger"
			fi
		fi ;;
	esac
	return 0
}

NEXT_M=1
KILLS= ACTS=
sl trigger wide --partition "m$((NEXT_M++))" >/dev/null
for r in $(seq 1 "$ROUNDS"); do
	if [ $((RANDOM % 8)) -eq 0 ]; then
		# a kill while it starts (reading the store, adopting tries)
		up nowait
		nap 3
		down
		continue
	fi
	up
	nap 20	# 0-2 s of work
	if [ $((RANDOM % 2)) -eq 0 ]; then act; fi
	if [ $((RANDOM % 3)) -eq 0 ]; then nap 10; act; fi
	down
	# and while no scheduler runs
	if [ $((RANDOM % 2)) -eq 0 ]; then act; fi
	if [ $((RANDOM % 4)) -eq 0 ]; then act; fi
done
note "kills:$KILLS ($SECONDS s)"
note "acts:$ACTS"

# the end: one scheduler runs it all to a final state (no more faults)
t0=$SECONDS
up
# (a task the wide DAG's file no longer has stays as it was in its runs)
gone=
grep -q 'extra:' "$H/dags/wide.yaml" || gone="AND NOT (r.dag_id = 'wide' AND ti.task_id = 'extra')"
unsettled="FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id WHERE (ti.state NOT IN ('success', 'failed', 'upstream_failed', 'skipped') $gone) OR r.state NOT IN ('success', 'failed')"
settled() {
	[ "$(q "SELECT count(*) $unsettled")" = 0 ] &&
	[ "$(q "SELECT count(*) FROM backfills WHERE state IN ('queued', 'running')")" = 0 ]
}
if ! (wait_for 240 "every task instance to settle" settled); then
	fail "unsettled: $(q "SELECT r.dag_id, r.partition, r.state, ti.task_id, ti.state $unsettled LIMIT 5") (seed $SEED)"
fi
note "settled in $((SECONDS - t0)) s"
stop_pid "$CUR"
CUR=

# the ledger
[ -f "$T/ledger" ] || fail "no try ran"
note "tries run: $(grep -vc '^DELETED' "$T/ledger"), runs: $(q 'SELECT count(*) FROM dag_runs'), task instances: $(q 'SELECT count(*) FROM task_instances')"
# each line's partition with its generation (#N: after N deletes of its
# run); only the last generation's tries are in the store
awk -F'|' '$1 == "DELETED" { g[$2 "|" $3]++; next }
	{ k = $1 "|" $2; print $1 "|" $2 "#" (g[k] + 0) "|" $3 "|" $4 }
	END { for (k in g) print k "#" g[k] > "/dev/stderr" }' "$T/ledger" \
	>"$T/ledger.gen" 2>"$T/gens"
awk -F'|' 'NR == FNR { split($2, a, "#"); last[$1 "|" a[1]] = a[2]; next }
	{ split($2, a, "#"); k = $1 "|" a[1]; if ((k in last ? last[k] : 0) == a[2]) print $1 "|" a[1] "|" $3 "|" $4 }' \
	"$T/gens" "$T/ledger.gen" >"$T/ledger.now"
dups=$(sort "$T/ledger.gen" | uniq -d | head -5)
[ -z "$dups" ] || fail "a (dag, partition, task, try) ran twice: $dups (seed $SEED)"
[ ! -s "$T/overlap" ] || fail "two tries of one task instance ran at once: $(head -5 "$T/overlap") (seed $SEED)"
# every ledger line is a try the store recorded
q "SELECT r.dag_id || '|' || r.partition || '|' || ti.task_id || '|' || t.try_number FROM task_tries t JOIN task_instances ti ON ti.id = t.ti_id JOIN dag_runs r ON r.id = ti.run_id" | sort -u >"$T/recorded"
unrecorded=$(sort -u "$T/ledger.now" | comm -23 - "$T/recorded" | head -5)
[ -z "$unrecorded" ] || fail "tries that ran with no try recorded: $unrecorded (seed $SEED)"
# and no task instance ran more tries than its try_number counts
q "SELECT r.dag_id || '|' || r.partition || '|' || ti.task_id || '|' || ti.try_number FROM task_instances ti JOIN dag_runs r ON r.id = ti.run_id" >"$T/tries"
over=$(awk -F'|' 'NR == FNR { n[$1 "|" $2 "|" $3] = $4; next }
	{ k = $1 "|" $2 "|" $3; c[k]++; if ($4 > m[k]) m[k] = $4 }
	END { for (k in c) if (!(k in n) || c[k] > n[k] || m[k] > n[k]) print k, c[k], m[k], n[k] }' "$T/tries" "$T/ledger.now" | head -5)
[ -z "$over" ] || fail "task instances that ran more than their try_number (key, lines, top try, try_number): $over (seed $SEED)"
# and each try's log says its end at most once (a scheduler killed
# after writing it but before its commit, then the next one, wrote it
# twice)
twice=$(grep -rc --include='try-*.log' 'sluice\] \(try [0-9]* of [0-9]* failed\|stopped\): ' "$H/logs" |
	awk -F: '$NF > 1' | head -5)
[ -z "$twice" ] || fail "a try's end said twice in its log: $twice (seed $SEED)"
assert_eq ok "$(q 'PRAGMA integrity_check')" "database integrity"
echo "chaos_restart: ok ($ROUNDS rounds, seed $SEED)"
