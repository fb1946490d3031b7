-- 0010: webhook deliveries (scheduler/sched_webhook.c, operators/webhook.c).
-- One row per event and webhook, written in the transaction that records
-- the event (a failed try, a run's end, an SLA miss), so a delivery is
-- neither lost nor sent twice across a restart: the sender child marks it
-- sent (or failed after its retries); a row still pending once its claim
-- ran out (the sender died) is sent again by the scheduler.
-- The webhook's URL is never stored: hook is its name in sluice.yaml.
-- state: pending | sent | failed.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    hook            TEXT NOT NULL,
    event           TEXT NOT NULL,   -- failure | retry | success | sla_miss
    dag_id          TEXT NOT NULL,
    task_id         TEXT,
    partition_key   TEXT,
    payload         TEXT NOT NULL,   -- the JSON object sent (format json)
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_until   INTEGER,         -- ms: a sender works on it until then
    created_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    last_error      TEXT
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (state)
    WHERE state = 'pending';

-- Freshness alerts (scheduler/sched_fresh.c): a partition of a DAG with
-- freshness: that became late, alerted once (late_at); recovered_at once
-- it landed and the recovery notice went out. why: what held it, in words.
CREATE TABLE freshness_alerts (
    dag_id          TEXT NOT NULL,
    partition_key   TEXT NOT NULL,
    start_s         INTEGER NOT NULL,
    late_at         INTEGER NOT NULL,
    why             TEXT,
    recovered_at    INTEGER,
    PRIMARY KEY (dag_id, partition_key)
);
CREATE INDEX freshness_alerts_open ON freshness_alerts (dag_id)
    WHERE recovered_at IS NULL;
