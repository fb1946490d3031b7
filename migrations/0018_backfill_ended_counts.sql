-- 0018_backfill_ended_counts: a backfill's runs done and failed as they
-- were when it ended. A later backfill that re-runs one of its runs takes
-- the run over (dag_runs.backfill_id), and the earlier one, counted from
-- its runs, lost it ("failed, 5/7 done, 0 failed"); an ended backfill now
-- keeps the counts it ended with. NULL: not ended yet, or ended before
-- this column (counted from its runs, as before).
ALTER TABLE backfills ADD COLUMN ended_done INTEGER;
ALTER TABLE backfills ADD COLUMN ended_failed INTEGER;
