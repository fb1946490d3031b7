#!/bin/bash
# bench/db_backup.sh: `sluice db backup` of a ~430 MB database (4,000
# hourly runs of 50 tasks, 200,000 task instances with a try each whose
# error holds PAD bytes: more than the issue's two-year home, made in
# minutes rather than the quarter hour a million rows take here) while a
# scheduler runs a chain; side by side in the same run, `sqlite3 .backup`
# of the same file (in one read transaction, as sluice copies) and a plain
# `cp` + sync of it (the floor: the file system's copy speed). Prints each time (median of ROUNDS; the target
# for sluice is <= 10 s), the copy's size and its integrity_check.
#
#   bench/db_backup.sh [BUILD_DIR]     (RUNS, TASKS, PAD, ROUNDS)
#
# Not part of `make check`; tests/db_backup.sh checks the copy's content.
. "$(dirname "$0")/db_bench_lib.sh"
RUNS=${RUNS:-4000} TASKS=${TASKS:-50} PAD=${PAD:-1500} ROUNDS=${ROUNDS:-3}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "db backup bench ($SLUICE): $RUNS runs x $TASKS tasks, $PAD bytes per try; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
db_chain_home
t0=$(ms)
db_bulk_history hourly "$RUNS" "$TASKS" 0 "$PAD"
sqlite3 "$H/sluice.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
size=$(stat -c %s "$H/sluice.db")
echo "  database made in $(( ($(ms) - t0) / 1000 )) s: $((size / 1048576)) MB, $(q "SELECT count(*) FROM task_instances") task instances"

start_scheduler
# the chain commits through every backup
( i=0; while :; do i=$((i + 1)); sl trigger chain --partition "p$i" --wait >/dev/null 2>&1 || exit 1; done ) &
CHAINS=$!
on_exit "kill $CHAINS 2>/dev/null"

for r in $(seq 1 "$ROUNDS"); do
	rm -f "$T/copy.db" "$T/cli.db" "$T/cp.db"
	a=$(ms); out=$(sl db backup "$T/copy.db") || fail "db backup: $out"; b=$(ms)
	echo $((b - a)) >>"$T/sluice"
	# as sluice does it: the backup inside one read transaction (without
	# it, every commit of the chain restarts the copy, which never ends)
	a=$(ms)
	sqlite3 "$H/sluice.db" ".timeout 10000" "BEGIN" "SELECT count(*) FROM sqlite_schema" \
		".backup '$T/cli.db'" "COMMIT" >/dev/null || fail "sqlite3 .backup"
	b=$(ms)
	echo $((b - a)) >>"$T/cli"
	a=$(ms); cp "$H/sluice.db" "$T/cp.db"; sync "$T/cp.db"; b=$(ms)
	echo $((b - a)) >>"$T/cp"
	printf "  round %d: sluice db backup %6d ms, sqlite3 .backup %6d ms, cp+sync %6d ms\n" "$r" \
		"$(tail -1 "$T/sluice")" "$(tail -1 "$T/cli")" "$(tail -1 "$T/cp")"
done
check=$(sqlite3 "$T/copy.db" "PRAGMA integrity_check")
chains=$(q "SELECT count(*) FROM dag_runs WHERE dag_id = 'chain' AND state = 'success'")
kill "$CHAINS" 2>/dev/null

echo
echo "$out"
echo "db backup of $((size / 1048576)) MB, median of $ROUNDS: $(median <"$T/sluice") ms (target <= 10,000 ms); sqlite3 .backup $(median <"$T/cli") ms; cp+sync $(median <"$T/cp") ms"
echo "the copy: $(( $(stat -c %s "$T/copy.db") / 1048576 )) MB, integrity_check: $check; $chains chain runs succeeded meanwhile"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
