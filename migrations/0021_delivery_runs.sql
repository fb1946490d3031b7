-- 0021: the deliveries (webhooks and notification emails) of a run's
-- partition are found by it: `sluice db clean` and retention remove the
-- ended ones with the run (store_clean_run), which would otherwise scan
-- every delivery for each run removed.
CREATE INDEX webhook_deliveries_partition ON webhook_deliveries (dag_id, partition_key);
