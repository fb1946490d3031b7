/* store_map.c: the partition map's read: every run of a DAG in a range of
 * partition starts with its state and, for a running run, how many of
 * its task instances are queued or running and how many failed, and whether needs: made it stale, in one
 * query (scheduler/expected.h turns them into map states); and the same
 * for one task's instances, the map of the dataset that task produces. */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

void
store_map_runs_free(struct store_map_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(runs[i].partition);
	free(runs);
}

/* The rows of st (start, end, partition, state, active, failed, stale)
 * into *out; 0, or -1 (said). */
static int
map_rows(struct store *s, sqlite3_stmt *st, struct store_map_run **out,
	 size_t *n)
{
	struct store_map_run *v = NULL;
	size_t cap = 0, k = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_map_run *r;
		const char *state = (const char *)sqlite3_column_text(st, 3);
		int rs = state != NULL ? run_state_parse(state) : -1;

		SL_GROW(v, cap, k + 1);
		r = &v[k++];
		r->start_s = sqlite3_column_int64(st, 0);
		r->end_s = sqlite3_column_int64(st, 1);
		r->partition = xstrdup((const char *)sqlite3_column_text(st, 2));
		r->state = rs < 0 ? RUN_QUEUED : (enum run_state)rs;
		r->active = sqlite3_column_int(st, 4);
		r->failed = sqlite3_column_int(st, 5);
		r->stale = sqlite3_column_int(st, 6);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_log_failure(s);
		store_map_runs_free(v, k);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Bind a map query's dag (?1), range (?2, ?3) and task (?4, when not
 * NULL) and read its rows. */
static int
map_query(struct store *s, sqlite3_stmt *st, const char *dag_id,
	  const char *task_id, int64_t from_s, int64_t to_s,
	  struct store_map_run **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_s);
	sqlite3_bind_int64(st, 3, to_s);
	if (task_id != NULL)
		sqlite3_bind_text(st, 4, task_id, -1, SQLITE_STATIC);
	return map_rows(s, st, out, n);
}

int
store_map_runs(struct store *s, const char *dag_id, int64_t from_s,
	       int64_t to_s, struct store_map_run **out, size_t *n)
{
	/* only a running run's task instances are read (few runs run at
	 * once): the rest of the map is the run rows alone */
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT r.start_s, r.end_s, r.partition, r.state, "
	    "CASE WHEN r.state = 'running' THEN (SELECT count(*) FROM task_instances ti "
	    "  WHERE ti.run_id = r.id AND ti.state IN ('queued', 'running')) ELSE 0 END, "
	    "CASE WHEN r.state = 'running' THEN (SELECT count(*) FROM task_instances ti "
	    "  WHERE ti.run_id = r.id AND ti.state IN ('failed', 'upstream_failed')) ELSE 0 END, r.stale "
	    "FROM dag_runs r WHERE r.dag_id = ?1 AND r.start_s BETWEEN ?2 AND ?3 "
	    "ORDER BY r.start_s, r.id");

	return map_query(s, st, dag_id, NULL, from_s, to_s, out, n);
}

int
store_map_task_runs(struct store *s, const char *dag_id, const char *task_id,
		    int64_t from_s, int64_t to_s, struct store_map_run **out,
		    size_t *n)
{
	/* the task instance's state as a run's: a run that ended without
	 * it succeeding (skipped, never reached) did not produce: failed */
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT r.start_s, r.end_s, r.partition, "
	    "CASE WHEN ti.state = 'success' THEN 'success' "
	    "WHEN ti.state IN ('failed', 'upstream_failed') THEN 'failed' "
	    "WHEN ti.state IN ('queued', 'running') THEN 'running' "
	    "WHEN r.state IN ('success', 'failed') THEN 'failed' "
	    "WHEN r.state = 'queued' THEN 'queued' ELSE 'running' END, "
	    "ti.state IN ('queued', 'running'), "
	    "ti.state IN ('failed', 'upstream_failed'), r.stale "
	    "FROM dag_runs r LEFT JOIN task_instances ti "
	    "ON ti.run_id = r.id AND ti.task_id = ?4 "
	    "WHERE r.dag_id = ?1 AND r.start_s BETWEEN ?2 AND ?3 "
	    "ORDER BY r.start_s, r.id");

	return map_query(s, st, dag_id, task_id, from_s, to_s, out, n);
}
