/*
 * store_external.c: the external job a task instance's try submitted and
 * follows (migrations/0012): written and read by the try's own process
 * (operators/op_external.c), which reaches the store the way the CLI
 * does. A task instance is named by its DAG, partition and task, as the
 * try's spec names it. Writes hold only while the task instance is still
 * at the writer's try, so a try that was given up for lost cannot
 * overwrite what its successor recorded.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"

/* The task instance of (dag ?1, partition ?2, task ?3). */
#define EXT_TI "(SELECT ti.id FROM task_instances ti JOIN dag_runs r " \
	"ON r.id = ti.run_id WHERE r.dag_id = ?1 AND r.partition = ?2 " \
	"AND ti.task_id = ?3)"

/* Bind ?1 ?2 ?3 of EXT_TI. */
static void
bind_ti(sqlite3_stmt *st, const char *dag, const char *partition,
	const char *task)
{
	sqlite3_bind_text(st, 1, dag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, task, -1, SQLITE_STATIC);
}

/* Step a write, then say whether it changed a row: 1, 0, or -1. */
static int
step_changed(struct store *s, sqlite3_stmt *st)
{
	if (store_step_done(s, st) < 0)
		return -1;
	return sqlite3_changes(store_db(s)) > 0 ? 1 : 0;
}

static void
copy_col(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	snprintf(out, n, "%s", v ? v : "");
}

int
store_external_get(struct store *s, const char *dag, const char *partition,
		   const char *task, struct store_external *out)
{
	sqlite3_stmt *st = store_stmt(s,
	    "SELECT x.try_number, x.kind, x.job_id, x.state, x.recorded_at, "
	    "EXISTS (SELECT 1 FROM state_changes c WHERE c.ti_id = x.ti_id "
	    "AND c.to_state = 'none' AND c.at >= x.recorded_at) "
	    "FROM external_jobs x WHERE x.ti_id = " EXT_TI);
	int rc;

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return -1;
	bind_ti(st, dag, partition, task);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->try_number = sqlite3_column_int(st, 0);
		copy_col(st, 1, out->kind, sizeof out->kind);
		copy_col(st, 2, out->job_id, sizeof out->job_id);
		copy_col(st, 3, out->state, sizeof out->state);
		out->recorded_at = sqlite3_column_int64(st, 4);
		out->cleared_since = sqlite3_column_int(st, 5);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_log_failure(s);
	return -1;
}

int
store_external_record(struct store *s, const char *dag, const char *partition,
		      const char *task, int try_number, const char *kind,
		      const char *job_id, int64_t recorded_at, int64_t now_ms)
{
	sqlite3_stmt *st = store_stmt(s,
	    "INSERT INTO external_jobs (ti_id, try_number, kind, job_id, state, "
	    "recorded_at, updated_at) SELECT ti.id, ?4, ?5, ?6, 'running', ?7, ?8 "
	    "FROM task_instances ti WHERE ti.id = " EXT_TI " AND ti.try_number = ?4 "
	    "ON CONFLICT (ti_id) DO UPDATE SET try_number = excluded.try_number, "
	    "kind = excluded.kind, job_id = excluded.job_id, state = 'running', "
	    "recorded_at = excluded.recorded_at, updated_at = excluded.updated_at");

	if (st == NULL)
		return -1;
	bind_ti(st, dag, partition, task);
	sqlite3_bind_int(st, 4, try_number);
	sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, job_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, recorded_at);
	sqlite3_bind_int64(st, 8, now_ms);
	return step_changed(s, st);
}

int
store_external_end(struct store *s, const char *dag, const char *partition,
		   const char *task, int try_number, int64_t now_ms)
{
	sqlite3_stmt *st = store_stmt(s,
	    "UPDATE external_jobs SET state = 'ended', updated_at = ?5 "
	    "WHERE ti_id = " EXT_TI " AND try_number = ?4 AND EXISTS "
	    "(SELECT 1 FROM task_instances ti WHERE ti.id = external_jobs.ti_id "
	    "AND ti.try_number = ?4)");

	if (st == NULL)
		return -1;
	bind_ti(st, dag, partition, task);
	sqlite3_bind_int(st, 4, try_number);
	sqlite3_bind_int64(st, 5, now_ms);
	return step_changed(s, st);
}
