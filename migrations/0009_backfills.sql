-- 0009: backfills as objects, and the lane of each run.
-- A backfill is one person's request to run a range of a DAG's partitions:
-- which ones (only: missing | failed | all), in which order, how many at
-- once; its runs point back at it (dag_runs.backfill_id) so its progress is
-- counted from them. state: queued (no run started yet) | running | done |
-- failed (every run ended, some failed) | cancelled.
CREATE TABLE backfills (
    id              INTEGER PRIMARY KEY,
    dag_id          TEXT NOT NULL,
    from_key        TEXT NOT NULL,   -- the first partition, as given
    to_key          TEXT NOT NULL,   -- the last partition, as given
    only            TEXT NOT NULL,   -- missing | failed | all
    newest_first    INTEGER NOT NULL DEFAULT 0,
    max_active      INTEGER,         -- runs of it running at once; NULL: the DAG's
    state           TEXT NOT NULL,
    total           INTEGER NOT NULL,-- runs it created or re-ran
    created_by      TEXT,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    ended_at        INTEGER
);
CREATE INDEX backfills_dag ON backfills (dag_id, id);

-- The lane a run's tasks are dispatched in: live (the newest scheduled
-- partition, manual runs) or backfill (backfills and catch-up), and the
-- backfill that made or re-ran it.
ALTER TABLE dag_runs ADD COLUMN lane TEXT NOT NULL DEFAULT 'live';
ALTER TABLE dag_runs ADD COLUMN backfill_id INTEGER;
UPDATE dag_runs SET lane = 'backfill' WHERE run_type = 'backfill';
CREATE INDEX dag_runs_backfill ON dag_runs (backfill_id, state)
    WHERE backfill_id IS NOT NULL;
