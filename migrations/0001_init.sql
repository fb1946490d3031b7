-- 0001_init: DAGs, runs (partitions), task instances and their tries,
-- the log of every state change, and the audit log of people's actions.
-- Times are epoch milliseconds unless the column says _s (seconds).

CREATE TABLE dags (
    dag_id          TEXT PRIMARY KEY,
    paused          INTEGER NOT NULL DEFAULT 0,
    file            TEXT,
    schedule        TEXT,
    timezone        TEXT,
    description     TEXT,
    error           TEXT,            -- load error, NULL when it loaded
    next_start_s    INTEGER,         -- catch-up cursor: next partition to create
    updated_at      INTEGER NOT NULL
);

CREATE TABLE dag_runs (
    id              INTEGER PRIMARY KEY,
    dag_id          TEXT NOT NULL,
    partition       TEXT NOT NULL,   -- the partition key
    start_s         INTEGER NOT NULL,-- data interval [start_s, end_s)
    end_s           INTEGER NOT NULL,
    run_type        TEXT NOT NULL,   -- scheduled | manual | backfill
    state           TEXT NOT NULL,   -- queued | running | success | failed
    params          TEXT,            -- JSON object given at trigger
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    ended_at        INTEGER,
    UNIQUE (dag_id, partition)
);
CREATE INDEX dag_runs_interval ON dag_runs (dag_id, start_s);
CREATE INDEX dag_runs_active ON dag_runs (state)
    WHERE state IN ('queued', 'running');

CREATE TABLE task_instances (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES dag_runs (id) ON DELETE CASCADE,
    dag_id          TEXT NOT NULL,
    task_id         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'none',
    try_number      INTEGER NOT NULL DEFAULT 0,  -- tries started so far
    max_tries       INTEGER NOT NULL DEFAULT 1,  -- try_number may reach this
    next_at         INTEGER,         -- up_for_retry / up_for_reschedule: when
    first_poke_at   INTEGER,         -- sensors: when waiting began
    started_at      INTEGER,
    ended_at        INTEGER,
    duration_ms     INTEGER,
    exit_code       INTEGER,
    signal          INTEGER,
    host            TEXT,            -- where the latest try ran
    executor        TEXT,            -- the executor of the latest try
    token           TEXT,            -- executor's handle while running
    error           TEXT,
    sla_notified    INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL,
    UNIQUE (run_id, task_id)
);
CREATE INDEX task_instances_task ON task_instances (dag_id, task_id, run_id);
CREATE INDEX task_instances_live ON task_instances (state)
    WHERE state IN ('scheduled', 'queued', 'running', 'up_for_retry',
                    'up_for_reschedule');

CREATE TABLE task_tries (
    ti_id           INTEGER NOT NULL REFERENCES task_instances (id) ON DELETE CASCADE,
    try_number      INTEGER NOT NULL,
    state           TEXT NOT NULL,
    started_at      INTEGER,
    ended_at        INTEGER,
    exit_code       INTEGER,
    signal          INTEGER,
    host            TEXT,
    error           TEXT,
    PRIMARY KEY (ti_id, try_number)
);

CREATE TABLE state_changes (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    run_id          INTEGER NOT NULL,
    ti_id           INTEGER,         -- NULL for a run's own state
    from_state      TEXT,
    to_state        TEXT NOT NULL,
    reason          TEXT
);
CREATE INDEX state_changes_run ON state_changes (run_id);

CREATE TABLE audit (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    who             TEXT NOT NULL,
    action          TEXT NOT NULL,   -- trigger | clear | mark | pause | unpause | backfill ...
    dag_id          TEXT,
    detail          TEXT             -- JSON
);
CREATE INDEX audit_at ON audit (at);
