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
