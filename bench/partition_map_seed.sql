-- bench/partition_map_seed.sql: history for the partition map's bench and
-- browser journey. sqlite3 parameters: @dag, @start (epoch s of the first
-- hour), @hours (partitions), @tasks (task instances per run, named
-- t01...). Every run succeeded but one in 997, which failed (its last
-- task failed). Run with the sqlite3 shell:
--   sqlite3 DB -cmd ".parameter set @dag x" ... < partition_map_seed.sql
BEGIN;
WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i + 1 < @hours)
INSERT INTO dag_runs (dag_id, partition, start_s, end_s, run_type, state, created_at, started_at, ended_at)
SELECT @dag, strftime('%Y-%m-%dT%H:%M:%S+00:00', @start + i * 3600, 'unixepoch'),
       @start + i * 3600, @start + i * 3600 + 3600, 'scheduled',
       CASE WHEN i % 997 = 5 THEN 'failed' ELSE 'success' END,
       (@start + i * 3600 + 3600) * 1000, (@start + i * 3600 + 3600) * 1000,
       (@start + i * 3600 + 3660) * 1000
FROM h;
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j + 1 <= @tasks)
INSERT INTO task_instances (run_id, dag_id, task_id, state, try_number, started_at, ended_at, duration_ms, updated_at)
SELECT r.id, r.dag_id, printf('t%02d', k.j),
       CASE WHEN r.state = 'failed' AND k.j = @tasks THEN 'failed' ELSE 'success' END,
       1, r.started_at, r.ended_at, 1000, r.ended_at
FROM dag_runs r, k WHERE r.dag_id = @dag;
COMMIT;
