/* store_runs.c: reads and changes of whole runs that the command line and
 * the partition resolver need (the runs near an instant, a run's
 * progress). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

json_t *
store_runs_near(struct store *s, const char *dag_id, int64_t t, int n)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT partition, start_s, end_s FROM ("
	    " SELECT partition, start_s, end_s FROM dag_runs WHERE dag_id = ?1"
	    " ORDER BY abs(start_s - ?2), start_s LIMIT ?3"
	    ") ORDER BY start_s, partition");

	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t);
	sqlite3_bind_int(st, 3, n);
	return store_rows_json(st);
}

int
store_run_progress(struct store *s, const char *dag_id, const char *partition,
		   struct run_progress *out)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT r.state, count(ti.id), "
	    "coalesce(sum(ti.state IN ('running', 'queued', 'up_for_reschedule')), 0), "
	    "coalesce(sum(ti.state IN ('success', 'failed', 'skipped', 'upstream_failed')), 0) "
	    "FROM dag_runs r LEFT JOIN task_instances ti ON ti.run_id = r.id "
	    "WHERE r.dag_id = ? AND r.partition = ? GROUP BY r.id");
	int rc, found = 0;

	memset(out, 0, sizeof *out);
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);

		snprintf(out->state, sizeof out->state, "%s", state ? state : "");
		out->tasks = sqlite3_column_int(st, 1);
		out->running = sqlite3_column_int(st, 2);
		out->done = sqlite3_column_int(st, 3);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return found;
}
