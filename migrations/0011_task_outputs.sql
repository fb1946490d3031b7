-- 0011: what a try wrote to $SLUICE_OUTPUT (key=value lines or one JSON
-- object, at most 64 KiB), kept with its task instance as a JSON object
-- text: shown on the task page and in the API, read by the templates of
-- downstream tasks ({{ tasks.NAME.output.KEY }}). NULL: the latest try
-- wrote none (every try's end sets it).
ALTER TABLE task_instances ADD COLUMN output TEXT;
