# tests/db_lib.sh: history for the `sluice db` tests, written straight
# into a home's database (as years of a scheduler's work would leave it).

# db_history DAG N AGE_DAYS [PAD] [LOGS]: N finished runs of DAG whose
# partitions (daily, keys old-YYYY-MM-DD) end AGE_DAYS days ago and
# earlier, each with three task instances (x, y, z), a try each, state
# changes, an audit row of that age, and (LOGS=1) a log file per try. PAD
# bytes of text in each try's error make the database bigger.
db_history() {
	local dag=$1 n=$2 age=$3 pad=${4:-0} logs=${5:-0}
	/usr/bin/python3 - "$H/sluice.db" "$H/logs" "$dag" "$n" "$age" "$pad" "$logs" <<'PY'
import os, sqlite3, sys, time
db, logs, dag, n, age, pad, withlogs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7] == "1"
c = sqlite3.connect(db, timeout=30)
now = int(time.time())
end0 = (now - age * 86400) // 86400 * 86400
for i in range(n):
    end = end0 - i * 86400
    key = "old-" + time.strftime("%Y-%m-%d", time.gmtime(end - 86400))
    cur = c.execute("INSERT INTO dag_runs (dag_id, partition, start_s, end_s, run_type, state, created_at, started_at, ended_at) VALUES (?, ?, ?, ?, 'scheduled', 'success', ?, ?, ?)",
                    (dag, key, end - 86400, end, end * 1000, end * 1000, end * 1000 + 5000))
    run = cur.lastrowid
    c.execute("INSERT INTO state_changes (at, run_id, from_state, to_state) VALUES (?, ?, 'running', 'success')", (end * 1000 + 5000, run))
    c.execute("INSERT INTO audit (at, who, action, dag_id, detail) VALUES (?, 'cli:old', 'trigger', ?, NULL)", (end * 1000, dag))
    for t in ("x", "y", "z"):
        ti = c.execute("INSERT INTO task_instances (run_id, dag_id, task_id, state, try_number, updated_at) VALUES (?, ?, ?, 'success', 1, ?)", (run, dag, t, end * 1000)).lastrowid
        c.execute("INSERT INTO task_tries (ti_id, try_number, state, started_at, ended_at, error) VALUES (?, 1, 'success', ?, ?, ?)", (ti, end * 1000, end * 1000 + 1000, "e" * pad))
        c.execute("INSERT INTO state_changes (at, run_id, ti_id, from_state, to_state) VALUES (?, ?, ?, 'running', 'success')", (end * 1000 + 1000, run, ti))
        if withlogs:
            d = os.path.join(logs, dag, key, t)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "try-1.log"), "w") as f:
                f.write("old log\n")
    if i % 200 == 199:
        c.commit()
c.commit()
PY
}

# db_bulk_history DAG RUNS TASKS LOG_RUNS [PAD]: years of an hourly DAG in
# one go, with the sqlite3 shell (fast enough for a million task
# instances): RUNS finished hourly runs of DAG, the newest ending at the
# last full hour, keys old-YYYY-MM-DDTHH; TASKS task instances each
# (t01...), a try each (PAD bytes of text in its error), a state change
# each and one per run; an empty log file per try for the LOG_RUNS newest
# runs. The home's database must exist (sl db migrate).
db_bulk_history() {
	local dag=$1 runs=$2 tasks=$3 log_runs=$4 pad=${5:-0}
	sqlite3 -batch -bail "$H/sluice.db" <<SQL || fail "db_bulk_history: sqlite3 failed"
.timeout 30000
.parameter init
.parameter set @dag '$dag'
.parameter set @runs $runs
.parameter set @tasks $tasks
.parameter set @pad $pad
.parameter set @now $(date +%s)
PRAGMA synchronous = OFF;
PRAGMA cache_size = -200000;
BEGIN;
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < @runs - 1)
INSERT INTO dag_runs (dag_id, partition, start_s, end_s, run_type, state,
                      created_at, started_at, ended_at)
SELECT @dag, 'old-' || strftime('%Y-%m-%dT%H', e - 3600, 'unixepoch'), e - 3600, e,
       'scheduled', 'success', e * 1000, e * 1000, e * 1000 + 60000
FROM (SELECT (@now / 3600) * 3600 - i * 3600 AS e FROM r ORDER BY e);
WITH RECURSIVE t(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM t WHERE j < @tasks)
INSERT INTO task_instances (run_id, dag_id, task_id, state, try_number,
                            started_at, ended_at, duration_ms, exit_code,
                            host, executor, updated_at)
SELECT r.id, r.dag_id, printf('t%02d', t.j), 'success', 1, r.started_at + t.j * 1000,
       r.started_at + t.j * 1000 + 900, 900, 0, 'localhost', 'local', r.ended_at
FROM dag_runs r, t WHERE r.dag_id = @dag ORDER BY r.id, t.j;
INSERT INTO task_tries (ti_id, try_number, state, started_at, ended_at,
                        exit_code, host, error)
SELECT id, 1, 'success', started_at, ended_at, 0, host,
       CASE WHEN @pad > 0 THEN printf('%.*c', @pad, 'e') END
FROM task_instances WHERE dag_id = @dag ORDER BY id;
INSERT INTO state_changes (at, run_id, ti_id, from_state, to_state)
SELECT ended_at, run_id, id, 'running', 'success'
FROM task_instances WHERE dag_id = @dag ORDER BY id;
INSERT INTO state_changes (at, run_id, from_state, to_state)
SELECT ended_at, id, 'running', 'success' FROM dag_runs WHERE dag_id = @dag;
COMMIT;
SQL
	[ "$log_runs" -gt 0 ] || return 0
	# one folder and one empty try-1.log per task instance, made by
	# xargs in batches (a process per file would take minutes)
	sqlite3 -batch "$H/sluice.db" ".parameter init" ".parameter set @dag '$dag'" \
		".parameter set @n $log_runs" \
		"SELECT partition FROM dag_runs WHERE dag_id = @dag ORDER BY end_s DESC LIMIT @n" |
		awk -v d="$H/logs/$dag" -v n="$tasks" \
			'{ for (j = 1; j <= n; j++) printf "%s/%s/t%02d\n", d, $0, j }' >"$T/bulk-dirs"
	xargs -d '\n' mkdir -p <"$T/bulk-dirs" || fail "db_bulk_history: mkdir"
	sed 's|$|/try-1.log|' "$T/bulk-dirs" | xargs -d '\n' touch || fail "db_bulk_history: touch"
	rm -f "$T/bulk-dirs"
}

# db_chain_home: a new home ($H) holding the DAG chain (tasks a, b, c,
# each after the one before) and a migrated database.
db_chain_home() {
	new_home
	cat >"$H/dags/chain.yaml" <<'YAML'
dag: chain
tasks:
  a: {command: 'echo a'}
  b: {after: [a], command: 'echo b'}
  c: {after: [b], command: 'echo c'}
YAML
	sl db migrate >/dev/null
}
