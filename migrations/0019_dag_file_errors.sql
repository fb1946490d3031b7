-- 0019_dag_file_errors: why the scheduler could not load a DAG file it
-- knows no DAG of (a new file, or one whose DAG the database does not
-- know): its error as the scheduler's loader said it, against the
-- configuration the scheduler runs with. The CLI reads the file against
-- sluice.yaml as it is now, and may load what the scheduler refused (an
-- executor added since the scheduler started): `sluice dags`, `trigger`
-- and `tasks` show this error as the API does. A file that loads, or
-- goes, loses its row.
CREATE TABLE dag_file_errors (
	file TEXT PRIMARY KEY,
	error TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
