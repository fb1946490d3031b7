-- 0014_fresh_changes: a counter per DAG that moves on whenever one of its
-- runs is made, deleted or changes state, by whichever process writes it,
-- so the freshness pass (scheduler/sched_fresh.c) reads again only the
-- DAGs whose runs changed since it last looked (one read of this small
-- table per pass instead of a count over each DAG's window).
CREATE TABLE dag_run_changes (
    dag_id          TEXT PRIMARY KEY,
    version         INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER dag_run_changes_insert AFTER INSERT ON dag_runs
BEGIN
    INSERT INTO dag_run_changes (dag_id, version) VALUES (NEW.dag_id, 1)
        ON CONFLICT (dag_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER dag_run_changes_state AFTER UPDATE OF state ON dag_runs
WHEN OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO dag_run_changes (dag_id, version) VALUES (NEW.dag_id, 1)
        ON CONFLICT (dag_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER dag_run_changes_delete AFTER DELETE ON dag_runs
BEGIN
    INSERT INTO dag_run_changes (dag_id, version) VALUES (OLD.dag_id, 1)
        ON CONFLICT (dag_id) DO UPDATE SET version = version + 1;
END;

-- The open alerts of a DAG by partition start, so the pass reads only
-- those of the part of a DAG's window it reads (after its checked range:
-- usually none); it replaces the index on dag_id alone.
DROP INDEX freshness_alerts_open;
CREATE INDEX freshness_alerts_open ON freshness_alerts (dag_id, start_s)
    WHERE recovered_at IS NULL;
