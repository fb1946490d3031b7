-- 0017_dag_first_seen: when the scheduler first loaded each DAG (epoch
-- ms). A DAG with catchup: false skips the intervals before the one it
-- first runs, so none of those is ever late (scheduler/expected.c);
-- DAGs loaded before this column have none, and keep every interval.
ALTER TABLE dags ADD COLUMN first_seen_at INTEGER;
