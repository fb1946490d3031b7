-- 0004: each try records what it ran: the command (argv) or spec as
-- rendered for it, secrets masked (JSON text), and the sha256 of its DAG
-- file as loaded when the try started. The task instance holds them for
-- the try in flight; task_tries keeps them with each try's end.
ALTER TABLE task_instances ADD COLUMN ran TEXT;
ALTER TABLE task_instances ADD COLUMN dag_hash TEXT;
ALTER TABLE task_tries ADD COLUMN ran TEXT;
ALTER TABLE task_tries ADD COLUMN dag_hash TEXT;
