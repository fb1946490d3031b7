-- 0013: mapped tasks (foreach:). A mapped task NAME keeps one parent row
-- (task_id NAME, map_index NULL) and, once expanded, one row per item
-- with task_id NAME[i], map_index i (from 0) and map_item the item as JSON
-- text. The parent's map_count is NULL until it is expanded, then the
-- number of items (0: it was skipped). An ordinary task instance has all
-- three NULL. Items have their own tries, logs, state and output.
ALTER TABLE task_instances ADD COLUMN map_index INTEGER;
ALTER TABLE task_instances ADD COLUMN map_item TEXT;
ALTER TABLE task_instances ADD COLUMN map_count INTEGER;
