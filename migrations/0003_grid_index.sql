-- 0003: the partition grid reads (state, duration_ms, try_number) of every
-- task instance of a page of runs. A covering index answers that from the
-- index alone (1,000 runs x 50 tasks: 30 -> 20 ms CPU); the scheduler pays
-- one more index entry update per task state change (bench/RESULTS.md,
-- bench/core.sh before and after).
CREATE INDEX task_instances_grid
    ON task_instances (run_id, task_id, state, duration_ms, try_number);
