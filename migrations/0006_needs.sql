-- 0006: needs across DAGs. needs_lineage: which upstream partition runs
-- (and which try of their task instance, or for a whole run the sum of
-- its task instances' tries) a consumer task instance's try consumed;
-- an upstream success with a higher try makes the consumer stale.
-- dag_runs.stale: 0 fresh, 1 stale (on_change: mark, or a re-run still
-- to come after a person's choice), 2 stale with a re-run pending until
-- its upstream partitions settle.
CREATE TABLE needs_lineage (
    ti_id           INTEGER NOT NULL REFERENCES task_instances (id) ON DELETE CASCADE,
    try_number      INTEGER NOT NULL,   -- the consumer's try
    up_run_id       INTEGER NOT NULL REFERENCES dag_runs (id) ON DELETE CASCADE,
    up_ti_id        INTEGER,            -- NULL: the whole run was needed
    up_try          INTEGER NOT NULL,   -- the upstream try consumed
    on_change       TEXT NOT NULL,      -- rerun | mark | ignore
    recorded_at     INTEGER NOT NULL
);
CREATE INDEX needs_lineage_up ON needs_lineage (up_run_id);
CREATE INDEX needs_lineage_ti ON needs_lineage (ti_id, try_number);
ALTER TABLE dag_runs ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;
CREATE INDEX dag_runs_stale ON dag_runs (stale) WHERE stale <> 0;
