/* store_runs.c: reads and changes of whole runs that the command line and
 * the partition resolver need (the runs near an instant, a run's
 * progress). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/dag.h"
#include "store/store_internal.h"

json_t *
store_runs_near(struct store *s, const char *dag_id, int64_t t, int n)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT partition, start_s, end_s FROM ("
	    " SELECT id, partition, start_s, end_s FROM dag_runs WHERE dag_id = ?1"
	    " ORDER BY abs(start_s - ?2), start_s, id LIMIT ?3"
	    ") ORDER BY start_s, id");

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
	    "coalesce(sum(ti.state IN ('success', 'failed', 'skipped', 'upstream_failed')), 0), "
	    "coalesce(sum(ti.token IS NOT NULL AND ti.state NOT IN ('running', 'queued', 'up_for_reschedule')), 0) "
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
		out->stopping = sqlite3_column_int(st, 4);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return found;
}

int
store_run_delete(struct store *s, const struct dag *dag, const char *partition,
		 const char *who, struct sl_err *err)
{
	const char *dag_id = dag->name;
	sqlite3_stmt *st;
	int64_t run_id = 0;
	int active = 0, stopping = 0, found = 0, ntis = 0;
	char *params = NULL;
	json_t *detail;

	if (store_begin(s) < 0)
		return store_db_err(s, err, "begin");
	st = store_stmt(s,
	    "SELECT r.id, r.params, "
	    "(SELECT count(*) FROM task_instances ti WHERE ti.run_id = r.id), "
	    "(SELECT count(*) FROM task_instances ti WHERE ti.run_id = r.id "
	    " AND ti.state IN ('queued', 'running', 'up_for_reschedule')), "
	    /* a try whose task instance a person cleared or marked keeps
	     * its token until a scheduler has stopped it: deleting the row
	     * would leave that process running with nobody to stop it,
	     * beside the try a new run of the partition starts */
	    "(SELECT count(*) FROM task_instances ti WHERE ti.run_id = r.id "
	    " AND ti.token IS NOT NULL "
	    " AND ti.state NOT IN ('queued', 'running', 'up_for_reschedule')) "
	    "FROM dag_runs r WHERE r.dag_id = ? AND r.partition = ?");
	sqlite3_bind_text(st, 1, dag_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		run_id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			params = xstrdup((const char *)sqlite3_column_text(st, 1));
		ntis = sqlite3_column_int(st, 2);
		active = sqlite3_column_int(st, 3);
		stopping = sqlite3_column_int(st, 4);
		found = 1;
	}
	sqlite3_reset(st);
	if (!found) {
		store_rollback(s);
		sl_err_set(err, "DAG %s has no run for partition %s", dag_id, partition);
		return 0;
	}
	if (active > 0) {
		store_rollback(s);
		free(params);
		return sl_err_set(err, "run %s %s has %d task instance%s queued or "
				  "running: mark or clear %s first", dag_id,
				  partition, active, active == 1 ? "" : "s",
				  active == 1 ? "it" : "them");
	}
	if (stopping > 0) {
		store_rollback(s);
		free(params);
		return sl_err_set(err, "run %s %s has %d tr%s still to be stopped (cleared "
				  "or marked while it ran): a running scheduler stops it "
				  "within seconds, else the next one to start does; "
				  "delete the run after that", dag_id, partition,
				  stopping, stopping == 1 ? "y" : "ies");
	}
	/* task instances and their tries go with the run (ON DELETE
	 * CASCADE); the state log has no foreign key. Logs stay on disk. */
	st = store_stmt(s, "DELETE FROM state_changes WHERE run_id = ?");
	sqlite3_bind_int64(st, 1, run_id);
	if (store_step_done(s, st) < 0)
		goto fail;
	st = store_stmt(s, "DELETE FROM dag_runs WHERE id = ?");
	sqlite3_bind_int64(st, 1, run_id);
	if (store_step_done(s, st) < 0)
		goto fail;
	detail = json_pack("{s:s,s:i}", "partition", partition, "task_instances", ntis);
	{
		/* the params it ran with, secret ones masked */
		json_t *p = params ? json_loads(params, 0, NULL) : NULL;

		json_object_set_new(detail, "params", json_is_object(p) ?
				    dag_params_masked(dag, p) : json_null());
		json_decref(p);
	}
	if (store_audit(s, who, "delete_run", dag_id, detail) < 0) {
		json_decref(detail);
		goto fail;
	}
	json_decref(detail);
	free(params);
	if (store_commit_err(s, err) < 0)
		return -1;
	return 1;
fail:
	free(params);
	store_db_err(s, err, "deleting the run");
	store_rollback(s);
	return -1;
}
